//! 8×8 transposes in AVX registers: the copies that turn eight row-major strips into eight
//! vectors of one element each (the layouts the matmul packs and the lane-wise dot products
//! need). A transpose moves values and never rounds, so every user keeps its exact bits; it
//! only replaces scalar copies that cost more than the arithmetic they fed.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Eight floats from each of eight places: `rows[i]` is read at `data[starts[i]..][..8]`.
///
/// # Safety
/// The CPU has AVX; `starts[i] + 8 <= data.len()` for every `i` (checked in debug builds).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
#[inline]
pub(crate) unsafe fn load8(data: &[f32], starts: [usize; 8]) -> [__m256; 8] {
	debug_assert!(starts.iter().all(|&s| s + 8 <= data.len()));
	// SAFETY: the caller keeps every strip inside `data`.
	starts.map(|s| unsafe { _mm256_loadu_ps(data.as_ptr().add(s)) })
}

/// The transpose of the 8×8 matrix whose row `i` is `rows[i]`: lane `j` of output `t` is lane
/// `t` of `rows[j]`.
///
/// # Safety
/// The CPU has AVX.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
#[inline]
pub(crate) unsafe fn transpose8(rows: [__m256; 8]) -> [__m256; 8] {
	let [r0, r1, r2, r3, r4, r5, r6, r7] = rows;
	// Interleave pairs of rows, then pairs of pairs, within each 128-bit half…
	let (t0, t1) = (_mm256_unpacklo_ps(r0, r1), _mm256_unpackhi_ps(r0, r1));
	let (t2, t3) = (_mm256_unpacklo_ps(r2, r3), _mm256_unpackhi_ps(r2, r3));
	let (t4, t5) = (_mm256_unpacklo_ps(r4, r5), _mm256_unpackhi_ps(r4, r5));
	let (t6, t7) = (_mm256_unpacklo_ps(r6, r7), _mm256_unpackhi_ps(r6, r7));
	let (s0, s1) = (_mm256_shuffle_ps::<0x44>(t0, t2), _mm256_shuffle_ps::<0xEE>(t0, t2));
	let (s2, s3) = (_mm256_shuffle_ps::<0x44>(t1, t3), _mm256_shuffle_ps::<0xEE>(t1, t3));
	let (s4, s5) = (_mm256_shuffle_ps::<0x44>(t4, t6), _mm256_shuffle_ps::<0xEE>(t4, t6));
	let (s6, s7) = (_mm256_shuffle_ps::<0x44>(t5, t7), _mm256_shuffle_ps::<0xEE>(t5, t7));
	// …then join the halves: rows 0–3 supply the low half of each output, rows 4–7 the high.
	[
		_mm256_permute2f128_ps::<0x20>(s0, s4),
		_mm256_permute2f128_ps::<0x20>(s1, s5),
		_mm256_permute2f128_ps::<0x20>(s2, s6),
		_mm256_permute2f128_ps::<0x20>(s3, s7),
		_mm256_permute2f128_ps::<0x31>(s0, s4),
		_mm256_permute2f128_ps::<0x31>(s1, s5),
		_mm256_permute2f128_ps::<0x31>(s2, s6),
		_mm256_permute2f128_ps::<0x31>(s3, s7),
	]
}

/// Transpose the 8×8 block whose row `i` is `data[starts[i]..][..8]` into `out`: row `t` of
/// the result (element `t` of every strip) at `out[t * out_stride..][..8]`.
///
/// # Safety
/// The CPU has AVX; every strip lies inside `data` and `7 * out_stride + 8 <= out.len()`
/// (checked in debug builds).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
pub(crate) unsafe fn transpose_block(
	data: &[f32],
	starts: [usize; 8],
	out: &mut [std::mem::MaybeUninit<f32>],
	out_stride: usize,
) {
	debug_assert!(7 * out_stride + 8 <= out.len());
	// SAFETY: the caller keeps the strips inside `data` and the rows inside `out`.
	unsafe {
		let rows = transpose8(load8(data, starts));
		for (t, row) in rows.into_iter().enumerate() {
			_mm256_storeu_ps(out.as_mut_ptr().add(t * out_stride).cast(), row);
		}
	}
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
	use super::*;

	#[test]
	fn transposes_every_lane() {
		if !std::is_x86_feature_detected!("avx") {
			return;
		}
		let data: Vec<f32> = (0..100).map(|i| i as f32 * 1.5 - 7.0).collect();
		// Rows 11 apart starting at 3: element (r, c) is data[3 + 11 r + c].
		let starts = std::array::from_fn(|r| 3 + 11 * r);
		// SAFETY: AVX is present and every strip ends by 3 + 77 + 8 <= 100.
		let columns = unsafe { transpose8(load8(&data, starts)) };
		for (c, column) in columns.iter().enumerate() {
			let mut lanes = [0.0f32; 8];
			// SAFETY: eight floats into an array of eight.
			unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), *column) };
			for (r, &v) in lanes.iter().enumerate() {
				assert_eq!(v, data[3 + 11 * r + c], "row {r} column {c}");
			}
		}
	}
}
