//! Deterministic numerics for AI-Block's Proof of Learning.
//!
//! Training is verified by replay, so every worker, on any CPU or GPU, must compute the same
//! bits. This crate is the canonical definition of those bits (the *numerics spec*, versioned by
//! [`NUMERICS_VERSION`]):
//!
//! * fp32 everywhere, IEEE round-to-nearest-even, subnormals kept (no flush-to-zero);
//! * every dot product is one fused-multiply-add chain over `k` in ascending order, starting
//!   from `+0.0` ([`matmul`]);
//! * sums over many terms use a fixed chunking that does not depend on the thread count
//!   ([`reduce::sum`]);
//! * `exp`, `ln` and the SiLU activation are our own, built only from IEEE add, mul, fma, div
//!   and sqrt plus exact bit manipulation ([`math`]), so that no libm or GPU intrinsic decides
//!   the result;
//! * a NaN or an infinity anywhere in a training step makes the step invalid.
//!
//! The CUDA backend must reproduce these functions bit for bit; the CPU implementation here is
//! the reference it is tested against.

/// Define a function whose body is compiled three times: generically (`f32::mul_add` becomes a
/// call to the C library's `fmaf`) and, on x86-64 CPUs that have FMA, with the FMA instruction,
/// with and without AVX2. All give the same bits (a fused multiply-add is exactly rounded either
/// way, and vector lanes round like scalars); the FMA forms are much faster. The body must be `#[inline]`-friendly: it is inlined into both versions.
macro_rules! fma_dispatch {
	($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
		$(#[$meta])*
		$vis fn $name($($arg: $ty),*) $(-> $ret)? {
			#[inline(always)]
			fn body($($arg: $ty),*) $(-> $ret)? $body
			#[cfg(target_arch = "x86_64")]
			{
				// AVX2 as well, where present: eight lanes instead of four for the loops the
				// compiler vectorises. Lanes compute exactly what the scalar code does.
				#[target_feature(enable = "avx2,fma")]
				unsafe fn with_avx2_fma($($arg: $ty),*) $(-> $ret)? {
					body($($arg),*)
				}
				#[target_feature(enable = "fma")]
				unsafe fn with_fma($($arg: $ty),*) $(-> $ret)? {
					body($($arg),*)
				}
				if std::is_x86_feature_detected!("fma") {
					if std::is_x86_feature_detected!("avx2") {
						// SAFETY: the CPU has AVX2 and FMA.
						return unsafe { with_avx2_fma($($arg),*) };
					}
					// SAFETY: the CPU has FMA.
					return unsafe { with_fma($($arg),*) };
				}
			}
			body($($arg),*)
		}
	};
}
pub(crate) use fma_dispatch;

pub mod backend;
/// Figures for `aiblock-compute bench` and `cargo bench` (timing helpers and measured runs):
/// used by this crate's binary and benches, not part of its API.
#[doc(hidden)]
pub mod bench;
#[cfg(feature = "cuda")]
pub mod cuda;
pub mod data;
mod error;
pub mod genesis;
#[cfg(test)]
mod gradcheck;
pub mod io;
pub mod job;
pub mod model;
pub mod numerics;
pub mod pass;
pub mod select;
pub mod train;
pub mod transformer;

pub use error::{Error, Result};

// The numerics and the I/O under their historical paths (`aiblock_compute::matmul`, `::store`…).
pub use io::{import, safetensors, store, tensor};
pub use numerics::{math, matmul, reduce, rng};

/// Keep freed memory in the process instead of returning it to the system after every step.
///
/// A training step allocates and frees the same large buffers each time; with glibc's defaults
/// big blocks go back to the kernel when freed and come back as fresh zeroed pages, and those
/// page faults cost a third of a small step (measured: 80 → 50 ms at d_model 128). Call once
/// at start-up in processes that train; it changes no result. A no-op off Linux/glibc.
pub fn keep_freed_memory() {
	#[cfg(all(target_os = "linux", target_env = "gnu"))]
	// SAFETY: mallopt only changes allocator tuning parameters; it is called before any
	// training thread starts.
	unsafe {
		libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
		libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
	}
}

/// Version of the numerics spec above. Bumped whenever any function here could return different
/// bits for the same inputs; manifests record it, and evaluators refuse to compare across it.
pub const NUMERICS_VERSION: u32 = 1;
