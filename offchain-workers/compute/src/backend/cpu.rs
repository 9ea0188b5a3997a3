//! The canonical CPU backend and the CPU functions it is made of. Each documents its exact
//! order of operations: together they are the numerics spec of the ops a training step uses.

use super::{AdamStep, Backend};
use crate::{
	math,
	matmul::{matmul, matmul_new, Kernel, MatRef, MatmulError},
	reduce,
	transformer::{ops, rope::RopeTable},
};

/// The canonical CPU backend.
#[derive(Clone, Copy, Debug)]
pub struct Cpu {
	pub threads: usize,
	pub kernel: Kernel,
}

/// Run `work` (a training step, an evaluation, a decoding step) on the rayon pool the CPU
/// backend splits its products across, when `backend` asks for it
/// ([`Backend::runs_on_thread_pool`]: a CPU backend of several threads); otherwise right here.
///
/// Called from outside the pool, every split product wakes the workers and waits for them, and
/// between products the caller's own work (norms, copies, AdamW) competes for the cores with
/// workers spinning for the next product: on 2 cores that cost a tenth of a training step. On
/// a worker, the caller's work is one of the pool's own threads. The bits are the same. (Two
/// callers sharing the pool, tests say, may wait for each other's whole step: slower, never
/// stuck.)
pub fn on_workers<R: Send>(backend: &dyn Backend, work: impl FnOnce() -> R + Send) -> R {
	if backend.runs_on_thread_pool() {
		rayon::scope(|_| work())
	} else {
		work()
	}
}

impl Cpu {
	/// All cores, the fastest kernel this CPU has.
	pub fn auto() -> Cpu {
		let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
		Cpu { threads, kernel: Kernel::Auto }
	}
}

impl Backend for Cpu {
	fn parallel_parts(&self) -> Option<(usize, Cpu)> {
		(self.threads > 1).then_some((self.threads, Cpu { threads: 1, kernel: self.kernel }))
	}

	fn runs_on_thread_pool(&self) -> bool {
		self.threads > 1
	}

	fn name(&self) -> String {
		let kernel = match self.kernel.resolve() {
			Kernel::Avx2Fma => "avx2",
			_ => "portable",
		};
		format!("cpu-{kernel}×{}", self.threads)
	}

	fn matmul(&self, a: MatRef<'_>, b: MatRef<'_>, c: &mut [f32]) -> Result<(), MatmulError> {
		matmul(a, b, c, self.threads, self.kernel)
	}

	fn matmul_new(&self, a: MatRef<'_>, b: MatRef<'_>) -> Result<Vec<f32>, MatmulError> {
		matmul_new(a, b, self.threads, self.kernel)
	}

	// Elementwise and row-wise work split into contiguous parts, one per thread: every element
	// is computed exactly as on one thread.
	fn silu(&self, z: &[f32], out: &mut [f32]) {
		split_rows(self.threads, out.len(), out, &mut [], |rows, out, _| silu(&z[rows], out));
	}

	// One pass over each row instead of two over the matrix, the rows split across threads.
	fn bias_silu(&self, z: &mut [f32], bias: &[f32], out: &mut [f32]) {
		let rows = z.len() / bias.len().max(1);
		split_rows(self.threads, rows, z, out, |_, z, out| bias_silu_rows(z, bias, out));
	}

	fn silu_backward(&self, z: &[f32], grad_out: &[f32], grad_z: &mut [f32]) {
		split_rows(self.threads, grad_z.len(), grad_z, &mut [], |rows, grad_z, _| {
			silu_backward(&z[rows.clone()], &grad_out[rows], grad_z)
		});
	}

	fn cross_entropy_rows(
		&self,
		logits: &[f32],
		targets: &[u8],
		scale: f32,
		grad: &mut [f32],
		losses: &mut [f32],
	) {
		let vocab = grad.len() / losses.len().max(1);
		split_rows(self.threads, losses.len(), grad, losses, |rows, grad, losses| {
			let span = rows.start * vocab..rows.end * vocab;
			cross_entropy_rows(&logits[span], &targets[rows], scale, grad, losses)
		});
	}

