//! What can go wrong, named so an operator knows what to fix.

use aiblock_compute::store::StoreError;

#[derive(Debug)]
pub enum WorkerError {
	/// The node is unreachable or answered something unexpected.
	Node(String),
	/// The chain refused a transaction (the pallet's error name is in the text).
	Refused(String),
	/// The signing key could not be loaded.
	Key(String),
	/// The content store failed.
	Store(StoreError),
	/// Content did not match its on-chain hash: never used.
	Tampered { what: String, cid: String, expected: String, actual: String },
	/// Content is not the size the chain says it has.
	WrongSize { what: String, cid: String, expected: u64, actual: u64 },
	/// Training or evaluation failed (an invalid step, a malformed block file).
	Compute(String),
	/// The operator asked for something that cannot be done as asked.
	Usage(String),
	/// The worker's state file could not be read or written.
	State(String),
	/// A server of the inference market refused a request or gave an answer not to pay for.
	Server(String),
}

impl From<aiblock_compute::Error> for WorkerError {
	fn from(e: aiblock_compute::Error) -> Self {
		match e {
			aiblock_compute::Error::Store(e) => WorkerError::Store(e),
			other => WorkerError::Compute(other.to_string()),
		}
	}
}

impl std::fmt::Display for WorkerError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			WorkerError::Node(why) => write!(f, "node: {why}"),
			WorkerError::Refused(why) => write!(f, "transaction refused: {why}"),
			WorkerError::Key(why) => write!(f, "key: {why}"),
			WorkerError::Store(e) => write!(f, "store: {e}"),
			WorkerError::Tampered { what, cid, expected, actual } => write!(
				f,
				"{what} fetched as {cid} hashes to {actual}, but the chain says {expected}: refusing it"
			),
			WorkerError::WrongSize { what, cid, expected, actual } => write!(
				f,
				"{what} fetched as {cid} has {actual} bytes, but the chain says {expected}: refusing it"
			),
			WorkerError::Compute(why) => write!(f, "compute: {why}"),
			WorkerError::Usage(why) => f.write_str(why),
			WorkerError::State(why) => write!(f, "state file: {why}"),
			WorkerError::Server(why) => write!(f, "server: {why}"),
		}
	}
}

impl std::error::Error for WorkerError {}

impl From<StoreError> for WorkerError {
	fn from(e: StoreError) -> Self {
		WorkerError::Store(e)
	}
}
