//! The canonical matrix product.
//!
//! `C = A · B` where every `C[i][j]` is exactly
//! `fma(A[i][k-1], B[k-1][j], … fma(A[i][1], B[1][j], fma(A[i][0], B[0][j], +0.0)))`:
//! one fused-multiply-add chain over `k` in ascending order. Any implementation that evaluates
//! that chain — the portable `mul_add` loop, the AVX2+FMA microkernel below (each SIMD lane is
//! one element's chain), a CUDA kernel — produces the same bits. Work is split across threads
//! only by output rows, so the thread count cannot change a result either.
//!
//! Operands are strided views, so the backward pass transposes without copying; before the
//! microkernel runs, `B` is packed into column panels, and `A` into row tiles unless it is
//! row-major with rows close together, when it is read in place.

#[cfg(target_arch = "x86_64")]
use super::transpose;
use std::mem::MaybeUninit;

/// A read-only `rows × cols` matrix view: element `(r, c)` is `data[r * row_stride + c * col_stride]`.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
	pub data: &'a [f32],
	pub rows: usize,
	pub cols: usize,
	pub row_stride: usize,
	pub col_stride: usize,
}

impl<'a> MatRef<'a> {
	/// A row-major `rows × cols` matrix.
	pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
		Self { data, rows, cols, row_stride: cols, col_stride: 1 }
	}

	/// The transpose, as a view of the same data.
	pub fn t(self) -> Self {
		Self {
			data: self.data,
			rows: self.cols,
			cols: self.rows,
			row_stride: self.col_stride,
			col_stride: self.row_stride,
		}
	}

	#[inline(always)]
	fn at(&self, r: usize, c: usize) -> f32 {
		self.data[r * self.row_stride + c * self.col_stride]
	}

	/// How many leading elements of `data` the view reaches (0 for an empty view).
	pub fn span(&self) -> usize {
		if self.rows == 0 || self.cols == 0 {
			return 0;
		}
		(self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride + 1
	}

	/// Whether every element the view names lies inside `data`.
	fn in_bounds(&self) -> bool {
		view_in_bounds(self.rows, self.cols, self.row_stride, self.col_stride, self.data.len())
	}
}

/// Whether a `rows × cols` view with these strides names only elements below `len` (any
/// buffer: host data or a device one).
pub fn view_in_bounds(
	rows: usize,
	cols: usize,
	row_stride: usize,
	col_stride: usize,
	len: usize,
) -> bool {
	if rows == 0 || cols == 0 {
		return true;
	}
	let last = (rows - 1)
		.checked_mul(row_stride)
		.and_then(|r| (cols - 1).checked_mul(col_stride).and_then(|c| r.checked_add(c)));
	matches!(last, Some(last) if last < len)
}

/// Which implementation evaluates the chains. All give the same bits; `Auto` picks the fastest
/// the CPU supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
	Auto,
	/// `f32::mul_add` loops: any platform.
	Portable,
	/// AVX2 + FMA register-blocked microkernel (x86-64 only; detected at run time).
	Avx2Fma,
}

impl Kernel {
	/// Whether this kernel can run on this CPU.
	pub fn is_available(self) -> bool {
		match self {
			Kernel::Auto | Kernel::Portable => true,
			Kernel::Avx2Fma => avx2_fma_detected(),
		}
	}

	/// The kernel `Auto` stands for on this CPU.
	pub(crate) fn resolve(self) -> Kernel {
		match self {
			Kernel::Auto if avx2_fma_detected() => Kernel::Avx2Fma,
			Kernel::Auto => Kernel::Portable,
			other => other,
		}
	}
}

/// Whether the CPU has AVX2 and FMA (the microkernel's and the other AVX paths' needs).
pub(crate) fn avx2_fma_detected() -> bool {
	#[cfg(target_arch = "x86_64")]
	{
		std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
	}
	#[cfg(not(target_arch = "x86_64"))]
	{
		false
	}
}

/// Why a product could not be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatmulError {
	/// `A` is m×k, `B` must be k×n and `C` m×n.
	ShapeMismatch { a: (usize, usize), b: (usize, usize), c: usize },
	/// A view reaches past the end of its data.
	OutOfBounds(&'static str),
	/// The requested kernel does not run on this CPU.
	KernelUnavailable(Kernel),
}

