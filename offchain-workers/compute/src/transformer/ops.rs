//! The transformer's own operations and their gradients, with their exact order of operations
//! (the numerics spec for them; a GPU backend must give the same bits). Products of matrices
//! are the canonical [`crate::matmul`]; everything here is row-wise or elementwise.

use crate::{
	backend::{self, Backend},
	math,
	matmul::{MatRef, MatmulError},
};

/// RMSNorm of each row of `x` (`width` wide) times `weight`, into `out`; the per-row factors
/// `r` are kept for the backward pass.
///
/// `ss = Σ x²` (one FMA chain, ascending), `r = 1 / √(ss / width + eps)` (each step rounded,
/// IEEE square root), `out[i] = (x[i] · r) · weight[i]`.
pub fn rms_norm(x: &[f32], weight: &[f32], eps: f32, out: &mut [f32], factors: &mut [f32]) {
	let width = weight.len();
	backend::fma_dot_rows(x, x, width, factors);
	for ((row, o), r) in x.chunks_exact(width).zip(out.chunks_exact_mut(width)).zip(factors) {
		*r = rms_of_squares(*r, width, eps);
		for ((o, &v), &w) in o.iter_mut().zip(row).zip(weight) {
			*o = (v * *r) * w;
		}
	}
}

/// `1 / √(ss / width + eps)`: a row's factor from its sum of squares `ss`.
fn rms_of_squares(ss: f32, width: usize, eps: f32) -> f32 {
	1.0 / (ss / width as f32 + eps).sqrt()
}

/// The gradient through [`rms_norm`]: `dx` (added into `grad_x`) and, when asked, the
/// per-element products `g · x · r` whose column sums are the weight's gradient.
///
/// With `u = g · w` (rounded) per element: `c = ((Σ u·x) · r³) / width` (FMA chain ascending;
/// `r³ = (r·r)·r`), `dx[i] += u[i]·r − x[i]·c` (each product rounded, then the difference,
/// then the sum).
pub fn rms_norm_backward(
	x: &[f32],
	weight: &[f32],
	factors: &[f32],
	grad_out: &[f32],
	grad_x: &mut [f32],
	mut weight_terms: Option<&mut [f32]>,
) {
	let width = weight.len();
	let mut u = vec![0.0f32; grad_out.len()];
	for (u, g) in u.chunks_exact_mut(width.max(1)).zip(grad_out.chunks_exact(width.max(1))) {
		for ((u, &g), &w) in u.iter_mut().zip(g).zip(weight) {
			*u = g * w;
		}
	}
	let mut dots = vec![0.0f32; factors.len()];
	backend::fma_dot_rows(&u, x, width, &mut dots);
	for (t, ((row, g), r)) in
		x.chunks_exact(width).zip(grad_out.chunks_exact(width)).zip(factors).enumerate()
	{
		let u = &u[t * width..(t + 1) * width];
		let c = (dots[t] * ((r * r) * r)) / width as f32;
		for ((dx, &ui), &xi) in grad_x[t * width..(t + 1) * width].iter_mut().zip(u).zip(row) {
			*dx += ui * r - xi * c;
		}
		if let Some(terms) = weight_terms.as_deref_mut() {
			for ((o, &g), &xi) in terms[t * width..(t + 1) * width].iter_mut().zip(g).zip(row) {
				*o = g * (xi * r);
			}
		}
	}
}

/// Scale the `rows × rows` scores of each head (any number of such matrices, end to end) by
/// `scale` and turn them into causal attention probabilities in place: row `i` of a matrix
/// keeps columns `0..=i`.
///
/// `s = raw · scale` (rounded), `m = max`, `e = exp(s − m)`, `Σ e` left to right from +0,
/// `p = e / Σ`; columns above the diagonal become +0.
pub fn causal_softmax(scores: &mut [f32], rows: usize, scale: f32) {
	for (t, row) in scores.chunks_exact_mut(rows.max(1)).enumerate() {
		let (visible, future) = row.split_at_mut(t % rows + 1);
		attention_softmax(visible, scale);
		future.fill(0.0);
	}
}