	fn adamw(
		&self,
		w: &mut [f32],
		g: &[f32],
		m: &mut [f32],
		v: &mut [f32],
		step: &AdamStep,
		decay: bool,
	) {
		use rayon::prelude::*;
		debug_assert!(g.len() == w.len() && m.len() == w.len() && v.len() == w.len());
		let threads = self.threads.min(w.len() / MIN_PER_THREAD).max(1);
		if threads == 1 {
			return adamw(w, g, m, v, step, decay);
		}
		let per = w.len().div_ceil(threads);
		(w.par_chunks_mut(per), g.par_chunks(per), m.par_chunks_mut(per), v.par_chunks_mut(per))
			.into_par_iter()
			.for_each(|(w, g, m, v)| adamw(w, g, m, v, step, decay));
	}

	fn rms_norm(&self, x: &[f32], weight: &[f32], eps: f32, out: &mut [f32], factors: &mut [f32]) {
		let width = weight.len();
		debug_assert!(x.len() == factors.len() * width && out.len() == x.len());
		split_rows(self.threads, factors.len(), out, factors, |rows, out, factors| {
			ops::rms_norm(&x[rows.start * width..rows.end * width], weight, eps, out, factors)
		});
	}

	fn rms_norm_backward(
		&self,
		x: &[f32],
		weight: &[f32],
		factors: &[f32],
		grad_out: &[f32],
		grad_x: &mut [f32],
		weight_terms: Option<&mut [f32]>,
	) {
		let width = weight.len();
		debug_assert!(x.len() == factors.len() * width && grad_x.len() == x.len());
		debug_assert!(weight_terms.as_ref().is_none_or(|t| t.len() == x.len()));
		let terms = weight_terms.unwrap_or_default();
		let with_terms = !terms.is_empty();
		split_rows(self.threads, factors.len(), grad_x, terms, |rows, grad_x, terms| {
			let span = rows.start * width..rows.end * width;
			ops::rms_norm_backward(
				&x[span.clone()],
				weight,
				&factors[rows],
				&grad_out[span],
				grad_x,
				with_terms.then_some(terms),
			)
		});
	}

	fn rope(
		&self,
		table: &RopeTable,
		x: &mut [f32],
		heads: usize,
		first_position: usize,
		inverse: bool,
	) {
		let rows = x.len() / (2 * table.half * heads).max(1);
		split_rows(self.threads, rows, x, &mut [], |rows, x, _| match inverse {
			false => table.apply(x, heads, first_position + rows.start),
			true => table.apply_backward(x, heads, first_position + rows.start),
		});
	}
}

/// Least elements worth a thread: below this, spawning one costs more than it saves.
const MIN_PER_THREAD: usize = 1 << 14;

/// Cut `rows` rows into at most `threads` contiguous ranges and run `f(range, a_part, b_part)`
/// on scoped threads, where `a` and `b` hold `a.len() / rows` and `b.len() / rows` elements
/// per row (either may be empty).
fn split_rows(
	threads: usize,
	rows: usize,
	a: &mut [f32],
	b: &mut [f32],
	f: impl Fn(std::ops::Range<usize>, &mut [f32], &mut [f32]) + Sync,
) {
	let (a_row, b_row) = (a.len() / rows.max(1), b.len() / rows.max(1));
	let threads = threads.min((a.len() + b.len()) / MIN_PER_THREAD).clamp(1, rows.max(1));
	if threads == 1 {
		f(0..rows, a, b);
		return;
	}
	let per = rows.div_ceil(threads);
	let f = &f;
	rayon::scope(|scope| {
		let (mut a, mut b) = (a, b);
		let mut first = 0;
		while first < rows {
			let n = per.min(rows - first);
			let (a_part, a_rest) = std::mem::take(&mut a).split_at_mut(n * a_row);
			let (b_part, b_rest) = std::mem::take(&mut b).split_at_mut(n * b_row);
			(a, b) = (a_rest, b_rest);
			let range = first..first + n;
			first += n;
			// The last part runs in the scope's own task.
			if first < rows {
				scope.spawn(move |_| f(range, a_part, b_part));
			} else {
				f(range, a_part, b_part);
			}
		}
	});
}

crate::fma_dispatch! {
	/// `out[i] = silu(z[i])`, elementwise.
	pub fn silu(z: &[f32], out: &mut [f32]) {
		for (o, &x) in out.iter_mut().zip(z) {
			*o = math::silu(x);
		}
	}
}