impl std::fmt::Display for MatmulError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			MatmulError::ShapeMismatch { a, b, c } => write!(
				f,
				"cannot multiply a {}x{} by a {}x{} matrix into {c} elements",
				a.0, a.1, b.0, b.1
			),
			MatmulError::OutOfBounds(which) => {
				write!(f, "matrix view {which} reaches past its data")
			},
			MatmulError::KernelUnavailable(k) => {
				write!(f, "kernel {k:?} is not supported by this CPU")
			},
		}
	}
}

impl std::error::Error for MatmulError {}

/// Rows of the AVX2 microkernel's tile: 6 rows × 16 columns = 12 ymm accumulators.
const MR: usize = 6;
/// Columns of the tile (two 8-lane registers).
const NR: usize = 16;

/// That `a` (m×k) and `b` (k×n) can be multiplied into `c_len` = m·n elements and that both
/// views lie inside their data: what every backend checks before computing anything.
pub fn check_operands(a: &MatRef<'_>, b: &MatRef<'_>, c_len: usize) -> Result<(), MatmulError> {
	if b.rows != a.cols || a.rows.checked_mul(b.cols) != Some(c_len) {
		return Err(MatmulError::ShapeMismatch {
			a: (a.rows, a.cols),
			b: (b.rows, b.cols),
			c: c_len,
		});
	}
	if !a.in_bounds() {
		return Err(MatmulError::OutOfBounds("A"));
	}
	if !b.in_bounds() {
		return Err(MatmulError::OutOfBounds("B"));
	}
	Ok(())
}

/// The number of elements of `a · b`, once [`check_operands`] accepts the pair: what a caller
/// allocating the product checks before allocating.
pub fn product_len(a: &MatRef<'_>, b: &MatRef<'_>) -> Result<usize, MatmulError> {
	// An overflowing m·n can match no buffer; usize::MAX makes check_operands say so.
	let len = a.rows.saturating_mul(b.cols);
	check_operands(a, b, len)?;
	Ok(len)
}

/// `c` (row-major m×n) = `a` (m×k) · `b` (k×n), on `threads` threads (at least one).
pub fn matmul(
	a: MatRef<'_>,
	b: MatRef<'_>,
	c: &mut [f32],
	threads: usize,
	kernel: Kernel,
) -> Result<(), MatmulError> {
	check_operands(&a, &b, c.len())?;
	// SAFETY: `MaybeUninit<f32>` has the layout of `f32`, and only initialised values are ever
	// stored through the view.
	let c = unsafe { &mut *(c as *mut [f32] as *mut [MaybeUninit<f32>]) };
	product(a, b, c, threads, kernel)
}

/// `a` (m×k) · `b` (k×n) as a new row-major vector: [`matmul`] without clearing the output
/// first (every element is written once by its chain).
pub fn matmul_new(
	a: MatRef<'_>,
	b: MatRef<'_>,
	threads: usize,
	kernel: Kernel,
) -> Result<Vec<f32>, MatmulError> {
	let len = product_len(&a, &b)?;
	let mut c = Vec::with_capacity(len);
	product(a, b, &mut c.spare_capacity_mut()[..len], threads, kernel)?;
	// SAFETY: `product` returned Ok, so it wrote all `len` elements.
	unsafe { c.set_len(len) };
	Ok(c)
}

/// The product into `c` (checked operands): on `Ok`, every element of `c` has been written.
fn product(
	a: MatRef<'_>,
	b: MatRef<'_>,
	c: &mut [MaybeUninit<f32>],
	threads: usize,
	kernel: Kernel,
) -> Result<(), MatmulError> {
	let (m, k, n) = (a.rows, a.cols, b.cols);
	if !kernel.is_available() {
		return Err(MatmulError::KernelUnavailable(kernel));
	}
	if m == 0 || n == 0 {
		return Ok(());
	}
	if k == 0 {
		// Every chain is empty: +0.
		c.fill(MaybeUninit::new(0.0));
		return Ok(());
	}
	let kernel = kernel.resolve();
	let packed = (kernel == Kernel::Avx2Fma).then(|| pack_b(&b, threads));

	// Contiguous bands of whole tiles, one per thread.
	let threads = threads.max(1).min(m.div_ceil(MR));
	let band_rows = m.div_ceil(MR).div_ceil(threads) * MR;
	if threads == 1 {
		// On this thread: no pool, no hand-over.
		match packed.as_deref() {
			Some(panels) => avx2_band(&a, n, panels, c, 0, m),
			None => portable_band(&a, &b, c, 0, m, 0, n),
		}
		return Ok(());
	}
	// On the persistent pool: a spawned thread per band cost a tenth of a small training step.
	rayon::scope(|scope| {
		let mut first_row = 0;
		let mut bands = c.chunks_mut(band_rows * n).peekable();
		while let Some(band) = bands.next() {
			let (start, rows) = (first_row, band.len() / n);
			first_row += rows;
			let packed = packed.as_deref();
			let mut work = move || match packed {
				Some(panels) => avx2_band(&a, n, panels, band, start, rows),
				None => portable_band(&a, &b, band, start, rows, 0, n),
			};
			// The last band runs in the scope's own task.
			if bands.peek().is_some() {
				scope.spawn(move |_| work());
			} else {
				work();
			}
		}
	});
	Ok(())
}

