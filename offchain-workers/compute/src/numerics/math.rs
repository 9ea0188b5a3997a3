//! `exp`, `ln` and the SiLU activation, built only from IEEE-754 fp32 add, mul, fma and div and
//! exact bit manipulation, so that every platform (and the CUDA kernels, which port these lines)
//! returns the same bits. Accuracy is within a few ulp of the true value; determinism, not the
//! last ulp, is the point.

/// 1.5 · 2^23: adding and subtracting it rounds an f32 of magnitude < 2^22 to the nearest
/// integer (ties to even) using nothing but IEEE addition.
const ROUND_MAGIC: f32 = 12_582_912.0;
const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// ln 2 split so that `n · LN2_HI` is exact for |n| < 2^9. Written out exactly (it is
/// 0x3F31_8000), though fewer digits would round to the same f32.
#[allow(clippy::excessive_precision)]
const LN2_HI: f32 = 0.693_359_375;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Above this, e^x overflows f32; below `EXP_UNDERFLOW` it is 0 even as a subnormal.
const EXP_OVERFLOW: f32 = 88.722_84;
const EXP_UNDERFLOW: f32 = -103.972_08;

/// 2^k for k in [-126, 127], built from its bits (exact).
#[inline(always)]
fn pow2i(k: i32) -> f32 {
	f32::from_bits(((k + 127) as u32) << 23)
}

/// e^x. NaN for NaN; +inf above ~88.72; +0 below ~-103.97.
///
/// Written without early returns: the argument is clamped into range, the result computed, and
/// the special cases chosen at the end. The selects do not change any result, but let the
/// compiler evaluate eight of these at once in a loop (the SiLU and softmax loops).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
	let input = x;
	// False for NaN.
	let in_range = (EXP_UNDERFLOW..=EXP_OVERFLOW).contains(&x);
	let x = if in_range { x } else { 0.0 };
	// x = n·ln2 + r with |r| ≤ ln2/2.
	let shifted = x.mul_add(LOG2_E, ROUND_MAGIC);
	let n = shifted - ROUND_MAGIC;
	let r = (-n).mul_add(LN2_HI, x);
	let r = (-n).mul_add(LN2_LO, r);
	// e^r by its Taylor polynomial to degree 7 (truncation < 1e-8 relative on |r| ≤ 0.35).
	let mut p: f32 = 1.0 / 5040.0;
	p = p.mul_add(r, 1.0 / 720.0);
	p = p.mul_add(r, 1.0 / 120.0);
	p = p.mul_add(r, 1.0 / 24.0);
	p = p.mul_add(r, 1.0 / 6.0);
	p = p.mul_add(r, 0.5);
	p = p.mul_add(r, 1.0);
	p = p.mul_add(r, 1.0);
	// p · 2^n in two exact-or-once-rounded steps, so subnormal results round only once.
	// `shifted` lies in [2^23, 2^24), where one unit is one step of the bit pattern, so `n` as
	// an integer is a difference of bit patterns: exactly `n as i32`, but a vector integer
	// subtraction where the saturating float-to-int cast was eight scalar conversions.
	let n = shifted.to_bits() as i32 - ROUND_MAGIC.to_bits() as i32;
	let half = n / 2;
	let value = p * pow2i(half) * pow2i(n - half);
	if in_range {
		value
	} else if input > EXP_OVERFLOW {
		f32::INFINITY
	} else if input < EXP_UNDERFLOW {
		0.0
	} else {
		input
	}
}

/// Natural logarithm. NaN for NaN and negative inputs, -inf for ±0, +inf for +inf.
#[inline(always)]
pub fn ln(x: f32) -> f32 {
	if x.is_nan() || x < 0.0 {
		return f32::NAN;
	}
	if x == 0.0 {
		return f32::NEG_INFINITY;
	}
	if x == f32::INFINITY {
		return x;
	}
	// Normalise subnormals exactly.
	let (x, bias) = if x < f32::MIN_POSITIVE { (x * pow2i(23), -23) } else { (x, 0) };
	let bits = x.to_bits();
	let mut e = ((bits >> 23) & 0xff) as i32 - 127 + bias;
	let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
	if m > std::f32::consts::SQRT_2 {
		m *= 0.5;
		e += 1;
	}
	// ln m = 2 atanh(s), s = (m-1)/(m+1), |s| ≤ 0.172; m - 1 is exact (Sterbenz).
	let s = (m - 1.0) / (m + 1.0);
	let z = s * s;
	let mut p: f32 = 1.0 / 11.0;
	p = p.mul_add(z, 1.0 / 9.0);
	p = p.mul_add(z, 1.0 / 7.0);
	p = p.mul_add(z, 1.0 / 5.0);
	p = p.mul_add(z, 1.0 / 3.0);
	let ln_m = 2.0 * (s * z).mul_add(p, s);
	let e = e as f32;
	e.mul_add(LN2_HI, e.mul_add(LN2_LO, ln_m))
}

