//! The content store over an IPFS daemon's HTTP RPC API (kubo's `/api/v0`, which js-ipfs also
//! serves): `add`, `cat`, `pin/add`, `block/stat` and `version`, nothing more.
//!
//! The client is small on purpose (see the dependency notes in `DESIGN.md`): requests are
//! plain HTTP/1.1 POSTs with query arguments, uploads a hand-built `multipart/form-data` body
//! streamed from a reader, downloads streamed into the caller's writer. Both daemons' answers
//! are accepted (kubo writes `Size` as a string, js-ipfs as a number; we never read it).
//!
//! Nothing a daemon returns is trusted: `add` must name the CID the embedded importer
//! computes for the same bytes (so an on-chain CID means the same bytes on every node), and
//! `cat` output is checked against the CID it was asked for before anyone sees it.

use aiblock_compute::store::{cid_of, Cid, ContentStore, StoreError};
use std::{
	io::{Read, Write},
	time::Duration,
};

/// The `add` options that make a daemon compute the same CIDs as the embedded store.
const ADD_ARGS: &str =
	"cid-version=1&cid-base=base32&raw-leaves=true&chunker=size-262144&pin=true&progress=false";
const BOUNDARY: &str = "aiblock-worker-4c1e0b8f9d2a";
/// How much longer than the daemon's own fetch timeout a whole call may take (sending and
/// receiving the bytes once the daemon has found them).
const CALL_MARGIN: Duration = Duration::from_secs(60);

/// An IPFS daemon reached over its HTTP RPC API.
pub struct IpfsStore {
	api: String,
	agent: ureq::Agent,
	fetch_timeout: Duration,
}

impl IpfsStore {
	/// A client for the daemon whose API listens at `url` (e.g. `http://127.0.0.1:5001`).
	/// Nothing is sent until the first call; [`IpfsStore::version`] checks the daemon is there.
	pub fn new(url: &str) -> Result<IpfsStore, StoreError> {
		let base = url.trim_end_matches('/');
		if !base.starts_with("http://") {
			return Err(StoreError::Remote(format!(
				"IPFS API URL '{url}' must start with http:// (the RPC API is not served over TLS)"
			)));
		}
		let fetch_timeout = Duration::from_secs(600);
		Ok(IpfsStore { api: format!("{base}/api/v0"), agent: agent(fetch_timeout), fetch_timeout })
	}

	/// How long a `cat` may take before the daemon gives up (default 10 minutes). Content no
	/// reachable node has would otherwise keep a daemon searching for ever.
	pub fn with_fetch_timeout(mut self, timeout: Duration) -> IpfsStore {
		self.fetch_timeout = timeout;
		self.agent = agent(timeout);
		self
	}

	fn fail(&self, what: &str, why: impl std::fmt::Display) -> StoreError {
		StoreError::Remote(format!("IPFS daemon at {}: {what}: {why}", self.api))
	}

	/// POST `command?query` with an optional body; the response if the daemon said 200.
	fn call(
		&self,
		command: &str,
		query: &str,
		body: Option<&mut dyn Read>,
	) -> Result<ureq::http::Response<ureq::Body>, StoreError> {
		let url = format!("{}/{command}?{query}", self.api);
		let request = self.agent.post(&url);
		let response = match body {
			Some(reader) => request
				.header("Content-Type", format!("multipart/form-data; boundary={BOUNDARY}"))
				.send(ureq::SendBody::from_reader(reader)),
			None => request.send_empty(),
		}
		.map_err(|e| self.fail(command, e))?;
		if response.status() != 200 {
			let status = response.status();
			let mut text = String::new();
			let _ = response.into_body().into_reader().take(4096).read_to_string(&mut text);
			return Err(self.fail(command, format!("HTTP {status}: {}", daemon_message(&text))));
		}
		Ok(response)
	}

	fn call_json(&self, command: &str, query: &str) -> Result<serde_json::Value, StoreError> {
		let text = self
			.call(command, query, None)?
			.into_body()
			.read_to_string()
			.map_err(|e| self.fail(command, e))?;
		serde_json::from_str(&text).map_err(|e| self.fail(command, format!("{e} in {text:?}")))
	}

	/// The daemon's version string; fails when no daemon answers.
	pub fn version(&self) -> Result<String, StoreError> {
		let v = self.call_json("version", "")?;
		v["Version"]
			.as_str()
			.map(str::to_owned)
			.ok_or_else(|| self.fail("version", format!("no Version in {v}")))
	}

	/// Add (and pin) everything `reader` yields, streamed; returns the CID the daemon reports.
	/// Callers that know the expected CID compare it ([`ContentStore::put`] does).
	pub fn add_reader(&self, reader: &mut dyn Read) -> Result<Cid, StoreError> {
		let head = format!(
			"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"block\"\r\n\
			 Content-Type: application/octet-stream\r\n\r\n"
		);
		let tail = format!("\r\n--{BOUNDARY}--\r\n");
		let mut body = head.as_bytes().chain(reader).chain(tail.as_bytes());
		let text = self
			.call("add", ADD_ARGS, Some(&mut body))?
			.into_body()
			.read_to_string()
			.map_err(|e| self.fail("add", e))?;
		// One JSON object per line; the last one names the added file.
		let last = text
			.lines()
			.filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
			.rfind(|v| v.get("Hash").is_some())
			.ok_or_else(|| self.fail("add", format!("no Hash in {text:?}")))?;
		let hash = last["Hash"].as_str().unwrap_or_default();
		hash.parse().map_err(|e| self.fail("add", format!("CID '{hash}': {e}")))
	}