crate::fma_dispatch! {
	/// The reference evaluation of rows `first_row..first_row + rows`, columns `col0..col1`.
	fn portable_band(
		a: &MatRef<'_>,
		b: &MatRef<'_>,
		band: &mut [MaybeUninit<f32>],
		first_row: usize,
		rows: usize,
		col0: usize,
		col1: usize,
	) {
		let n = b.cols;
		for r in 0..rows {
			let i = first_row + r;
			for j in col0..col1 {
				let mut acc = 0.0f32;
				for kk in 0..a.cols {
					acc = a.at(i, kk).mul_add(b.at(kk, j), acc);
				}
				band[r * n + j] = MaybeUninit::new(acc);
			}
		}
	}
}

/// Depth of a k-block: a `KC × NR` slice of a `B` panel (16 KiB) stays in L1 while a row
/// block of `A` streams past it. Blocking changes no result: between k-blocks the accumulator
/// of every chain is stored in `C` exactly and loaded back.
const KC: usize = 256;
/// Rows of `A` per block (a multiple of `MR`): the `MC × KC` floats it reads (120 KiB) stay in
/// L2 while every column panel of `B` passes over them.
const MC: usize = 120;

/// `B` as panels of `NR` columns, each stored k-major (`NR` consecutive values per k): the
/// order the microkernel streams them in. The last panel is padded with zero columns, whose
/// results are computed and discarded.
fn pack_b(b: &MatRef<'_>, threads: usize) -> Vec<f32> {
	let panels = b.cols.div_ceil(NR);
	let panel_len = NR * b.rows;
	let len = panels * panel_len;
	// Every element is written below (a ragged panel's missing columns as zeros), so the
	// buffer is not cleared first: clearing cost as much as copying.
	let mut packed = Vec::with_capacity(len);
	let fast_transpose = cfg!(target_arch = "x86_64") && avx2_fma_detected();
	let pack = |group: usize, per_group: usize, out: &mut [MaybeUninit<f32>]| {
		for (i, panel) in out.chunks_mut(panel_len).enumerate() {
			let p = group * per_group + i;
			let live = NR.min(b.cols - p * NR);
			let base = p * NR * b.col_stride;
			if b.col_stride == 1 {
				// Row-major: each k's values are contiguous; a whole panel's NR are copied as
				// one fixed-size block (vector moves, not a call to memcpy per k).
				for (kk, d) in panel.chunks_exact_mut(NR).enumerate() {
					let src = base + kk * b.row_stride;
					if live == NR {
						let row: &[f32; NR] =
							b.data[src..src + NR].try_into().expect("a whole panel's row");
						for (o, &v) in d.iter_mut().zip(row) {
							o.write(v);
						}
					} else {
						for (j, o) in d.iter_mut().enumerate() {
							o.write(if j < live { b.data[src + j] } else { 0.0 });
						}
					}
				}
			} else if b.row_stride == 1 && live == NR && fast_transpose {
				// A transposed view of a row-major matrix: each column is contiguous. Blocks
				// of 8 k of 8 columns are transposed in registers (scalar copies, each store
				// to its own place in the panel, cost as much as the product they fed).
				let whole = b.rows / 8 * 8;
				#[cfg(target_arch = "x86_64")]
				for k0 in (0..whole).step_by(8) {
					for half in [0, 8] {
						let starts = std::array::from_fn(|j| base + (half + j) * b.col_stride + k0);
						// SAFETY: the CPU has AVX2 and FMA (`fast_transpose`); the view lies
						// in `b.data` (checked operands), so each column's k0..k0 + 8 does;
						// the block's rows are this panel's rows k0..k0 + 8.
						unsafe {
							transpose::transpose_block(
								b.data,
								starts,
								&mut panel[k0 * NR + half..],
								NR,
							)
						};
					}
				}
				for j in 0..NR {
					let column = base + j * b.col_stride;
					for kk in whole..b.rows {
						panel[kk * NR + j].write(b.data[column + kk]);
					}
				}
			} else {
				// Any other view: walk down each column.
				for j in 0..NR {
					let column = base + j * b.col_stride;
					for kk in 0..b.rows {
						let v = if j < live { b.data[column + kk * b.row_stride] } else { 0.0 };
						panel[kk * NR + j].write(v);
					}
				}
			}
		}
	};
	// Packing is a pure copy, so a big B is split across threads like the product itself (the
	// last share on the calling thread); a small one is not worth a thread.
	let threads = threads.min(len / MIN_PACK_PER_THREAD).clamp(1, panels.max(1));
	let out = &mut packed.spare_capacity_mut()[..len];
	if threads == 1 {
		pack(0, panels, out);
	} else {
		let per_group = panels.div_ceil(threads);
		rayon::scope(|scope| {
			let mut groups = out.chunks_mut(per_group * panel_len).enumerate().peekable();
			while let Some((group, out)) = groups.next() {
				if groups.peek().is_some() {
					scope.spawn(move |_| pack(group, per_group, out));
				} else {
					pack(group, per_group, out);
				}
			}
		});
	}
	// SAFETY: the panels cover all `len` elements and `pack` wrote every one of them (each k of
	// each panel, NR columns: live ones copied, the rest zero).
	unsafe { packed.set_len(len) };
	packed
}

