//! Rotary position embeddings (RoPE), in the "rotate half" layout of Hugging Face's Llama and
//! Mixtral: within each head, element `i < hd/2` is rotated together with element `i + hd/2` by
//! the angle `pos · θ^(−2i/hd)`.
//!
//! The cosines and sines are a table that depends only on `(positions, head_dim, θ)`; it is
//! computed on the host and shared by every backend, so no device trigonometry decides a bit.
//! Each entry is computed as:
//!
//! * `inv_freq[i] = f32(exp(−(2i/hd) · ln θ))`, evaluated in f64 with [`exp_f64`] and [`ln_f64`]
//!   (basic IEEE f64 operations only, so every platform gets the same f64 and the same f32);
//! * `angle = f32(pos) × inv_freq[i]`, one rounded f32 product (as Hugging Face computes it);
//! * `cos`, `sin` = f32 of [`sin_cos_f64`] of that f32 angle.
//!
//! Applying the rotation to `(a, b) = (x[i], x[i + hd/2])` is `a' = a·c − b·s`,
//! `b' = b·c + a·s`, each product and the sum rounded separately (no fused multiply-add).

/// The cos/sin table for positions `0..positions` of heads of width `head_dim` (even).
#[derive(Clone, Debug, PartialEq)]
pub struct RopeTable {
	pub half: usize,
	/// `positions × half`, row-major.
	pub cos: Vec<f32>,
	pub sin: Vec<f32>,
}

impl RopeTable {
	pub fn new(positions: usize, head_dim: usize, theta: f32) -> RopeTable {
		let half = head_dim / 2;
		let ln_theta = ln_f64(f64::from(theta));
		let inv_freq: Vec<f32> = (0..half)
			.map(|i| exp_f64(-((2 * i) as f64 / head_dim as f64) * ln_theta) as f32)
			.collect();
		let mut cos = Vec::with_capacity(positions * half);
		let mut sin = Vec::with_capacity(positions * half);
		for pos in 0..positions {
			for &f in &inv_freq {
				let (s, c) = sin_cos_f64(f64::from(pos as f32 * f));
				cos.push(c as f32);
				sin.push(s as f32);
			}
		}
		RopeTable { half, cos, sin }
	}

	/// Rotate every head of `rows` (row-major, `heads · 2·half` wide) in place; row `r` is at
	/// position `first_position + r`.
	pub fn apply(&self, x: &mut [f32], heads: usize, first_position: usize) {
		self.rotate(x, heads, first_position, 1.0)
	}

	/// The gradient through [`RopeTable::apply`]: the inverse rotation, applied to `grad` in
	/// place (`da = a'·c + b'·s`, `db = b'·c − a'·s`, rounded as in `apply`).
	pub fn apply_backward(&self, grad: &mut [f32], heads: usize, first_position: usize) {
		self.rotate(grad, heads, first_position, -1.0)
	}

	/// Rotation by the table's angles times `direction` (±1: negating the sine is exact, so
	/// `a·c − b·(−s)` rounds exactly as `a·c + b·s`).
	fn rotate(&self, x: &mut [f32], heads: usize, first_position: usize, direction: f32) {
		let (half, width) = (self.half, 2 * self.half * heads);
		for (r, row) in x.chunks_exact_mut(width.max(1)).enumerate() {
			let at = (first_position + r) * half;
			let (cos, sin) = (&self.cos[at..at + half], &self.sin[at..at + half]);
			for head in row.chunks_exact_mut(2 * half) {
				let (lo, hi) = head.split_at_mut(half);
				for i in 0..half {
					let (a, b, s) = (lo[i], hi[i], sin[i] * direction);
					lo[i] = a * cos[i] - b * s;
					hi[i] = b * cos[i] + a * s;
				}
			}
		}
	}
}

/// `ln x` for finite `x > 0`, in f64 from basic operations only (about 1 ulp of f64).
pub fn ln_f64(x: f64) -> f64 {
	let bits = x.to_bits();
	let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
	let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
	if m > std::f64::consts::SQRT_2 {
		m *= 0.5;
		e += 1;
	}
	// ln m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172: 14 odd terms leave < 1e-22.
	let s = (m - 1.0) / (m + 1.0);
	let z = s * s;
	let mut p = 0.0;
	for k in (0..14).rev() {
		p = p * z + 1.0 / (2 * k + 1) as f64;
	}
	e as f64 * std::f64::consts::LN_2 + 2.0 * s * p
}