	/// Stream at most `limit` bytes of `cid` into `out` without checking them (see
	/// [`ContentStore::get`] for the checked form). Returns the number of bytes written;
	/// [`StoreError::TooLarge`] when the content goes on past `limit` (one byte more is read
	/// to know, then the connection is dropped).
	pub fn cat_to(&self, cid: &Cid, out: &mut dyn Write, limit: u64) -> Result<u64, StoreError> {
		let wanted = limit.saturating_add(1);
		let query = format!(
			"arg={cid}&length={wanted}&timeout={}ms",
			self.fetch_timeout.as_millis().max(1)
		);
		let response = self.call("cat", &query, None)?;
		let mut body = response.into_body().into_reader().take(wanted);
		let copied = std::io::copy(&mut body, out).map_err(|e| self.fail("cat", e))?;
		if copied > limit {
			return Err(StoreError::TooLarge { cid: cid.clone(), limit });
		}
		Ok(copied)
	}
}

/// The HTTP client: a connect timeout, and a timeout on every whole call so that a daemon (or
/// a peer feeding it) that trickles bytes cannot hold a worker for ever.
fn agent(fetch_timeout: Duration) -> ureq::Agent {
	ureq::Agent::config_builder()
		.timeout_connect(Some(Duration::from_secs(10)))
		.timeout_global(Some(fetch_timeout + CALL_MARGIN))
		// Daemons answer errors with a JSON body and a 500; we read it ourselves.
		.http_status_as_error(false)
		.build()
		.into()
}

/// The `Message` of a daemon's JSON error body, or the body itself.
fn daemon_message(body: &str) -> String {
	serde_json::from_str::<serde_json::Value>(body)
		.ok()
		.and_then(|v| v["Message"].as_str().map(str::to_owned))
		.unwrap_or_else(|| body.trim().to_owned())
}

/// Whether a daemon's error means "I do not have it (and could not find it in time)": the
/// daemons word it differently, and a search cut off by `timeout` means the same.
fn absent(why: &str) -> bool {
	let why = why.to_lowercase();
	["not found", "timeout", "timed out", "aborted", "deadline"].iter().any(|w| why.contains(w))
}

impl ContentStore for IpfsStore {
	fn put(&self, bytes: &[u8]) -> Result<Cid, StoreError> {
		let expected = cid_of(bytes);
		let returned = self.add_reader(&mut &bytes[..])?;
		if returned != expected {
			return Err(self.fail(
				"add",
				format!(
					"returned CID {returned}, but these bytes are {expected} with CIDv1, raw \
					 leaves and 256 KiB chunks; the daemon does not honour the add options"
				),
			));
		}
		Ok(returned)
	}

	fn get(&self, cid: &Cid, limit: u64) -> Result<Vec<u8>, StoreError> {
		let mut bytes = Vec::new();
		match self.cat_to(cid, &mut bytes, limit) {
			Ok(_) => {},
			Err(StoreError::Remote(why)) if absent(&why) => {
				return Err(StoreError::NotFound(cid.clone()))
			},
			Err(e) => return Err(e),
		}
		let actual = cid_of(&bytes);
		if &actual != cid {
			return Err(StoreError::Corrupt { cid: cid.clone(), actual });
		}
		Ok(bytes)
	}

	fn has(&self, cid: &Cid) -> Result<bool, StoreError> {
		// `offline` keeps the daemon from asking the network; `timeout` bounds daemons that
		// ignore it (js-ipfs without peers would otherwise wait forever).
		match self.call_json("block/stat", &format!("arg={cid}&offline=true&timeout=3s")) {
			Ok(v) => Ok(v.get("Key").is_some()),
			Err(StoreError::Remote(why)) if absent(&why) => Ok(false),
			Err(e) => Err(e),
		}
	}

	fn healthy(&self) -> Result<(), StoreError> {
		self.version().map(drop)
	}

	/// Pin `cid` (recursively), so the daemon's garbage collector keeps it.
	fn pin(&self, cid: &Cid) -> Result<(), StoreError> {
		self.call_json("pin/add", &format!("arg={cid}")).map(drop)
	}

	/// The daemon's storage budget (`StorageMax`, where its garbage collector starts) less
	/// what its repository holds (`RepoSize`), from `repo/stat` (sizes only: the object count
	/// walks the whole repository); `None` when it does not say, or holds more than its budget
	/// (a daemon that runs without garbage collection: the budget says nothing then).
	fn room(&self) -> Result<Option<u64>, StoreError> {
		let stat = self.call_json("repo/stat", "size-only=true")?;
		let field = |name: &str| stat[name].as_u64().or_else(|| stat[name].as_str()?.parse().ok());
		Ok(field("StorageMax").zip(field("RepoSize")).and_then(|(max, used)| max.checked_sub(used)))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn refuses_urls_it_cannot_speak_to() {
		let e = IpfsStore::new("https://ipfs.example:5001").err().unwrap();
		assert!(e.to_string().contains("http://"), "{e}");
		assert!(IpfsStore::new("http://127.0.0.1:5001/").is_ok());
	}

	#[test]
	fn an_absent_daemon_is_a_clear_error() {
		// Port 9 (discard) on loopback: nothing listens there in a test environment.
		let store = IpfsStore::new("http://127.0.0.1:9").unwrap();
		let e = store.version().unwrap_err().to_string();
		assert!(e.contains("127.0.0.1:9") && e.contains("version"), "{e}");
	}

	#[test]
	fn daemon_errors_are_reduced_to_their_message() {
		assert_eq!(
			daemon_message(r#"{"Message":"block was not found locally","Code":0,"Type":"error"}"#),
			"block was not found locally"
		);
		assert_eq!(daemon_message(" plain text \n"), "plain text");
	}
}