crate::fma_dispatch! {
	/// One row of [`causal_softmax`]: the scores of the positions a query sees, in place.
	pub fn attention_softmax(visible: &mut [f32], scale: f32) {
		let mut m = f32::NEG_INFINITY;
		for s in visible.iter_mut() {
			*s *= scale;
			m = m.max(*s);
		}
		// The exponentials first (independent, so they vectorise), then their sum in order.
		for s in visible.iter_mut() {
			*s = math::exp(*s - m);
		}
		let sum = visible.iter().fold(0.0f32, |acc, &e| acc + e);
		for s in visible.iter_mut() {
			*s /= sum;
		}
	}
}

/// The gradient through [`causal_softmax`] (the scale included), in place of `grad` (the
/// gradient of the probabilities): `d = p · (dp − Σ p·dp) · scale` on and below the diagonal
/// (the sum one FMA chain, ascending), +0 above.
pub fn causal_softmax_backward(probs: &[f32], grad: &mut [f32], rows: usize, scale: f32) {
	let rows_per = rows.max(1);
	for (t, (p, g)) in probs.chunks_exact(rows_per).zip(grad.chunks_exact_mut(rows_per)).enumerate()
	{
		let i = t % rows;
		let dot = backend::fma_dot(&p[..=i], &g[..=i]);
		for (gj, &pj) in g[..=i].iter_mut().zip(&p[..=i]) {
			*gj = (pj * (*gj - dot)) * scale;
		}
		g[i + 1..].fill(0.0);
	}
}

crate::fma_dispatch! {
	/// The SwiGLU gate: `out = silu(a) · b` elementwise (SiLU as [`math::silu`], one rounded
	/// product).
	pub fn swiglu(a: &[f32], b: &[f32], out: &mut [f32]) {
		for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
			*o = math::silu(a) * b;
		}
	}
}

crate::fma_dispatch! {
	/// The gradient through [`swiglu`]: `da = (g · b) · silu'(a)`, `db = g · silu(a)`, each
	/// product rounded.
	pub fn swiglu_backward(a: &[f32], b: &[f32], grad: &[f32], grad_a: &mut [f32], grad_b: &mut [f32]) {
		for ((((da, db), &g), &a), &b) in grad_a.iter_mut().zip(grad_b.iter_mut()).zip(grad).zip(a).zip(b) {
			let (silu, silu_grad) = math::silu_and_grad(a);
			*da = (g * b) * silu_grad;
			*db = g * silu;
		}
	}
}

/// `f(backend, item)` of every item, in order: side by side where the backend allows
/// ([`Backend::parallel_parts`]), each part then on a one-thread backend.
pub(crate) fn map_parts<T: Sync, R: Send>(
	backend: &dyn Backend,
	items: &[T],
	f: impl Fn(&dyn Backend, &T) -> R + Sync,
) -> Vec<R> {
	map_parts_by_cost(backend, items, |_| 0, f)
}

/// [`map_parts`] for parts of uneven cost (experts with different numbers of tokens): side by
/// side, the costliest are started first, so that the threads finish close together. The
/// results are still in the items' order.
pub(crate) fn map_parts_by_cost<T: Sync, R: Send>(
	backend: &dyn Backend,
	items: &[T],
	cost: impl Fn(&T) -> usize,
	f: impl Fn(&dyn Backend, &T) -> R + Sync,
) -> Vec<R> {
	match backend.parallel_parts() {
		Some((threads, one)) => {
			let mut order: Vec<usize> = (0..items.len()).collect();
			// Stable: equal costs keep the items' order.
			order.sort_by_key(|&i| std::cmp::Reverse(cost(&items[i])));
			let mut results: Vec<(usize, R)> = order
				.iter()
				.copied()
				.zip(par_map(threads, &order, |&i| f(&one, &items[i])))
				.collect();
			results.sort_unstable_by_key(|(i, _)| *i);
			results.into_iter().map(|(_, r)| r).collect()
		},
		None => items.iter().map(|item| f(backend, item)).collect(),
	}
}

