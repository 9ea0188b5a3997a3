//! Which backend runs: the CPU, or CUDA where this build has it and a device answers. Apart
//! from [`crate::backend`] (the trait and the CPU) and [`crate::cuda`], which both stand alone.

use crate::backend::{Backend, Cpu};

/// What `--backend` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendChoice {
	/// CUDA when this build has it and a device answers, else the CPU.
	Auto,
	Cpu,
	Cuda,
}

impl std::str::FromStr for BackendChoice {
	type Err = String;
	fn from_str(s: &str) -> Result<Self, String> {
		match s {
			"auto" => Ok(BackendChoice::Auto),
			"cpu" => Ok(BackendChoice::Cpu),
			"cuda" => Ok(BackendChoice::Cuda),
			other => Err(format!("unknown backend '{other}' (auto, cpu, cuda)")),
		}
	}
}

/// The backend a choice resolved to.
pub struct Selected {
	pub backend: std::sync::Arc<dyn Backend + Send + Sync>,
	/// One line for the log: what runs, and why when `auto` fell back to the CPU.
	pub note: String,
	/// The GPU's name and memory in GiB, for the worker's registered capabilities.
	pub gpu: Option<(String, u32)>,
}

/// Resolve `choice`; `cpu` is the CPU backend to use (thread count, kernel). Asking for `cuda`
/// where it cannot run is an error naming why; `auto` falls back to the CPU and says why.
pub fn select(choice: BackendChoice, cpu: Cpu) -> crate::Result<Selected> {
	let on_cpu = |why: String| Selected {
		note: format!("{} ({why})", cpu.name()),
		backend: std::sync::Arc::new(cpu),
		gpu: None,
	};
	match choice {
		BackendChoice::Cpu => Ok(on_cpu("--backend cpu".into())),
		#[cfg(feature = "cuda")]
		BackendChoice::Auto | BackendChoice::Cuda => match crate::cuda::Cuda::new(0) {
			Ok(device) => Ok(Selected {
				note: format!("{} ({:?} kernels)", device.name(), device.kernel_image()),
				gpu: Some((device.device().to_owned(), device.memory_gib())),
				backend: std::sync::Arc::new(device),
			}),
			Err(e) if choice == BackendChoice::Auto => Ok(on_cpu(format!("auto: {e}"))),
			Err(e) => Err(crate::Error::Cuda(e)),
		},
		#[cfg(not(feature = "cuda"))]
		BackendChoice::Auto => Ok(on_cpu("auto: this build has no CUDA backend".into())),
		#[cfg(not(feature = "cuda"))]
		BackendChoice::Cuda => {
			Err("--backend cuda: this build has no CUDA backend; rebuild with `--features cuda`"
				.into())
		},
	}
}
