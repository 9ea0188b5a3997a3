//! Counter-based random numbers: every draw is a pure function of `(seed, stream, index)`.
//!
//! Training must be replayable from any step, so no generator state is carried from one step to
//! the next: the batch of step `s` is drawn with `stream = s`, genesis weights of tensor `t` with
//! a stream derived from its name. The mixing function is SplitMix64's finaliser, applied to a
//! combination of the three inputs; it is part of the numerics spec.

/// SplitMix64's output function: a bijection on `u64` with good avalanche.
pub fn mix64(mut z: u64) -> u64 {
	z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
	z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
	z ^ (z >> 31)
}

/// The `index`-th 64-bit draw of `stream` under `seed`.
pub fn draw(seed: u64, stream: u64, index: u64) -> u64 {
	let golden = 0x9e37_79b9_7f4a_7c15u64;
	mix64(mix64(seed ^ mix64(stream.wrapping_mul(golden))).wrapping_add(index.wrapping_mul(golden)))
}

/// A uniform `f32` in `[0, 1)` with 24 random bits (exactly representable, no rounding).
pub fn uniform(seed: u64, stream: u64, index: u64) -> f32 {
	(draw(seed, stream, index) >> 40) as f32 * (1.0 / 16_777_216.0)
}

/// A uniform integer in `0..n` (`n > 0`); the modulo bias is below 2^-40 for `n < 2^24`.
pub fn below(seed: u64, stream: u64, index: u64, n: u64) -> u64 {
	draw(seed, stream, index) % n
}

/// A stable stream id for a name (FNV-1a, then mixed), e.g. a tensor's.
pub fn stream_of(name: &str) -> u64 {
	let mut h = 0xcbf2_9ce4_8422_2325u64;
	for b in name.bytes() {
		h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
	}
	mix64(h)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn draws_are_pure_and_distinct() {
		assert_eq!(draw(1, 2, 3), draw(1, 2, 3));
		assert_ne!(draw(1, 2, 3), draw(1, 2, 4));
		assert_ne!(draw(1, 2, 3), draw(1, 3, 3));
		assert_ne!(draw(1, 2, 3), draw(2, 2, 3));
		assert_ne!(stream_of("layer0.expert1"), stream_of("layer1.expert0"));
	}

	#[test]
	fn uniform_is_in_range_and_balanced() {
		let n = 100_000;
		let mut sum = 0.0f64;
		for i in 0..n {
			let u = uniform(7, 0, i);
			assert!((0.0..1.0).contains(&u));
			sum += f64::from(u);
		}
		let mean = sum / n as f64;
		assert!((mean - 0.5).abs() < 0.005, "{mean}");
		let mut counts = [0u32; 10];
		for i in 0..n {
			counts[below(9, 1, i, 10) as usize] += 1;
		}
		assert!(counts.iter().all(|c| (9_500..10_500).contains(c)), "{counts:?}");
	}
}