/// The products `a · b` of independent pairs, in order. Where the backend runs parts side by
/// side and the pairs split evenly among its threads (the callers pass pairs of similar cost),
/// each product runs on one thread: one hand-over for all of them, and their `B` operands
/// packed in parallel. Otherwise one after another, each on all threads. The bits are the same
/// either way.
pub(crate) fn products<const N: usize>(
	backend: &dyn Backend,
	pairs: [(MatRef<'_>, MatRef<'_>); N],
) -> Result<[Vec<f32>; N], MatmulError> {
	let even = backend
		.parallel_parts()
		.is_some_and(|(threads, _)| threads > 1 && N >= threads && N.is_multiple_of(threads));
	let results: Vec<Vec<f32>> = if even {
		map_parts(backend, &pairs, |backend, &(a, b)| backend.matmul_new(a, b))
			.into_iter()
			.collect::<Result<_, _>>()?
	} else {
		pairs.iter().map(|&(a, b)| backend.matmul_new(a, b)).collect::<Result<_, _>>()?
	};
	// One result per pair, in order.
	let mut results = results.into_iter();
	Ok(std::array::from_fn(|_| results.next().unwrap_or_default()))
}

/// `f(backend, item)` on every item, side by side where the backend allows (as [`map_parts`]):
/// for work that updates independent items in place.
pub(crate) fn for_each_part<T: Send>(
	backend: &dyn Backend,
	items: &mut [T],
	f: impl Fn(&dyn Backend, &mut T) + Sync,
) {
	use std::sync::Mutex;
	match backend.parallel_parts() {
		Some((threads, one)) => {
			// Each item is taken by exactly one task, so each lock is taken once, uncontended:
			// it only hands the task its `&mut`.
			let cells: Vec<Mutex<&mut T>> = items.iter_mut().map(Mutex::new).collect();
			par_map(threads, &cells, |cell| {
				f(&one, &mut cell.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
			});
		},
		None => items.iter_mut().for_each(|item| f(backend, item)),
	}
}

/// `f` of every item, in order, computed by at most `threads` tasks on the thread pool that
/// each take the next item not yet taken: uneven items (experts with more tokens) balance out.
pub(crate) fn par_map<T: Sync, R: Send>(
	threads: usize,
	items: &[T],
	f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
	use rayon::prelude::*;
	use std::sync::atomic::{AtomicUsize, Ordering};
	let threads = threads.clamp(1, items.len().max(1));
	if threads == 1 {
		return items.iter().map(f).collect();
	}
	let next = AtomicUsize::new(0);
	let done: Vec<Vec<(usize, R)>> = (0..threads)
		.into_par_iter()
		.map(|_| {
			let mut mine = Vec::new();
			loop {
				let i = next.fetch_add(1, Ordering::Relaxed);
				let Some(item) = items.get(i) else { break };
				mine.push((i, f(item)));
			}
			mine
		})
		.collect();
	let mut all: Vec<(usize, R)> = done.into_iter().flatten().collect();
	all.sort_unstable_by_key(|(i, _)| *i);
	all.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parts_by_cost_come_back_in_the_items_order() {
		let items = [3usize, 9, 1, 9, 4, 0, 7];
		for threads in [1, 2, 3] {
			let backend = crate::backend::Cpu { threads, kernel: crate::matmul::Kernel::Auto };
			let got = map_parts_by_cost(&backend, &items, |&c| c, |_, &c| c * 10 + 1);
			assert_eq!(got, items.map(|c| c * 10 + 1), "{threads} threads");
		}
	}

	#[test]
	fn rms_norm_matches_f64_and_normalises() {
		let x: Vec<f32> = (0..12).map(|i| (i as f32 - 5.5) * 0.3).collect();
		let weight = vec![1.0f32; 6];
		let (mut out, mut r) = (vec![0.0; 12], vec![0.0; 2]);
		rms_norm(&x, &weight, 1e-5, &mut out, &mut r);
		for row in 0..2 {
			let xs = &x[row * 6..row * 6 + 6];
			let ms: f64 = xs.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / 6.0;
			let r64 = 1.0 / (ms + 1e-5).sqrt();
			for c in 0..6 {
				let want = f64::from(xs[c]) * r64;
				assert!((f64::from(out[row * 6 + c]) - want).abs() < 1e-6);
			}
		}
	}

	#[test]
	fn causal_softmax_rows_sum_to_one_and_hide_the_future() {
		let mut s: Vec<f32> = (0..16).map(|i| (i as f32 * 0.7).sin()).collect();
		causal_softmax(&mut s, 4, 0.5);
		for i in 0..4 {
			let row = &s[i * 4..i * 4 + 4];
			assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
			assert!(row[i + 1..].iter().all(|&p| p == 0.0));
			assert!(row[..=i].iter().all(|&p| p > 0.0));
		}
		assert_eq!(s[0], 1.0, "the first position sees only itself");
	}
}
