//! Sums whose bits do not depend on how many threads compute them.
//!
//! Floating-point addition is not associative, so "sum these numbers" is only deterministic
//! with a fixed order. The spec's order: split the terms into consecutive chunks of
//! [`CHUNK`], add each chunk left to right starting from +0, then add the chunk sums left to
//! right starting from +0. Threads may compute chunk sums in any order and any number; the
//! final pass is always sequential.

/// Terms per chunk. Part of the numerics spec: changing it changes results.
pub const CHUNK: usize = 1024;

/// The sum of `terms` in the spec's order.
pub fn sum(terms: &[f32]) -> f32 {
	sum_chunk_sums(terms.chunks(CHUNK).map(sum_sequential))
}

/// Left-to-right sum from +0.
pub fn sum_sequential(terms: &[f32]) -> f32 {
	terms.iter().fold(0.0f32, |acc, &x| acc + x)
}

/// The final pass over chunk sums, in chunk order.
pub fn sum_chunk_sums(chunk_sums: impl IntoIterator<Item = f32>) -> f32 {
	chunk_sums.into_iter().fold(0.0f32, |acc, x| acc + x)
}

/// The same sum with chunk sums computed on `threads` threads.
pub fn sum_parallel(terms: &[f32], threads: usize) -> f32 {
	let chunks: Vec<&[f32]> = terms.chunks(CHUNK).collect();
	let per_thread = chunks.len().div_ceil(threads.max(1)).max(1);
	let mut partials = vec![0.0f32; chunks.len()];
	std::thread::scope(|scope| {
		for (group, out) in chunks.chunks(per_thread).zip(partials.chunks_mut(per_thread)) {
			scope.spawn(move || {
				for (chunk, slot) in group.iter().zip(out.iter_mut()) {
					*slot = sum_sequential(chunk);
				}
			});
		}
	});
	sum_chunk_sums(partials)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn thread_count_does_not_change_the_bits() {
		// Terms of wildly different magnitude make any change of order visible.
		let terms: Vec<f32> = (0..10_000)
			.map(|i| if i % 3 == 0 { 1e7 + i as f32 } else { 1e-3 * i as f32 - 0.5 })
			.collect();
		let want = sum(&terms).to_bits();
		for threads in 1..=5 {
			assert_eq!(sum_parallel(&terms, threads).to_bits(), want, "{threads} threads");
		}
		// And the order really matters for these terms: a plain reverse sum differs.
		let reversed = terms.iter().rev().fold(0.0f32, |a, &x| a + x);
		assert_ne!(reversed.to_bits(), want);
	}

	#[test]
	fn empty_sum_is_positive_zero() {
		assert_eq!(sum(&[]).to_bits(), 0);
		assert_eq!(sum_parallel(&[], 3).to_bits(), 0);
	}
}
