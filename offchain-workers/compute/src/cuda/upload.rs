//! Stored experts onto the device without a heap copy: the tensor bytes go from the memory-mapped
//! safetensors file into a pinned staging buffer and from there, by DMA, to the device.
//!
//! The staging buffer has two halves: while the device pulls one chunk, the next is copied out
//! of the map into the other half, so the file is read once at memory speed and the transfer
//! runs at the bus's pinned-memory rate.

use super::{driver, Cuda, CudaError};
use crate::safetensors::SafeTensors;
use cudarc::driver::{CudaEvent, CudaSlice, PinnedHostSlice};
use std::collections::BTreeMap;

/// Floats per half of the staging buffer (8 MiB): large enough for full-rate transfers, small
/// enough to stay in the last-level cache while it is filled.
const STAGE: usize = 2 << 20;

/// One tensor on the device.
pub struct DeviceTensor {
	pub shape: Vec<usize>,
	pub data: CudaSlice<f32>,
}

impl Cuda {
	/// Every tensor of `file` (all must be F32) on the device, by name.
	pub fn upload_file<B: AsRef<[u8]>>(
		&self,
		file: &SafeTensors<B>,
	) -> Result<BTreeMap<String, DeviceTensor>, CudaError> {
		if cfg!(target_endian = "big") {
			return Err(CudaError::Driver {
				what: "upload",
				error: "safetensors are little-endian".into(),
			});
		}
		let ctx = self.stream.context();
		// SAFETY: pinned memory is only written (by `copy_nonoverlapping`) before it is read.
		let mut halves: [PinnedHostSlice<f32>; 2] = [
			unsafe { ctx.alloc_pinned::<f32>(STAGE) }.map_err(driver("pinned allocation"))?,
			unsafe { ctx.alloc_pinned::<f32>(STAGE) }.map_err(driver("pinned allocation"))?,
		];
		let done: [CudaEvent; 2] = [
			ctx.new_event(None).map_err(driver("event"))?,
			ctx.new_event(None).map_err(driver("event"))?,
		];
		let mut out = BTreeMap::new();
		let mut turn = 0usize;
		for name in file.names() {
			let raw = file
				.raw(name)
				.map_err(|e| CudaError::Driver { what: "upload", error: e.to_string() })?;
			if raw.dtype != "F32" {
				return Err(CudaError::Driver {
					what: "upload",
					error: format!("{name} is {}, the device kernels take F32", raw.dtype),
				});
			}
			let floats = raw.bytes.len() / 4;
			let mut data = self.alloc(floats)?;
			for (i, chunk) in raw.bytes.chunks(STAGE * 4).enumerate() {
				let half = turn % 2;
				turn += 1;
				// The copy that last used this half must be finished before it is refilled.
				done[half].synchronize().map_err(driver("staging wait"))?;
				let stage = halves[half].as_mut_slice().map_err(driver("staging"))?;
				let n = chunk.len() / 4;
				// SAFETY: `stage` holds STAGE ≥ n floats; the source is n·4 bytes of the map;
				// every bit pattern is a valid f32.
				unsafe {
					std::ptr::copy_nonoverlapping(
						chunk.as_ptr(),
						stage.as_mut_ptr() as *mut u8,
						n * 4,
					)
				};
				let first = i * STAGE;
				self.stream
					.memcpy_htod(&stage[..n], &mut data.slice_mut(first..first + n))
					.map_err(driver("upload"))?;
				done[half].record(&self.stream).map_err(driver("event"))?;
			}
			out.insert(name.to_owned(), DeviceTensor { shape: raw.shape.to_vec(), data });
		}
		self.stream.synchronize().map_err(driver("synchronize"))?;
		Ok(out)
	}
}