crate::fma_dispatch! {
	/// [`add_bias`] then [`silu`], row by row (while the row is in L1).
	fn bias_silu_rows(z: &mut [f32], bias: &[f32], out: &mut [f32]) {
		let cols = bias.len().max(1);
		for (row, out_row) in z.chunks_mut(cols).zip(out.chunks_mut(cols)) {
			for (v, b) in row.iter_mut().zip(bias) {
				*v += *b;
			}
			for (o, &x) in out_row.iter_mut().zip(row.iter()) {
				*o = math::silu(x);
			}
		}
	}
}

crate::fma_dispatch! {
	/// `grad_z[i] = grad_out[i] · silu'(z[i])` (one rounded multiply).
	pub fn silu_backward(z: &[f32], grad_out: &[f32], grad_z: &mut [f32]) {
		for ((gz, &x), &go) in grad_z.iter_mut().zip(z).zip(grad_out) {
			*gz = go * math::silu_grad(x);
		}
	}
}

crate::fma_dispatch! {
	/// `out[i] = fma(g, y[i], out[i])`: adding a gated expert output to the residual stream.
	pub fn fma_axpy(g: f32, y: &[f32], out: &mut [f32]) {
		for (o, &v) in out.iter_mut().zip(y) {
			*o = g.mul_add(v, *o);
		}
	}
}

crate::fma_dispatch! {
	/// `Σ a[i]·b[i]` as one FMA chain in ascending `i` from +0.
	pub fn fma_dot(a: &[f32], b: &[f32]) -> f32 {
		a.iter().zip(b).fold(0.0f32, |acc, (&x, &y)| x.mul_add(y, acc))
	}
}

/// [`fma_dot`] of each tensor with itself (`Σ x²` as one FMA chain per tensor, ascending).
///
/// Tensors of equal length (the experts' weights, say) go [`DOT_LANES`] at a time through
/// [`fma_dot_lanes`], so that their chains overlap instead of each waiting on its own latency.
pub fn sum_squares_each(tensors: &[&[f32]]) -> Vec<f32> {
	let mut out = vec![0.0f32; tensors.len()];
	let mut order: Vec<usize> = (0..tensors.len()).collect();
	order.sort_by_key(|&i| tensors[i].len());
	let mut stage = DotStage::default();
	for group in order.chunk_by(|&a, &b| tensors[a].len() == tensors[b].len()) {
		for lanes in group.chunks(DOT_LANES) {
			// Unused lanes repeat the group's last tensor; their sums are dropped.
			let pick = |l: usize| tensors[lanes[l.min(lanes.len() - 1)]];
			let sums =
				fma_dot_lanes(std::array::from_fn(pick), std::array::from_fn(pick), &mut stage);
			for (&i, s) in lanes.iter().zip(sums) {
				out[i] = s;
			}
		}
	}
	out
}

/// How many chains [`fma_dot_lanes`] runs side by side.
pub const DOT_LANES: usize = 8;
/// Elements of each lane staged at a time (8 KiB for all lanes of both operands).
const DOT_BLOCK: usize = 128;

/// Staging space for [`fma_dot_lanes`], allocated once by callers that make many calls.
pub struct DotStage(Vec<f32>);

impl Default for DotStage {
	fn default() -> Self {
		DotStage(vec![0.0; 2 * DOT_BLOCK * DOT_LANES])
	}
}

/// [`fma_dot`] of [`DOT_LANES`] pairs of slices at once (over the shortest length).
///
/// One chain alone waits on each FMA's latency; eight chains at once keep the FMA units busy.
/// Each pair is still its own chain in ascending order from +0: the same bits as one by one.
/// One vector FMA advances all eight chains, so the lanes' elements are first brought together
/// element-major: eight at a time by an in-register transpose where the CPU has AVX2 and FMA,
/// the rest (a length's last few, or all of it on other CPUs) through `stage`.
pub fn fma_dot_lanes(
	a: [&[f32]; DOT_LANES],
	b: [&[f32]; DOT_LANES],
	stage: &mut DotStage,
) -> [f32; DOT_LANES] {
	let len = a.iter().chain(&b).map(|s| s.len()).min().unwrap_or(0);
	#[cfg(target_arch = "x86_64")]
	let (mut acc, done) = if crate::numerics::matmul::avx2_fma_detected() {
		// SAFETY: the CPU has AVX2 and FMA; every slice holds at least `len` elements.
		unsafe { dot_lanes_avx2(a, b, len) }
	} else {
		([0.0f32; DOT_LANES], 0)
	};
	#[cfg(not(target_arch = "x86_64"))]
	let (mut acc, done) = ([0.0f32; DOT_LANES], 0);
	staged_dot_lanes(a, b, done, len, stage, &mut acc);
	acc
}