/// The logistic function 1 / (1 + e^-x).
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
	1.0 / (1.0 + exp(-x))
}

/// SiLU (swish): x · sigmoid(x), the expert FFN's activation.
#[inline(always)]
pub fn silu(x: f32) -> f32 {
	x / (1.0 + exp(-x))
}

/// d silu(x) / dx = σ(x) · (1 + x · (1 - σ(x))).
#[inline(always)]
pub fn silu_grad(x: f32) -> f32 {
	silu_and_grad(x).1
}

/// [`silu`] and [`silu_grad`] of `x` with one exponential: the same two values, bit for bit.
#[inline(always)]
pub fn silu_and_grad(x: f32) -> (f32, f32) {
	let denominator = 1.0 + exp(-x);
	let s = 1.0 / denominator;
	(x / denominator, s * x.mul_add(1.0 - s, 1.0))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn silu_and_its_gradient_together_are_each_alone() {
		for x in sweep(-120.0, 120.0, 4099).chain([0.0, -0.0, f32::INFINITY, f32::NEG_INFINITY]) {
			let (value, grad) = silu_and_grad(x);
			assert_eq!(value.to_bits(), silu(x).to_bits(), "silu({x:e})");
			assert_eq!(grad.to_bits(), (sigmoid(x) * x.mul_add(1.0 - sigmoid(x), 1.0)).to_bits());
		}
	}

	/// Distance in units in the last place between two finite f32 of the same sign.
	fn ulps(a: f32, b: f32) -> u32 {
		(a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
	}

	/// Every `stride`-th f32 bit pattern in [lo, hi].
	fn sweep(lo: f32, hi: f32, stride: u32) -> impl Iterator<Item = f32> {
		(0..=u32::MAX)
			.step_by(stride as usize)
			.map(f32::from_bits)
			.filter(move |x| *x >= lo && *x <= hi)
	}

	#[test]
	fn exp_is_within_two_ulp_of_the_true_value() {
		let mut worst = 0;
		for x in sweep(EXP_UNDERFLOW, EXP_OVERFLOW, 997) {
			let truth = (x as f64).exp() as f32;
			if truth < f32::MIN_POSITIVE {
				// Subnormal results: absolute error of at most one subnormal step.
				assert!((exp(x) - truth).abs() <= f32::from_bits(1) * 2.0, "exp({x})");
				continue;
			}
			let err = ulps(exp(x), truth);
			worst = worst.max(err);
			assert!(err <= 2, "exp({x}) = {} but e^x = {truth} ({err} ulp)", exp(x));
		}
		println!("exp: worst error {worst} ulp");
	}

	/// The first form of `exp` (early returns), kept to prove the branch-free one gives the
	/// same bits on every input.
	fn exp_with_early_returns(x: f32) -> f32 {
		if x.is_nan() {
			return x;
		}
		if x > EXP_OVERFLOW {
			return f32::INFINITY;
		}
		if x < EXP_UNDERFLOW {
			return 0.0;
		}
		let n = x.mul_add(LOG2_E, ROUND_MAGIC) - ROUND_MAGIC;
		let r = (-n).mul_add(LN2_HI, x);
		let r = (-n).mul_add(LN2_LO, r);
		let mut p: f32 = 1.0 / 5040.0;
		for c in [1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
			p = p.mul_add(r, c);
		}
		let n = n as i32;
		let half = n / 2;
		p * pow2i(half) * pow2i(n - half)
	}

	#[test]
	fn exp_is_bitwise_the_early_return_form() {
		for bits in (0..=u32::MAX).step_by(251) {
			let x = f32::from_bits(bits);
			assert_eq!(exp(x).to_bits(), exp_with_early_returns(x).to_bits(), "exp({x:e})");
		}
		for x in
			[f32::NAN, -f32::NAN, f32::INFINITY, f32::NEG_INFINITY, EXP_OVERFLOW, EXP_UNDERFLOW]
		{
			assert_eq!(exp(x).to_bits(), exp_with_early_returns(x).to_bits(), "exp({x:e})");
		}
	}

	#[test]
	fn exp_special_values() {
		assert_eq!(exp(0.0), 1.0);
		assert_eq!(exp(-0.0), 1.0);
		assert_eq!(exp(f32::INFINITY), f32::INFINITY);
		assert_eq!(exp(f32::NEG_INFINITY), 0.0);
		assert_eq!(exp(100.0), f32::INFINITY);
		assert_eq!(exp(-200.0), 0.0);
		assert!(exp(f32::NAN).is_nan());
	}

	#[test]
	fn ln_is_within_two_ulp_of_the_true_value() {
		let mut worst = 0;
		for x in sweep(f32::from_bits(1), f32::MAX, 991) {
			let truth = (x as f64).ln() as f32;
			let err = ulps(ln(x), truth);
			worst = worst.max(err);
			assert!(err <= 2, "ln({x}) = {} but ln x = {truth} ({err} ulp)", ln(x));
		}
		println!("ln: worst error {worst} ulp");
	}

	#[test]
	fn ln_special_values() {
		assert_eq!(ln(1.0), 0.0);
		assert_eq!(ln(0.0), f32::NEG_INFINITY);
		assert_eq!(ln(-0.0), f32::NEG_INFINITY);
		assert_eq!(ln(f32::INFINITY), f32::INFINITY);
		assert!(ln(-1.0).is_nan());
		assert!(ln(f32::NAN).is_nan());
	}

	/// The CUDA kernels spell the constants as bit patterns; each must be this file's value.
	#[test]
	fn cuda_kernel_constants_are_math_rs_constants() {
		let source = include_str!("../../cuda/kernels.cu");
		let expected: [(&str, f32); 18] = [
			("ROUND_MAGIC", ROUND_MAGIC),
			("LOG2_E", LOG2_E),
			("LN2_HI", LN2_HI),
			("LN2_LO", LN2_LO),
			("EXP_OVERFLOW", EXP_OVERFLOW),
			("EXP_UNDERFLOW", EXP_UNDERFLOW),
			("SQRT_2", std::f32::consts::SQRT_2),
			("INV_5040", 1.0 / 5040.0),
			("INV_720", 1.0 / 720.0),
			("INV_120", 1.0 / 120.0),
			("INV_24", 1.0 / 24.0),
			("INV_6", 1.0 / 6.0),
			("INV_11", 1.0 / 11.0),
			("INV_9", 1.0 / 9.0),
			("INV_7", 1.0 / 7.0),
			("INV_5", 1.0 / 5.0),
			("INV_3", 1.0 / 3.0),
			("INF", f32::INFINITY),
		];
		for (name, value) in expected {
			let prefix = format!("#define AIB_{name} __int_as_float(0x");
			let line = source
				.lines()
				.find(|l| l.starts_with(&prefix))
				.unwrap_or_else(|| panic!("kernels.cu does not define AIB_{name}"));
			let hex = line[prefix.len()..].trim_end_matches(')');
			let bits = u32::from_str_radix(hex, 16).expect("hex bits");
			assert_eq!(
				bits,
				value.to_bits(),
				"AIB_{name}: {:e} in kernels.cu",
				f32::from_bits(bits)
			);
		}
		// And nothing else is defined that this list does not check.
		let defined = source
			.lines()
			.filter(|l| l.contains("__int_as_float(0x") && l.starts_with("#define"))
			.count();
		assert_eq!(defined, expected.len());
	}

	#[test]
	fn silu_and_its_gradient_match_f64() {
		for i in -4000..=4000 {
			let x = i as f32 / 100.0;
			let xd = x as f64;
			let sig = 1.0 / (1.0 + (-xd).exp());
			let want = xd * sig;
			let want_grad = sig * (1.0 + xd * (1.0 - sig));
			assert!((silu(x) as f64 - want).abs() <= 4e-7 * want.abs().max(1e-3), "silu({x})");
			assert!((silu_grad(x) as f64 - want_grad).abs() <= 1e-6, "silu'({x})");
		}
		assert_eq!(silu(-1000.0), -0.0);
		assert_eq!(silu(1000.0), 1000.0);
	}
}