/// Least packed floats worth a second thread.
const MIN_PACK_PER_THREAD: usize = 1 << 16;

/// Farthest apart (in floats) that consecutive rows of a row-major `A` may lie for the
/// microkernel to read `A` in place. Beyond it, rows a multiple of 4 KiB apart fall into the
/// same cache sets and evict each other, so `A` is packed into contiguous tiles instead.
/// (A transposed view is always packed: read in place, a tile would touch a cache line per k
/// and crowd B's panel out of L1.)
const IN_PLACE_STRIDE: usize = 512;

/// Rows `first..first + rows` and columns `k0..k0 + kc` of `A` as `MR`-row tiles, k-major,
/// the rows a ragged tile lacks as zeros.
fn pack_a(a: &MatRef<'_>, first: usize, rows: usize, k0: usize, kc: usize, out: &mut Vec<f32>) {
	// Every element is written below, so the buffer is never cleared (zeroing it cost as much
	// as the copy).
	let len = rows.div_ceil(MR) * kc * MR;
	out.clear();
	out.reserve(len);
	let (rs, cs) = (a.row_stride, a.col_stride);
	let dst = &mut out.spare_capacity_mut()[..len];
	if rs == 1 {
		// A transposed view: each k's values of all the rows are contiguous. Walk k by k,
		// reading each k's run once and handing every tile its MR values (the rows a ragged
		// tile lacks as zeros): tile by tile instead, every k's cache line was fetched again
		// for each tile.
		for kk in 0..kc {
			let run = &a.data[first + (k0 + kk) * cs..][..rows];
			for (t, tile) in dst.chunks_exact_mut(kc * MR).enumerate() {
				let d = &mut tile[kk * MR..(kk + 1) * MR];
				let values = &run[t * MR..run.len().min((t + 1) * MR)];
				if let Ok(whole) = <&[f32; MR]>::try_from(values) {
					for (o, &v) in d.iter_mut().zip(whole) {
						o.write(v);
					}
				} else {
					for (r, o) in d.iter_mut().enumerate() {
						o.write(values.get(r).copied().unwrap_or(0.0));
					}
				}
			}
		}
		// SAFETY: every k of every tile was written above, all MR rows of it.
		unsafe { out.set_len(len) };
		return;
	}
	// Otherwise each row's values are `cs` apart (contiguous when row-major): copy row by row
	// into every MR-th slot.
	for (t, dst) in dst.chunks_exact_mut(kc * MR).enumerate() {
		let live = MR.min(rows - t * MR);
		let base = (first + t * MR) * rs + k0 * cs;
		for r in 0..MR {
			let lane = dst[r..].iter_mut().step_by(MR);
			if r >= live {
				lane.for_each(|o| {
					o.write(0.0);
				});
			} else if cs == 1 {
				let row = &a.data[base + r * rs..][..kc];
				lane.zip(row).for_each(|(o, &x)| {
					o.write(x);
				});
			} else {
				let row = a.data[base + r * rs..].iter().step_by(cs);
				// Checked operands: the view's row holds kc values from k0 on.
				debug_assert!(row.len() >= kc);
				lane.zip(row).for_each(|(o, &x)| {
					o.write(x);
				});
			}
		}
	}
	// SAFETY: the tiles cover all `len` elements and each was written above: the lanes `r..`
	// step by MR over a tile of kc·MR, so together they write each of its elements once.
	unsafe { out.set_len(len) };
}