/// The whole blocks of eight elements of [`fma_dot_lanes`]: the chains' sums after them and
/// how many elements that was.
///
/// # Safety
/// The CPU has AVX2 and FMA; every slice of `a` and `b` holds at least `len` elements.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_lanes_avx2(
	a: [&[f32]; DOT_LANES],
	b: [&[f32]; DOT_LANES],
	len: usize,
) -> ([f32; DOT_LANES], usize) {
	use crate::numerics::transpose::transpose8;
	use std::arch::x86_64::*;
	let whole = len / 8 * 8;
	let mut acc = _mm256_setzero_ps();
	for start in (0..whole).step_by(8) {
		// SAFETY: `start + 8 <= len` elements of every slice.
		let (xs, ys) = unsafe {
			(
				a.map(|s| _mm256_loadu_ps(s.as_ptr().add(start))),
				b.map(|s| _mm256_loadu_ps(s.as_ptr().add(start))),
			)
		};
		// Vector `e` holds element `start + e` of every lane: one FMA per element, in order.
		for (x, y) in transpose8(xs).into_iter().zip(transpose8(ys)) {
			acc = _mm256_fmadd_ps(x, y, acc);
		}
	}
	let mut sums = [0.0f32; DOT_LANES];
	// SAFETY: eight floats into an array of eight.
	unsafe { _mm256_storeu_ps(sums.as_mut_ptr(), acc) };
	(sums, whole)
}

crate::fma_dispatch! {
	/// Elements `from..len` of [`fma_dot_lanes`]'s chains, continuing the sums in `acc`: blocks
	/// of the lanes are staged element-major in `stage`, then one vector FMA per element.
	fn staged_dot_lanes(
		a: [&[f32]; DOT_LANES],
		b: [&[f32]; DOT_LANES],
		from: usize,
		len: usize,
		stage: &mut DotStage,
		acc: &mut [f32; DOT_LANES],
	) {
		let (ta, tb) = stage.0.split_at_mut(DOT_BLOCK * DOT_LANES);
		for start in (from..len).step_by(DOT_BLOCK) {
			let end = (start + DOT_BLOCK).min(len);
			for lane in 0..DOT_LANES {
				for (j, (&x, &y)) in a[lane][start..end].iter().zip(&b[lane][start..end]).enumerate() {
					ta[j * DOT_LANES + lane] = x;
					tb[j * DOT_LANES + lane] = y;
				}
			}
			let staged = (end - start) * DOT_LANES;
			for (x, y) in ta[..staged].chunks_exact(DOT_LANES).zip(tb[..staged].chunks_exact(DOT_LANES)) {
				for lane in 0..DOT_LANES {
					acc[lane] = x[lane].mul_add(y[lane], acc[lane]);
				}
			}
		}
	}
}

/// [`fma_dot`] of each pair of `width`-wide rows of `a` and `b` into `out` (one per row),
/// [`DOT_LANES`] rows at a time through [`fma_dot_lanes`]: the same bits as row by row.
pub fn fma_dot_rows(a: &[f32], b: &[f32], width: usize, out: &mut [f32]) {
	fn row(m: &[f32], r: usize, width: usize) -> &[f32] {
		&m[r * width..(r + 1) * width]
	}
	let whole = out.len() / DOT_LANES * DOT_LANES;
	let mut stage = DotStage::default();
	for first in (0..whole).step_by(DOT_LANES) {
		let sums = fma_dot_lanes(
			std::array::from_fn(|l| row(a, first + l, width)),
			std::array::from_fn(|l| row(b, first + l, width)),
			&mut stage,
		);
		out[first..first + DOT_LANES].copy_from_slice(&sums);
	}
	for (r, o) in out.iter_mut().enumerate().skip(whole) {
		*o = fma_dot(row(a, r, width), row(b, r, width));
	}
}