/// `e^x` for `|x| < 700`, in f64 from basic operations only.
pub fn exp_f64(x: f64) -> f64 {
	let n = (x / std::f64::consts::LN_2).round();
	// ln 2 in two parts: the first has 32 significant bits, so `n · LN2_HI` is exact. Written
	// with all the digits of the values fdlibm uses.
	#[allow(clippy::excessive_precision)]
	const LN2_HI: f64 = 6.931_471_803_691_238_164_9e-1;
	const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
	let r = (x - n * LN2_HI) - n * LN2_LO;
	// |r| ≤ 0.35: Taylor to degree 18 leaves < 1e-25.
	let mut p = 1.0;
	for k in (1..=18).rev() {
		p = 1.0 + p * r / k as f64;
	}
	p * f64::from_bits(((n as i64 + 1023) as u64) << 52)
}

/// `(sin x, cos x)` for `|x| < 2^20`, in f64 from basic operations only.
pub fn sin_cos_f64(x: f64) -> (f64, f64) {
	// x = n·π/2 + r, π/2 in two parts (the first with 33 significant bits, so `n · PIO2_HI`
	// is exact for |n| < 2^20), with all the digits of the values fdlibm uses.
	#[allow(clippy::excessive_precision)]
	const PIO2_HI: f64 = 1.570_796_326_734_125_614_17;
	#[allow(clippy::excessive_precision)]
	const PIO2_LO: f64 = 6.077_100_506_506_192_249_32e-11;
	let n = (x * std::f64::consts::FRAC_2_PI).round();
	let r = (x - n * PIO2_HI) - n * PIO2_LO;
	let z = r * r;
	// |r| ≤ π/4: Taylor to degree 19 / 18 leaves < 1e-19.
	let (mut s, mut c) = (0.0, 0.0);
	for k in (0..10).rev() {
		let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
		s = s * z + sign / factorial(2 * k + 1);
		c = c * z + sign / factorial(2 * k);
	}
	let (s, c) = (s * r, c);
	match (n as i64).rem_euclid(4) {
		0 => (s, c),
		1 => (c, -s),
		2 => (-s, -c),
		_ => (-c, s),
	}
}

fn factorial(n: u32) -> f64 {
	(1..=n).fold(1.0, |acc, k| acc * k as f64)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn host_functions_match_the_standard_library() {
		for x in [1e-3, 0.5, 1.0, 2.0, 10_000.0, 1e6, 3.3e-7] {
			assert!((ln_f64(x) - x.ln()).abs() <= 4.0 * f64::EPSILON * x.ln().abs().max(1.0));
		}
		for x in [-20.0, -1.0, -1e-3, 0.0, 0.7, 5.0, 30.0] {
			assert!((exp_f64(x) / x.exp() - 1.0).abs() < 1e-14, "exp {x}");
		}
		for i in 0..4000 {
			let x = (i as f64 - 2000.0) * 0.37;
			let (s, c) = sin_cos_f64(x);
			assert!((s - x.sin()).abs() < 1e-14 && (c - x.cos()).abs() < 1e-14, "{x}");
		}
	}

	#[test]
	fn rotation_keeps_norms_and_its_backward_is_the_inverse() {
		let table = RopeTable::new(8, 4, 10_000.0);
		assert_eq!((table.cos[0], table.sin[0]), (1.0, 0.0), "position 0 does not rotate");
		let original: Vec<f32> = (0..8 * 8).map(|i| (i as f32 * 0.37).sin()).collect();
		let mut x = original.clone();
		table.apply(&mut x, 2, 0);
		assert_ne!(x, original);
		let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>();
		assert!((norm(&x) - norm(&original)).abs() < 1e-4);
		table.apply_backward(&mut x, 2, 0);
		for (a, b) in x.iter().zip(&original) {
			assert!((a - b).abs() < 1e-6);
		}
	}
}