/// The AVX2 evaluation of rows `first_row..first_row + rows` (all `n` columns) into `band`.
///
/// The microkernel takes the step between A's rows and between its k values, so it reads a
/// row-major `A` in place (steps `row_stride`, 1) when that is cache-friendly (see
/// [`IN_PLACE_STRIDE`]), and packed tiles (1, `MR`) otherwise or for a ragged tile. Copying
/// all of `A` cost a tenth of a training step at d_model 128.
fn avx2_band(
	a: &MatRef<'_>,
	n: usize,
	panels: &[f32],
	band: &mut [MaybeUninit<f32>],
	first_row: usize,
	rows: usize,
) {
	let k = a.cols;
	let (rs, cs) = (a.row_stride, a.col_stride);
	let in_place = cs == 1 && rs <= IN_PLACE_STRIDE;
	let (mut packed, mut ragged) = (Vec::new(), Vec::new());
	let mut edge = [MaybeUninit::new(0.0f32); MR * NR];
	for k0 in (0..k).step_by(KC) {
		let kc = KC.min(k - k0);
		let continued = k0 > 0;
		for m0 in (0..rows).step_by(MC) {
			let mc = MC.min(rows - m0);
			if !in_place {
				pack_a(a, first_row + m0, mc, k0, kc, &mut packed);
			} else if !mc.is_multiple_of(MR) {
				// The block's last tile is ragged: its rows packed, the missing ones zeros.
				pack_a(a, first_row + m0 + mc / MR * MR, mc % MR, k0, kc, &mut ragged);
			}
			for p in 0..n.div_ceil(NR) {
				let b_block = &panels[(p * k + k0) * NR..][..kc * NR];
				let cols = NR.min(n - p * NR);
				for t in 0..mc.div_ceil(MR) {
					let tile_rows = MR.min(mc - t * MR);
					// The tile's A: its slice, the step between rows and the step between k.
					let (a_tile, r_step, k_step) = if !in_place {
						(&packed[t * kc * MR..][..kc * MR], 1, MR)
					} else if tile_rows == MR {
						let top = first_row + m0 + t * MR;
						(&a.data[top * rs + k0 * cs..][..(MR - 1) * rs + (kc - 1) * cs + 1], rs, cs)
					} else {
						(&ragged[..], 1, MR)
					};
					let c0 = (m0 + t * MR) * n + p * NR;
					if tile_rows == MR && cols == NR {
						// SAFETY: `Kernel::Avx2Fma` is only resolved when the CPU has AVX2 and
						// FMA; `a_tile` holds MR rows `r_step` apart of kc values `k_step` apart
						// (the slice ends at the last of them); the tile lies inside `band` (MR
						// full rows of n from c0), and when `continued` the previous k-block has
						// written it.
						#[cfg(target_arch = "x86_64")]
						unsafe {
							avx2::tile(
								a_tile,
								r_step,
								k_step,
								b_block,
								kc,
								&mut band[c0..],
								n,
								continued,
							)
						};
					} else {
						// A ragged tile goes through a full-size scratch tile.
						for r in 0..MR {
							for j in 0..NR {
								edge[r * NR + j] = if continued && r < tile_rows && j < cols {
									band[c0 + r * n + j]
								} else {
									MaybeUninit::new(0.0)
								};
							}
						}
						// SAFETY: as above; `edge` is initialised.
						#[cfg(target_arch = "x86_64")]
						unsafe {
							avx2::tile(
								a_tile, r_step, k_step, b_block, kc, &mut edge, NR, continued,
							)
						};
						for r in 0..tile_rows {
							band[c0 + r * n..][..cols].copy_from_slice(&edge[r * NR..][..cols]);
						}
					}
				}
			}
		}
	}
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
	use super::{MR, NR};
	use std::{arch::x86_64::*, mem::MaybeUninit};

	/// One MR×NR tile of C over one k-block: A's element (r, kk) is `a[r * r_step + kk *
	/// k_step]`, and `b` is an NR-column panel, k-major and `kc` deep. Each of the 96 lanes
	/// continues its own element's chain in ascending k: from +0 on the first block, from the
	/// value stored in `c` after that (which must then be initialised).
	#[target_feature(enable = "avx2,fma")]
	#[allow(clippy::too_many_arguments)]
	pub(super) unsafe fn tile(
		a: &[f32],
		r_step: usize,
		k_step: usize,
		b: &[f32],
		kc: usize,
		c: &mut [MaybeUninit<f32>],
		ldc: usize,
		continued: bool,
	) {
		debug_assert!(kc > 0 && a.len() > (MR - 1) * r_step + (kc - 1) * k_step);
		debug_assert!(b.len() >= kc * NR);
		debug_assert!(c.len() >= (MR - 1) * ldc + NR);
		let out = c.as_mut_ptr().cast::<f32>();
		let mut acc = [[_mm256_setzero_ps(); 2]; MR];
		if continued {
			for (r, row) in acc.iter_mut().enumerate() {
				row[0] = _mm256_loadu_ps(out.add(r * ldc));
				row[1] = _mm256_loadu_ps(out.add(r * ldc + 8));
			}
		}
		let rows: [*const f32; MR] = std::array::from_fn(|r| a.as_ptr().add(r * r_step));
		let mut bp = b.as_ptr();
		let mut offset = 0;
		for _ in 0..kc {
			let b0 = _mm256_loadu_ps(bp);
			let b1 = _mm256_loadu_ps(bp.add(8));
			for (row, &ap) in acc.iter_mut().zip(&rows) {
				let av = _mm256_broadcast_ss(&*ap.add(offset));
				row[0] = _mm256_fmadd_ps(av, b0, row[0]);
				row[1] = _mm256_fmadd_ps(av, b1, row[1]);
			}
			offset += k_step;
			bp = bp.add(NR);
		}
		for (r, row) in acc.iter().enumerate() {
			_mm256_storeu_ps(out.add(r * ldc), row[0]);
			_mm256_storeu_ps(out.add(r * ldc + 8), row[1]);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// A deterministic pseudo-random matrix with values of mixed magnitude and sign.
	fn matrix(rows: usize, cols: usize, seed: u64) -> Vec<f32> {
		let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
		(0..rows * cols)
			.map(|_| {
				state ^= state << 13;
				state ^= state >> 7;
				state ^= state << 17;
				((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 4.0
			})
			.collect()
	}

	fn reference(a: &MatRef<'_>, b: &MatRef<'_>) -> Vec<f32> {
		matmul_new(*a, *b, 1, Kernel::Portable).unwrap()
	}

	fn bits(v: &[f32]) -> Vec<u32> {
		v.iter().map(|x| x.to_bits()).collect()
	}

	const RAGGED: [usize; 5] = [1, 7, 16, 33, 129];

	#[test]
	fn every_kernel_and_thread_count_gives_the_reference_bits() {
		let kernels: Vec<Kernel> = [Kernel::Portable, Kernel::Avx2Fma, Kernel::Auto]
			.into_iter()
			.filter(|k| k.is_available())
			.collect();
		if !Kernel::Avx2Fma.is_available() {
			println!("AVX2+FMA not available: only the portable path is compared");
		}
		for &m in &RAGGED {
			for &k in &[1, 7, 129] {
				for &n in &RAGGED {
					let (ad, bd) = (matrix(m, k, 1), matrix(k, n, 2));
					let (a, b) = (MatRef::row_major(&ad, m, k), MatRef::row_major(&bd, k, n));
					let want = bits(&reference(&a, &b));
					for &kernel in &kernels {
						for threads in [1, 2, 3] {
							let mut c = vec![f32::NAN; m * n];
							matmul(a, b, &mut c, threads, kernel).unwrap();
							assert_eq!(bits(&c), want, "{m}x{k}x{n} {kernel:?} {threads} threads");
						}
					}
				}
			}
		}
	}

	#[test]
	fn blocking_over_k_and_rows_keeps_every_chain_whole() {
		// Deeper than KC and taller than MC, so chains cross k-blocks and row blocks, with
		// ragged tiles at both edges.
		let (m, k, n) = (MC + 11, 2 * KC + 77, NR * 3 + 5);
		let (a, b) = (matrix(m, k, 7), matrix(k, n, 8));
		let (a, b) = (MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n));
		let want = bits(&reference(&a, &b));
		for kernel in [Kernel::Portable, Kernel::Auto] {
			for threads in [1, 2] {
				let mut c = vec![f32::NAN; m * n];
				matmul(a, b, &mut c, threads, kernel).unwrap();
				assert_eq!(bits(&c), want, "{kernel:?} on {threads} threads");
			}
		}
		// And through a transposed view.
		let t_data = matrix(k, m, 9);
		let at = MatRef::row_major(&t_data, k, m).t();
		let mut c = vec![0.0; m * n];
		matmul(at, b, &mut c, 2, Kernel::Auto).unwrap();
		assert_eq!(bits(&c), bits(&reference(&at, &b)));
	}

	#[test]
	fn a_read_in_place_or_packed_gives_the_same_bits() {
		// The same values of A, compact (read in place when row-major) and inside a wider
		// buffer whose stride exceeds IN_PLACE_STRIDE (packed), row-major and transposed
		// (packed), ragged tiles.
		let wide = IN_PLACE_STRIDE + 37;
		for (m, k, n) in [(7, 13, 21), (MR * 3 + 1, KC + 5, NR + 1)] {
			let compact = matrix(m, k, 11);
			let mut spread = vec![f32::NAN; m * wide];
			for r in 0..m {
				spread[r * wide..][..k].copy_from_slice(&compact[r * k..][..k]);
			}
			let b_data = matrix(k, n, 12);
			let b = MatRef::row_major(&b_data, k, n);
			let in_place = MatRef::row_major(&compact, m, k);
			let packed =
				MatRef { data: &spread, rows: m, cols: k, row_stride: wide, col_stride: 1 };
			let want = bits(&reference(&in_place, &b));
			// Aᵀ's transpose: the same A as a transposed view, compact and spread.
			let compact_t = MatRef::row_major(&compact, m, k).t();
			let t_data: Vec<f32> = (0..k * m).map(|i| compact_t.at(i / m, i % m)).collect();
			let mut t_spread = vec![f32::NAN; k * wide];
			for r in 0..k {
				t_spread[r * wide..][..m].copy_from_slice(&t_data[r * m..][..m]);
			}
			let t_in_place = MatRef::row_major(&t_data, k, m).t();
			let t_packed =
				MatRef { data: &t_spread, rows: m, cols: k, row_stride: 1, col_stride: wide };
			for a in [in_place, packed, t_in_place, t_packed] {
				for threads in [1, 2] {
					let mut c = vec![f32::NAN; m * n];
					matmul(a, b, &mut c, threads, Kernel::Auto).unwrap();
					assert_eq!(
						bits(&c),
						want,
						"{m}x{k}x{n}, strides {} {}",
						a.row_stride,
						a.col_stride
					);
				}
			}
		}
	}

	#[test]
	fn a_big_b_is_packed_on_several_threads_with_the_same_bits() {
		// Enough packed floats for two packing threads; row-major and transposed B.
		let (m, k, n) = (7, 600, NR * 14 + 5);
		assert!(n.div_ceil(NR) * NR * k >= 2 * MIN_PACK_PER_THREAD);
		let a_data = matrix(m, k, 13);
		let a = MatRef::row_major(&a_data, m, k);
		let (b_data, bt_data) = (matrix(k, n, 14), matrix(n, k, 15));
		for b in [MatRef::row_major(&b_data, k, n), MatRef::row_major(&bt_data, n, k).t()] {
			let want = bits(&reference(&a, &b));
			for threads in [1, 2, 3] {
				let mut c = vec![f32::NAN; m * n];
				matmul(a, b, &mut c, threads, Kernel::Auto).unwrap();
				assert_eq!(bits(&c), want, "{threads} threads, B strides {}", b.row_stride);
			}
		}
	}

	#[test]
	fn a_new_product_equals_one_into_a_cleared_buffer() {
		for (m, k, n) in [(0, 3, 5), (4, 0, 5), (4, 3, 0), (1, 1, 1), (MR + 1, 9, NR + 3)] {
			let (a_data, b_data) = (matrix(m, k, 16), matrix(k, n, 17));
			let (a, b) = (MatRef::row_major(&a_data, m, k), MatRef::row_major(&b_data, k, n));
			for kernel in [Kernel::Portable, Kernel::Auto] {
				for threads in [1, 2] {
					let mut c = vec![f32::NAN; m * n];
					matmul(a, b, &mut c, threads, kernel).unwrap();
					let new = matmul_new(a, b, threads, kernel).unwrap();
					assert_eq!(bits(&new), bits(&c), "{m}x{k}x{n} {kernel:?} {threads}");
				}
			}
		}
		let wrong = MatRef::row_major(&[0.0; 6], 2, 3);
		assert!(matches!(
			matmul_new(wrong, wrong, 1, Kernel::Auto),
			Err(MatmulError::ShapeMismatch { .. })
		));
		let huge = MatRef { data: &[], rows: usize::MAX, cols: 0, row_stride: 0, col_stride: 0 };
		let wide = MatRef { data: &[], rows: 0, cols: usize::MAX, row_stride: 0, col_stride: 0 };
		assert!(matches!(
			matmul_new(huge, wide, 1, Kernel::Auto),
			Err(MatmulError::ShapeMismatch { .. })
		));
	}

	#[test]
	fn transposed_views_multiply_without_copies() {
		// Whole and ragged tiles and panels, k in and past whole blocks of 8 and of KC, and a
		// Bᵀ big enough to be packed on two threads.
		for (m, k, n) in [(13, 29, 37), (6, 8, 16), (50, 300, 48), (7, 260, 600)] {
			let at = matrix(k, m, 3); // Aᵀ stored row-major
			let bt = matrix(n, k, 4); // Bᵀ stored row-major
			let a = MatRef::row_major(&at, k, m).t();
			let b = MatRef::row_major(&bt, n, k).t();
			let mut c = vec![0.0; m * n];
			matmul(a, b, &mut c, 2, Kernel::Auto).unwrap();
			for i in 0..m {
				for j in 0..n {
					let mut acc = 0.0f32;
					for kk in 0..k {
						acc = at[kk * m + i].mul_add(bt[j * k + kk], acc);
					}
					assert_eq!(c[i * n + j].to_bits(), acc.to_bits(), "{m}x{k}x{n} ({i}, {j})");
				}
			}
		}
	}

	#[test]
	fn views_strided_both_ways_multiply_like_the_reference() {
		// Neither stride is 1 (every other value, columns far apart): the packers' general
		// walks, whole and ragged tiles and panels.
		for (m, k, n) in [(13, 29, 37), (6, 8, 32)] {
			let ad = matrix(1, (m - 1) * (2 * k + 3) + 2 * (k - 1) + 1, 5);
			let bd = matrix(1, (k - 1) * 2 + (n - 1) * (2 * k + 1) + 1, 6);
			let a = MatRef { data: &ad, rows: m, cols: k, row_stride: 2 * k + 3, col_stride: 2 };
			let b = MatRef { data: &bd, rows: k, cols: n, row_stride: 2, col_stride: 2 * k + 1 };
			let want = bits(&reference(&a, &b));
			for threads in [1, 2] {
				let mut c = vec![f32::NAN; m * n];
				matmul(a, b, &mut c, threads, Kernel::Auto).unwrap();
				assert_eq!(bits(&c), want, "{m}x{k}x{n}, {threads} threads");
			}
		}
	}

	#[test]
	fn chains_start_from_positive_zero() {
		// (-1)·(+0) = -0, and -0 + +0 = +0: a chain seeded with +0 ends at +0, one that starts
		// from the first product would end at -0.
		let a = [-1.0f32];
		let b = [0.0f32; 16];
		let mut c = [f32::NAN; 16];
		for kernel in [Kernel::Portable, Kernel::Avx2Fma].into_iter().filter(|k| k.is_available()) {
			matmul(MatRef::row_major(&a, 1, 1), MatRef::row_major(&b, 1, 16), &mut c, 1, kernel)
				.unwrap();
			assert!(c.iter().all(|x| x.to_bits() == 0), "{kernel:?}: {c:?}");
		}
	}

	#[test]
	fn bad_shapes_and_views_are_refused() {
		let d = [0.0f32; 12];
		let a = MatRef::row_major(&d, 3, 4);
		let mut c = vec![0.0; 9];
		assert!(matches!(
			matmul(a, MatRef::row_major(&d, 3, 4), &mut c, 1, Kernel::Auto),
			Err(MatmulError::ShapeMismatch { .. })
		));
		let too_long = MatRef { data: &d, rows: 4, cols: 4, row_stride: 4, col_stride: 1 };
		let mut c = vec![0.0; 12];
		assert_eq!(
			matmul(a, too_long, &mut c, 1, Kernel::Auto),
			Err(MatmulError::OutOfBounds("B"))
		);
	}
}