/// Add `bias` to every row of the row-major `rows × bias.len()` matrix `x` (one rounded add).
pub fn add_bias(x: &mut [f32], bias: &[f32]) {
	for row in x.chunks_mut(bias.len().max(1)) {
		for (v, b) in row.iter_mut().zip(bias) {
			*v += *b;
		}
	}
}

/// Column sums of the row-major `rows × cols` matrix `x`: each column summed with
/// [`reduce::sum`] over the rows in order (the gradient of a bias).
///
/// Computed row-major, all columns at once: within each chunk of [`reduce::CHUNK`] rows every
/// column's accumulator adds its rows left to right from +0, then the chunk sums are added in
/// chunk order, which is exactly the order `reduce::sum` of the column would use.
pub fn column_sums(x: &[f32], cols: usize, out: &mut [f32]) {
	let out = &mut out[..cols];
	out.fill(0.0);
	if cols == 0 {
		return;
	}
	let mut chunk = vec![0.0f32; cols];
	for rows in x.chunks(reduce::CHUNK * cols) {
		chunk.fill(0.0);
		for row in rows.chunks_exact(cols) {
			for (acc, &v) in chunk.iter_mut().zip(row) {
				*acc += v;
			}
		}
		for (total, &part) in out.iter_mut().zip(&chunk) {
			*total += part;
		}
	}
}

/// The experts a token is routed to and their gates.
///
/// The `k` largest logits win, ties going to the lower expert index; the winners are listed in
/// ascending expert order (the order their outputs are accumulated in). Gates are the softmax
/// of the winners' logits: `m = max`, `eᵢ = exp(lᵢ − m)`, `s = e₀ + e₁ + …` left to right from
/// +0, `gᵢ = eᵢ / s`.
pub fn route(logits: &[f32], k: usize, chosen: &mut [u32], gates: &mut [f32]) {
	let mut order: Vec<u32> = (0..logits.len() as u32).collect();
	// Stable sort by descending logit keeps lower indices first among equals. NaNs are excluded
	// upstream (a NaN makes the step invalid), `total_cmp` keeps this total anyway.
	order.sort_by(|&a, &b| logits[b as usize].total_cmp(&logits[a as usize]));
	let winners = &mut order[..k];
	winners.sort_unstable();
	chosen[..k].copy_from_slice(winners);
	let m = winners.iter().map(|&e| logits[e as usize]).fold(f32::NEG_INFINITY, f32::max);
	let mut sum = 0.0f32;
	for (g, &e) in gates.iter_mut().zip(winners.iter()) {
		*g = math::exp(logits[e as usize] - m);
		sum += *g;
	}
	for g in gates.iter_mut().take(k) {
		*g /= sum;
	}
}

/// [`route`] of each row of the row-major `rows × experts` matrix `logits`.
pub fn route_rows(logits: &[f32], experts: usize, k: usize, chosen: &mut [u32], gates: &mut [f32]) {
	for (t, row) in logits.chunks_exact(experts.max(1)).enumerate() {
		route(row, k, &mut chosen[t * k..(t + 1) * k], &mut gates[t * k..(t + 1) * k]);
	}
}

crate::fma_dispatch! {
	/// Cross-entropy of one token and the gradient of `scale ×` it with respect to the logits.
	///
	/// `m = max`, `eᵥ = exp(lᵥ − m)`, `s = Σ eᵥ` over the vocabulary left to right from +0,
	/// `loss = (m + ln s) − l_target`, `grad[v] = (eᵥ / s − [v = target]) · scale`.
	pub fn cross_entropy(logits: &[f32], target: usize, scale: f32, grad: &mut [f32]) -> f32 {
		let m = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
		// The exponentials first (independent, so they vectorise), then their sum in order.
		for (g, &l) in grad.iter_mut().zip(logits) {
			*g = math::exp(l - m);
		}
		let sum = grad.iter().fold(0.0f32, |s, &e| s + e);
		let loss = (m + math::ln(sum)) - logits[target];
		let e_target = grad[target];
		for g in grad.iter_mut() {
			*g = (*g / sum) * scale;
		}
		grad[target] = (e_target / sum - 1.0) * scale;
		loss
	}
}

