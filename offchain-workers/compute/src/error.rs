//! The crate's one error type: what its model, job, genesis and file functions return, so that
//! callers (the worker) can tell the kinds of failure apart instead of parsing strings. The
//! low-level modules (matmul, safetensors, store, cuda) keep their own precise errors, which
//! [`Error`] wraps and converts from.

use crate::{
	import::ImportError,
	matmul::MatmulError,
	model::SpecError,
	pass::PassError,
	safetensors::SafetensorsError,
	store::{CidError, StoreError},
	train::TrainError,
	transformer::TransformerError,
};

/// Why an operation of this crate failed.
#[derive(Debug)]
pub enum Error {
	/// Operands of a matrix product that do not fit, or a kernel this CPU lacks.
	Matmul(MatmulError),
	/// A training run that could not go on: a non-finite step, too little data, a stop.
	Train(TrainError),
	/// A byte-model pass that could not run.
	Pass(PassError),
	/// A transformer pass that could not run: shapes, tokens, non-finite values.
	Transformer(TransformerError),
	/// A byte-model spec out of bounds.
	Spec(SpecError),
	/// A safetensors file that does not parse or lacks a tensor.
	Safetensors(SafetensorsError),
	/// A Hugging Face checkpoint that cannot be imported.
	Import(ImportError),
	/// The content store failed.
	Store(StoreError),
	/// A content identifier that does not parse.
	Cid(CidError),
	/// The CUDA backend failed.
	#[cfg(feature = "cuda")]
	Cuda(crate::cuda::CudaError),
	/// Input that does not describe a valid model, job, configuration or file: what is wrong.
	Invalid(String),
	/// A file or folder that could not be read or written: which, and why.
	Io(String),
}

impl std::fmt::Display for Error {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Error::Matmul(e) => e.fmt(f),
			Error::Train(e) => e.fmt(f),
			Error::Pass(e) => e.fmt(f),
			Error::Transformer(e) => e.fmt(f),
			Error::Spec(e) => e.fmt(f),
			Error::Safetensors(e) => e.fmt(f),
			Error::Import(e) => e.fmt(f),
			Error::Store(e) => e.fmt(f),
			Error::Cid(e) => e.fmt(f),
			#[cfg(feature = "cuda")]
			Error::Cuda(e) => e.fmt(f),
			Error::Invalid(why) | Error::Io(why) => f.write_str(why),
		}
	}
}

impl std::error::Error for Error {}

macro_rules! wrap {
	($($variant:ident($ty:ty)),* $(,)?) => {
		$(impl From<$ty> for Error {
			fn from(e: $ty) -> Self {
				Error::$variant(e)
			}
		})*
	};
}

wrap!(
	Matmul(MatmulError),
	Train(TrainError),
	Pass(PassError),
	Transformer(TransformerError),
	Spec(SpecError),
	Safetensors(SafetensorsError),
	Import(ImportError),
	Store(StoreError),
	Cid(CidError),
	Invalid(String),
);

#[cfg(feature = "cuda")]
wrap!(Cuda(crate::cuda::CudaError));

impl From<serde_json::Error> for Error {
	fn from(e: serde_json::Error) -> Self {
		Error::Invalid(format!("JSON: {e}"))
	}
}

impl From<&str> for Error {
	fn from(why: &str) -> Self {
		Error::Invalid(why.to_string())
	}
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