/// [`cross_entropy`] of each row of `logits` (`targets.len()` rows), losses into `losses`.
pub fn cross_entropy_rows(
	logits: &[f32],
	targets: &[u8],
	scale: f32,
	grad: &mut [f32],
	losses: &mut [f32],
) {
	let vocab = grad.len() / targets.len().max(1);
	for (t, loss) in losses.iter_mut().enumerate() {
		let row = t * vocab..(t + 1) * vocab;
		*loss = cross_entropy(&logits[row.clone()], targets[t] as usize, scale, &mut grad[row]);
	}
}

/// AdamW, elementwise, each operation rounded separately (no fused multiply-add):
/// `m = β₁·m + (1−β₁)·g`, `v = β₂·v + (1−β₂)·(g·g)`, `m̂ = m / c₁`, `v̂ = v / c₂`,
/// `u = m̂ / (√v̂ + ε)` plus `λ·w` when `decay`, `w = w − lr·u`.
pub fn adamw(w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], step: &AdamStep, decay: bool) {
	adamw_lanes(w, g, m, v, step, decay)
}

crate::fma_dispatch! {
	/// [`adamw`]'s loop over zipped slices: no index checks, so it vectorises (vector lanes
	/// round like scalars, and there is no fused multiply-add to form).
	fn adamw_lanes(w: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], step: &AdamStep, decay: bool) {
		let (b1, b2) = (step.beta1, step.beta2);
		let (one_b1, one_b2) = (1.0 - b1, 1.0 - b2);
		for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
			*m = b1 * *m + one_b1 * g;
			*v = b2 * *v + one_b2 * (g * g);
			let m_hat = *m / step.correction1;
			let v_hat = *v / step.correction2;
			let mut update = m_hat / (v_hat.sqrt() + step.eps);
			if decay {
				update += step.weight_decay * *w;
			}
			*w -= step.lr * update;
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn routing_picks_the_largest_with_ties_to_the_lower_index() {
		let mut chosen = [0u32; 2];
		let mut gates = [0f32; 2];
		route(&[0.5, 2.0, 2.0, -1.0], 2, &mut chosen, &mut gates);
		assert_eq!(chosen, [1, 2]);
		assert_eq!(gates, [0.5, 0.5]);
		route(&[3.0, 1.0, 3.0, 3.0], 2, &mut chosen, &mut gates);
		assert_eq!(chosen, [0, 2], "ties go to the lower index");
		route(&[0.0, 1.0, -5.0, 0.0], 2, &mut chosen, &mut gates);
		assert_eq!(chosen, [0, 1]);
		let e = 1.0f64.exp();
		assert!((f64::from(gates[1]) - e / (1.0 + e)).abs() < 1e-6);
		assert!((gates[0] + gates[1] - 1.0).abs() < 1e-6);
	}

	#[test]
	fn cross_entropy_matches_f64_and_its_gradient_sums_to_zero() {
		let logits: Vec<f32> = (0..256).map(|i| ((i * 37 % 101) as f32 - 50.0) / 17.0).collect();
		let mut grad = vec![0f32; 256];
		let loss = cross_entropy(&logits, 7, 1.0, &mut grad);
		let m = logits.iter().copied().fold(f32::MIN, f32::max) as f64;
		let lse = m + logits.iter().map(|&l| (l as f64 - m).exp()).sum::<f64>().ln();
		assert!((loss as f64 - (lse - logits[7] as f64)).abs() < 1e-5);
		assert!(grad.iter().map(|&g| g as f64).sum::<f64>().abs() < 1e-5);
		assert!(grad[7] < 0.0);
	}

	#[test]
	fn sums_of_squares_are_fma_dot_tensor_by_tensor() {
		let tensors: Vec<Vec<f32>> =
			[5usize, 300, 1, 300, 0, 300, 7, 300, 300, 300, 300, 300, 300, 300]
				.iter()
				.enumerate()
				.map(|(t, &len)| {
					(0..len).map(|i| ((i * 31 + t * 7) % 89) as f32 / 9.0 - 4.0).collect()
				})
				.collect();
		let refs: Vec<&[f32]> = tensors.iter().map(|t| &t[..]).collect();
		let got = sum_squares_each(&refs);
		for (t, g) in tensors.iter().zip(got) {
			assert_eq!(g.to_bits(), fma_dot(t, t).to_bits(), "a tensor of {}", t.len());
		}
	}

	#[test]
	fn adamw_splits_across_threads_with_the_same_bits() {
		let len = 3 * MIN_PER_THREAD + 5;
		let g: Vec<f32> = (0..len).map(|i| ((i % 17) as f32 - 8.0) * 1e-2).collect();
		let step = AdamStep {
			lr: 1e-3,
			beta1: 0.9,
			beta2: 0.99,
			eps: 1e-8,
			weight_decay: 0.1,
			correction1: 0.19,
			correction2: 0.0199,
		};
		for decay in [false, true] {
			let start: Vec<f32> = (0..len).map(|i| (i % 13) as f32 * 0.1 - 0.6).collect();
			let (mut w1, mut m1, mut v1) = (start.clone(), start.clone(), vec![0.01; len]);
			let (mut w2, mut m2, mut v2) = (w1.clone(), m1.clone(), v1.clone());
			Cpu { threads: 1, kernel: Kernel::Portable }
				.adamw(&mut w1, &g, &mut m1, &mut v1, &step, decay);
			Cpu { threads: 3, kernel: Kernel::Auto }
				.adamw(&mut w2, &g, &mut m2, &mut v2, &step, decay);
			assert_eq!(w1, w2);
			assert_eq!((m1, v1), (m2, v2));
			// The scalar definition, element by element.
			let (w, m, v) = (start[5], start[5], 0.01f32);
			let m_new = 0.9 * m + (1.0 - 0.9f32) * g[5];
			let v_new = 0.99 * v + (1.0 - 0.99f32) * (g[5] * g[5]);
			let mut update = (m_new / 0.19) / ((v_new / 0.0199).sqrt() + 1e-8);
			if decay {
				update += 0.1 * w;
			}
			assert_eq!(w2[5].to_bits(), (w - 1e-3 * update).to_bits());
		}
	}

	#[test]
	fn staged_lanes_are_fma_dot_lane_by_lane() {
		// The staged path alone, from the start and from a whole block of eight on: what CPUs
		// without AVX2 run for every element (this one runs the transposes first otherwise).
		let rows: Vec<Vec<f32>> = (0..DOT_LANES)
			.map(|l| (0..300 + l).map(|i| ((i * 37 + l * 11) % 101) as f32 / 7.0 - 7.0).collect())
			.collect();
		let lanes: [&[f32]; DOT_LANES] = std::array::from_fn(|l| &rows[l][..]);
		for from in [0, 8, 296] {
			let mut acc = [0.0f32; DOT_LANES];
			for (l, a) in acc.iter_mut().enumerate() {
				*a = fma_dot(&rows[l][..from], &rows[(l + 1) % DOT_LANES][..from]);
			}
			let others: [&[f32]; DOT_LANES] = std::array::from_fn(|l| lanes[(l + 1) % DOT_LANES]);
			staged_dot_lanes(lanes, others, from, 300, &mut DotStage::default(), &mut acc);
			for (l, got) in acc.iter().enumerate() {
				let want = fma_dot(&rows[l][..300], &rows[(l + 1) % DOT_LANES][..300]);
				assert_eq!(got.to_bits(), want.to_bits(), "lane {l} from {from}");
			}
		}
	}

	#[test]
	fn row_dots_are_fma_dot_row_by_row() {
		for (rows, width) in [(0, 3), (1, 1), (7, 5), (8, 128), (19, 33)] {
			let a: Vec<f32> =
				(0..rows * width).map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0).collect();
			let b: Vec<f32> =
				(0..rows * width).map(|i| ((i * 53 % 97) as f32 - 48.0) / 3.0).collect();
			let mut got = vec![f32::NAN; rows];
			fma_dot_rows(&a, &b, width, &mut got);
			for (r, g) in got.iter().enumerate() {
				let want = fma_dot(&a[r * width..(r + 1) * width], &b[r * width..(r + 1) * width]);
				assert_eq!(g.to_bits(), want.to_bits(), "row {r} of {rows}x{width}");
			}
		}
	}

	#[test]
	fn bias_helpers() {
		let mut x = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
		add_bias(&mut x, &[10.0, 20.0, 30.0]);
		assert_eq!(x, [11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
		let mut sums = [0.0; 3];
		column_sums(&x, 3, &mut sums);
		assert_eq!(sums, [25.0, 47.0, 69.0]);
		// Bitwise the column-by-column `reduce::sum`, across several chunks of rows.
		let (rows, cols) = (2 * crate::reduce::CHUNK + 37, 5);
		let x: Vec<f32> =
			(0..rows * cols).map(|i| crate::rng::uniform(3, 0, i as u64) - 0.3).collect();
		let mut fast = vec![0.0; cols];
		column_sums(&x, cols, &mut fast);
		for (c, got) in fast.iter().enumerate() {
			let column: Vec<f32> = (0..rows).map(|r| x[r * cols + c]).collect();
			assert_eq!(got.to_bits(), crate::reduce::sum(&column).to_bits(), "column {c}");
		}
	}

	#[test]
	fn fused_bias_silu_is_add_bias_then_silu_on_any_thread_count() {
		let (rows, cols) = (300, 129);
		let z: Vec<f32> =
			(0..rows * cols).map(|i| crate::rng::uniform(5, 0, i as u64) * 8.0 - 4.0).collect();
		let bias: Vec<f32> = (0..cols).map(|i| crate::rng::uniform(6, 0, i as u64) - 0.5).collect();
		let mut want_z = z.clone();
		add_bias(&mut want_z, &bias);
		let mut want = vec![0.0; z.len()];
		silu(&want_z, &mut want);
		for threads in [1, 2, 3] {
			let cpu = Cpu { threads, kernel: crate::matmul::Kernel::Auto };
			let (mut got_z, mut got) = (z.clone(), vec![0.0; z.len()]);
			cpu.bias_silu(&mut got_z, &bias, &mut got);
			assert!(got_z.iter().zip(&want_z).all(|(a, b)| a.to_bits() == b.to_bits()));
			assert!(got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()), "{threads}");
		}
	}

	#[test]
	fn the_default_matmul_new_checks_shapes_before_allocating() {
		// A backend with only the required methods gets the trait's default.
		struct OnlyMatmul(Cpu);
		impl Backend for OnlyMatmul {
			fn name(&self) -> String {
				"only-matmul".into()
			}
			fn matmul(
				&self,
				a: MatRef<'_>,
				b: MatRef<'_>,
				c: &mut [f32],
			) -> Result<(), MatmulError> {
				self.0.matmul(a, b, c)
			}
		}
		let cpu = Cpu { threads: 2, kernel: Kernel::Auto };
		let (a, b) = ([0.5f32, -1.0, 2.0, 0.25, 3.0, -0.75], [1.0f32, 2.0, -3.0, 0.5, 0.125, -4.0]);
		let (a, b) = (MatRef::row_major(&a, 2, 3), MatRef::row_major(&b, 3, 2));
		let got = OnlyMatmul(cpu).matmul_new(a, b).unwrap();
		assert_eq!(got, cpu.matmul_new(a, b).unwrap());
		let huge = MatRef { data: &[], rows: usize::MAX, cols: 0, row_stride: 0, col_stride: 0 };
		let wide = MatRef { data: &[], rows: 0, cols: usize::MAX, row_stride: 0, col_stride: 0 };
		assert!(matches!(
			OnlyMatmul(cpu).matmul_new(huge, wide),
			Err(MatmulError::ShapeMismatch { .. })
		));
	}

	#[test]
	fn adamw_first_step_moves_by_about_lr() {
		let step = AdamStep {
			lr: 0.1,
			beta1: 0.9,
			beta2: 0.999,
			eps: 1e-8,
			weight_decay: 0.0,
			correction1: 1.0 - 0.9,
			correction2: 1.0 - 0.999,
		};
		let (mut w, mut m, mut v) = (vec![1.0, 1.0], vec![0.0; 2], vec![0.0; 2]);
		adamw(&mut w, &[0.5, -2.0], &mut m, &mut v, &step, false);
		assert!((w[0] - 0.9).abs() < 1e-4 && (w[1] - 1.1).abs() < 1e-4, "{w:?}");
		let mut decayed = vec![1.0];
		adamw(
			&mut decayed,
			&[0.0],
			&mut [0.0],
			&mut [0.0],
			&AdamStep { weight_decay: 0.5, ..step },
			true,
		);
		assert!((decayed[0] - 0.95).abs() < 1e-6);
	}
}
