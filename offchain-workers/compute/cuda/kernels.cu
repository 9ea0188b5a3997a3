// AI-Block compute kernels: the numerics spec of `aiblock-compute` (NUMERICS_VERSION 1) on CUDA.
//
// Every function here ports a CPU function of the compute crate line by line and must return
// its bits. The rules that make that possible:
//  * every multiply-add is `__fmaf_rn`; every other add, multiply, divide and square root is an
//    explicitly rounded intrinsic (`__fadd_rn`, `__fmul_rn`, `__fdiv_rn`, `__fsqrt_rn`), so no
//    compiler contraction or approximation can change a result (and the build passes
//    `--fmad=false --ftz=false --prec-div=true --prec-sqrt=true` as a second guard);
//  * exp and ln are our own (math.rs), never `expf`/`__expf`;
//  * every dot product is one FMA chain over k ascending from +0, every sum has the CPU's order;
//    threads only ever split independent outputs, and there are no float atomics;
//  * tails are predicated: an out-of-range k is never fed into a chain (fma(0, 0, -0) is +0,
//    so padding with zeros could change a -0 result).
//
// Built offline with a pinned NVRTC (cuda/generate.sh) into kernels.ptx and sm_80/sm_90 cubins,
// which are committed; CI rebuilds them, fails on any difference and lints the PTX.

// Bit patterns of math.rs's constants; the compute crate's test
// `cuda_kernel_constants_are_math_rs_constants` checks every one against the Rust value.
#define AIB_ROUND_MAGIC __int_as_float(0x4b400000)
#define AIB_LOG2_E __int_as_float(0x3fb8aa3b)
#define AIB_LN2_HI __int_as_float(0x3f318000)
#define AIB_LN2_LO __int_as_float(0xb95e8083)
#define AIB_EXP_OVERFLOW __int_as_float(0x42b17218)
#define AIB_EXP_UNDERFLOW __int_as_float(0xc2cff1b4)
#define AIB_SQRT_2 __int_as_float(0x3fb504f3)
#define AIB_INV_5040 __int_as_float(0x39500d01)
#define AIB_INV_720 __int_as_float(0x3ab60b61)
#define AIB_INV_120 __int_as_float(0x3c088889)
#define AIB_INV_24 __int_as_float(0x3d2aaaab)
#define AIB_INV_6 __int_as_float(0x3e2aaaab)
#define AIB_INV_11 __int_as_float(0x3dba2e8c)
#define AIB_INV_9 __int_as_float(0x3de38e39)
#define AIB_INV_7 __int_as_float(0x3e124925)
#define AIB_INV_5 __int_as_float(0x3e4ccccd)
#define AIB_INV_3 __int_as_float(0x3eaaaaab)
#define AIB_INF __int_as_float(0x7f800000)

typedef long long i64;
typedef unsigned int u32;

// 2^k for k in [-126, 127], from its bits (exact).
__device__ __forceinline__ float aib_pow2i(int k) {
	return __int_as_float((k + 127) << 23);
}

// math::exp.
__device__ __forceinline__ float aib_exp(float input) {
	bool in_range = input >= AIB_EXP_UNDERFLOW && input <= AIB_EXP_OVERFLOW; // false for NaN
	float x = in_range ? input : 0.0f;
	float n = __fadd_rn(__fmaf_rn(x, AIB_LOG2_E, AIB_ROUND_MAGIC), -AIB_ROUND_MAGIC);
	float r = __fmaf_rn(-n, AIB_LN2_HI, x);
	r = __fmaf_rn(-n, AIB_LN2_LO, r);
	float p = AIB_INV_5040;
	p = __fmaf_rn(p, r, AIB_INV_720);
	p = __fmaf_rn(p, r, AIB_INV_120);
	p = __fmaf_rn(p, r, AIB_INV_24);
	p = __fmaf_rn(p, r, AIB_INV_6);
	p = __fmaf_rn(p, r, 0.5f);
	p = __fmaf_rn(p, r, 1.0f);
	p = __fmaf_rn(p, r, 1.0f);
	int ni = (int)n; // exact: n is an integer in [-150, 128]
	int half = ni / 2;
	float value = __fmul_rn(__fmul_rn(p, aib_pow2i(half)), aib_pow2i(ni - half));
	if (in_range) return value;
	if (input > AIB_EXP_OVERFLOW) return AIB_INF;
	if (input < AIB_EXP_UNDERFLOW) return 0.0f;
	return input; // NaN
}

// math::ln.
__device__ __forceinline__ float aib_ln(float x) {
	if (x != x || x < 0.0f) return __int_as_float(0x7fc00000);
	if (x == 0.0f) return -AIB_INF;
	if (x == AIB_INF) return x;
	int bias = 0;
	if (x < __int_as_float(0x00800000)) { // subnormal: normalise exactly
		x = __fmul_rn(x, aib_pow2i(23));
		bias = -23;
	}
	u32 bits = __float_as_uint(x);
	int e = (int)((bits >> 23) & 0xffu) - 127 + bias;
	float m = __uint_as_float((bits & 0x007fffffu) | 0x3f800000u);
	if (m > AIB_SQRT_2) {
		m = __fmul_rn(m, 0.5f);
		e += 1;
	}
	float s = __fdiv_rn(__fadd_rn(m, -1.0f), __fadd_rn(m, 1.0f));
	float z = __fmul_rn(s, s);
	float p = AIB_INV_11;
	p = __fmaf_rn(p, z, AIB_INV_9);
	p = __fmaf_rn(p, z, AIB_INV_7);
	p = __fmaf_rn(p, z, AIB_INV_5);
	p = __fmaf_rn(p, z, AIB_INV_3);
	float ln_m = __fmul_rn(2.0f, __fmaf_rn(__fmul_rn(s, z), p, s));
	float ef = (float)e; // exact
	return __fmaf_rn(ef, AIB_LN2_HI, __fmaf_rn(ef, AIB_LN2_LO, ln_m));
}

// math::sigmoid, math::silu, math::silu_grad.
__device__ __forceinline__ float aib_sigmoid(float x) {
	return __fdiv_rn(1.0f, __fadd_rn(1.0f, aib_exp(-x)));
}
__device__ __forceinline__ float aib_silu(float x) {
	return __fdiv_rn(x, __fadd_rn(1.0f, aib_exp(-x)));
}
__device__ __forceinline__ float aib_silu_grad(float x) {
	float s = aib_sigmoid(x);
	return __fmul_rn(s, __fmaf_rn(x, __fadd_rn(1.0f, -s), 1.0f));
}

// The canonical matrix product (matmul.rs): c (row-major m x n) = a (m x k) . b (k x n), where
// element (r, c) of a view is data[r * row_stride + c * col_stride] (transposes cost no copy).
// Each output is one FMA chain over k ascending from +0. Block tile 128 x 128, k-tile 16,
// 256 threads each holding an 8 x 8 register tile (rows ty + 16 i, columns tx + 16 j, so that
// shared-memory reads are conflict-free and stores coalesce).
#define MM_BM 128
#define MM_BN 128
#define MM_BK 16
#define MM_T 8

// One staged k-tile into the 8 x 8 register tile: for each k in order, one FMA per output.
// FULL is MM_BK for a whole tile (a compile-time bound the compiler unrolls), 0 for a tail of kc.
template <int FULL>
__device__ __forceinline__ void aib_mm_tile(const float (*as)[MM_BM], const float (*bs)[MM_BN],
                                            float (*acc)[MM_T], int tx, int ty, int kc) {
#pragma unroll
	for (int kk = 0; kk < (FULL ? FULL : kc); ++kk) {
		float av[MM_T], bv[MM_T];
#pragma unroll
		for (int i = 0; i < MM_T; ++i) av[i] = as[kk][ty + 16 * i];
#pragma unroll
		for (int j = 0; j < MM_T; ++j) bv[j] = bs[kk][tx + 16 * j];
#pragma unroll
		for (int i = 0; i < MM_T; ++i)
#pragma unroll
			for (int j = 0; j < MM_T; ++j) acc[i][j] = __fmaf_rn(av[i], bv[j], acc[i][j]);
	}
}

extern "C" __global__ void __launch_bounds__(256) aib_matmul(
	const float* __restrict__ a, i64 a_rs, i64 a_cs,
	const float* __restrict__ b, i64 b_rs, i64 b_cs,
	float* __restrict__ c, int m, int n, int k) {
	__shared__ float as[MM_BK][MM_BM];
	__shared__ float bs[MM_BK][MM_BN];
	const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
	const int row0 = blockIdx.y * MM_BM, col0 = blockIdx.x * MM_BN;
	float acc[MM_T][MM_T];
#pragma unroll
	for (int i = 0; i < MM_T; ++i)
#pragma unroll
		for (int j = 0; j < MM_T; ++j) acc[i][j] = 0.0f;

	for (int k0 = 0; k0 < k; k0 += MM_BK) {
		const int kc = min(MM_BK, k - k0);
		// Stage the tiles; consecutive threads walk the operand's contiguous direction.
		for (int i = tid; i < MM_BK * MM_BM; i += 256) {
			int r, kk;
			if (a_cs == 1) { kk = i % MM_BK; r = i / MM_BK; } else { r = i % MM_BM; kk = i / MM_BM; }
			float v = 0.0f;
			if (row0 + r < m && kk < kc) v = a[(i64)(row0 + r) * a_rs + (i64)(k0 + kk) * a_cs];
			as[kk][r] = v;
		}
		for (int i = tid; i < MM_BK * MM_BN; i += 256) {
			int col, kk;
			if (b_rs == 1) { kk = i % MM_BK; col = i / MM_BK; } else { col = i % MM_BN; kk = i / MM_BN; }
			float v = 0.0f;
			if (col0 + col < n && kk < kc) v = b[(i64)(k0 + kk) * b_rs + (i64)(col0 + col) * b_cs];
			bs[kk][col] = v;
		}
		__syncthreads();
		// Only real k enter a chain (the bound is uniform across the block: no divergence).
		if (kc == MM_BK) {
			aib_mm_tile<MM_BK>(as, bs, acc, tx, ty, MM_BK); // constant bound: fully unrolled
		} else {
			aib_mm_tile<0>(as, bs, acc, tx, ty, kc);
		}
		__syncthreads();
	}
#pragma unroll
	for (int i = 0; i < MM_T; ++i) {
		const int r = row0 + ty + 16 * i;
		if (r >= m) continue;
#pragma unroll
		for (int j = 0; j < MM_T; ++j) {
			const int col = col0 + tx + 16 * j;
			if (col < n) c[(i64)r * n + col] = acc[i][j];
		}
	}
}

#define GRID_STRIDE(i, len) \
	for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (len); i += (i64)blockDim.x * gridDim.x)

// backend::silu.
extern "C" __global__ void aib_silu_forward(const float* __restrict__ z, float* __restrict__ out, i64 len) {
	GRID_STRIDE(i, len) out[i] = aib_silu(z[i]);
}

// backend::silu_backward: one rounded multiply.
extern "C" __global__ void aib_silu_backward(
	const float* __restrict__ z, const float* __restrict__ grad_out, float* __restrict__ grad_z, i64 len) {
	GRID_STRIDE(i, len) grad_z[i] = __fmul_rn(grad_out[i], aib_silu_grad(z[i]));
}

// backend::adamw, each operation rounded separately. `one_b1 = 1 - beta1` and
// `one_b2 = 1 - beta2` come from the host, computed exactly as the CPU computes them.
extern "C" __global__ void aib_adamw(
	float* __restrict__ w, const float* __restrict__ g, float* __restrict__ m, float* __restrict__ v, i64 len,
	float lr, float b1, float b2, float one_b1, float one_b2, float eps, float weight_decay,
	float correction1, float correction2, int decay) {
	GRID_STRIDE(i, len) {
		const float gi = g[i];
		const float mi = __fadd_rn(__fmul_rn(b1, m[i]), __fmul_rn(one_b1, gi));
		const float vi = __fadd_rn(__fmul_rn(b2, v[i]), __fmul_rn(one_b2, __fmul_rn(gi, gi)));
		m[i] = mi;
		v[i] = vi;
		const float m_hat = __fdiv_rn(mi, correction1);
		const float v_hat = __fdiv_rn(vi, correction2);
		float update = __fdiv_rn(m_hat, __fadd_rn(__fsqrt_rn(v_hat), eps));
		if (decay) update = __fadd_rn(update, __fmul_rn(weight_decay, w[i]));
		w[i] = __fadd_rn(w[i], -__fmul_rn(lr, update));
	}
}

// backend::cross_entropy_rows: one block per row (token). The maximum is order-free; the sum of
// the exponentials is the CPU's left-to-right chain, taken by one thread.
extern "C" __global__ void __launch_bounds__(256) aib_cross_entropy_rows(
	const float* __restrict__ logits, const unsigned char* __restrict__ targets, float scale,
	float* __restrict__ grad, float* __restrict__ losses, int rows, int vocab) {
	__shared__ float part[256];
	__shared__ float total;
	const int t = blockIdx.x;
	if (t >= rows) return;
	const int target = targets[t];
	if (target >= vocab) { // no such class: an invalid step (NaN), never an out-of-bounds read
		if (threadIdx.x == 0) losses[t] = __int_as_float(0x7fc00000);
		return; // uniform across the block, before any barrier
	}
	const float* l = logits + (i64)t * vocab;
	float* gr = grad + (i64)t * vocab;
	float mx = -AIB_INF;
	for (int v = threadIdx.x; v < vocab; v += blockDim.x) mx = fmaxf(mx, l[v]);
	part[threadIdx.x] = mx;
	__syncthreads();
	for (int s = blockDim.x / 2; s > 0; s /= 2) {
		if ((int)threadIdx.x < s) part[threadIdx.x] = fmaxf(part[threadIdx.x], part[threadIdx.x + s]);
		__syncthreads();
	}
	mx = part[0];
	for (int v = threadIdx.x; v < vocab; v += blockDim.x) gr[v] = aib_exp(__fadd_rn(l[v], -mx));
	__syncthreads();
	if (threadIdx.x == 0) {
		float sum = 0.0f;
		for (int v = 0; v < vocab; ++v) sum = __fadd_rn(sum, gr[v]);
		total = sum;
		losses[t] = __fadd_rn(__fadd_rn(mx, aib_ln(sum)), -l[target]);
	}
	__syncthreads();
	const float sum = total;
	for (int v = threadIdx.x; v < vocab; v += blockDim.x) {
		const float e = gr[v];
		gr[v] = v == target ? __fmul_rn(__fadd_rn(__fdiv_rn(e, sum), -1.0f), scale)
		                    : __fmul_rn(__fdiv_rn(e, sum), scale);
	}
}

// backend::add_bias: bias[c] added to column c of the row-major rows x cols matrix x.
extern "C" __global__ void aib_add_bias(float* __restrict__ x, const float* __restrict__ bias, i64 len, int cols) {
	GRID_STRIDE(i, len) x[i] = __fadd_rn(x[i], bias[i % cols]);
}

// backend::column_sums: one thread per column, the rows in chunks of reduce::CHUNK (1024), each
// chunk summed from +0 in row order, the chunk sums added in order from +0 (reduce::sum's order).
extern "C" __global__ void aib_column_sums(const float* __restrict__ x, int rows, int cols, float* __restrict__ out) {
	GRID_STRIDE(col, (i64)cols) {
		float total = 0.0f;
		for (int r0 = 0; r0 < rows; r0 += 1024) {
			const int r1 = min(rows, r0 + 1024);
			float part = 0.0f;
			for (int r = r0; r < r1; ++r) part = __fadd_rn(part, x[(i64)r * cols + col]);
			total = __fadd_rn(total, part);
		}
		out[col] = total;
	}
}

// Rust's f32::total_cmp as a signed integer key.
__device__ __forceinline__ int aib_total_key(float x) {
	int b = __float_as_int(x);
	return b ^ (int)(((u32)(b >> 31)) >> 1);
}

// backend::route for each row: the k largest logits (ties to the lower index, -0 below +0 as
// in total_cmp) listed in ascending expert order, gates the softmax of the winners' logits.
extern "C" __global__ void aib_route_rows(
	const float* __restrict__ logits, int rows, int experts, int k,
	u32* __restrict__ chosen, float* __restrict__ gates) {
	GRID_STRIDE(t, (i64)rows) {
		const float* l = logits + t * experts;
		u32* ch = chosen + t * k;
		float* g = gates + t * k;
		int won = 0;
		for (int e = 0; e < experts && won < k; ++e) {
			const int key = aib_total_key(l[e]);
			int rank = 0;
			for (int o = 0; o < experts; ++o) {
				const int other = aib_total_key(l[o]);
				rank += (other > key || (other == key && o < e)) ? 1 : 0;
			}
			if (rank < k) ch[won++] = (u32)e;
		}
		float mx = -AIB_INF;
		for (int j = 0; j < k; ++j) mx = fmaxf(mx, l[ch[j]]);
		float sum = 0.0f;
		for (int j = 0; j < k; ++j) {
			g[j] = aib_exp(__fadd_rn(l[ch[j]], -mx));
			sum = __fadd_rn(sum, g[j]);
		}
		for (int j = 0; j < k; ++j) g[j] = __fdiv_rn(g[j], sum);
	}
}

// The scalar functions over a range of bit patterns, for the exhaustive comparison with the
// CPU: out[i] = f(bits first + i). op: 0 exp, 1 ln, 2 silu, 3 silu_grad.
extern "C" __global__ void aib_map_bits(int op, u32 first, i64 count, float* __restrict__ out) {
	GRID_STRIDE(i, count) {
		const float x = __uint_as_float(first + (u32)i);
		float y;
		switch (op) {
		case 0: y = aib_exp(x); break;
		case 1: y = aib_ln(x); break;
		case 2: y = aib_silu(x); break;
		default: y = aib_silu_grad(x); break;
		}
		out[i] = y;
	}
}

// ---- The transformer's operations (transformer/ops.rs, transformer/rope.rs) ----------------
// Row kernels take one thread per row: each row's sums are single chains in the CPU's order.

// ops::rms_norm: factors[t] = 1 / sqrt(ss / width + eps) with ss one FMA chain over the row,
// out = (x * r) * weight.
extern "C" __global__ void aib_rms_norm(
	const float* __restrict__ x, const float* __restrict__ weight, float eps,
	float* __restrict__ out, float* __restrict__ factors, int rows, int width) {
	GRID_STRIDE(t, (i64)rows) {
		const float* row = x + t * width;
		float ss = 0.0f;
		for (int i = 0; i < width; ++i) ss = __fmaf_rn(row[i], row[i], ss);
		const float r = __fdiv_rn(1.0f, __fsqrt_rn(__fadd_rn(__fdiv_rn(ss, (float)width), eps)));
		factors[t] = r;
		float* o = out + t * width;
		for (int i = 0; i < width; ++i) o[i] = __fmul_rn(__fmul_rn(row[i], r), weight[i]);
	}
}

// ops::rms_norm_backward: with u = g * w, c = ((sum u * x) * r^3) / width, grad_x += u*r - x*c;
// with_terms: weight_terms = g * (x * r) (their column sums are the weight's gradient).
extern "C" __global__ void aib_rms_norm_backward(
	const float* __restrict__ x, const float* __restrict__ weight, const float* __restrict__ factors,
	const float* __restrict__ grad_out, float* __restrict__ grad_x, float* __restrict__ weight_terms,
	int with_terms, int rows, int width) {
	GRID_STRIDE(t, (i64)rows) {
		const float* row = x + t * width;
		const float* g = grad_out + t * width;
		float* dx = grad_x + t * width;
		const float r = factors[t];
		float dot = 0.0f;
		for (int i = 0; i < width; ++i) dot = __fmaf_rn(__fmul_rn(g[i], weight[i]), row[i], dot);
		const float c = __fdiv_rn(__fmul_rn(dot, __fmul_rn(__fmul_rn(r, r), r)), (float)width);
		for (int i = 0; i < width; ++i) {
			const float u = __fmul_rn(g[i], weight[i]);
			dx[i] = __fadd_rn(dx[i], __fadd_rn(__fmul_rn(u, r), -__fmul_rn(row[i], c)));
		}
		if (with_terms) {
			float* terms = weight_terms + t * width;
			for (int i = 0; i < width; ++i) terms[i] = __fmul_rn(g[i], __fmul_rn(row[i], r));
		}
	}
}

// ops::causal_softmax over `total_rows` rows of `rows`-square matrices laid end to end: row i of
// a matrix scales columns 0..=i, subtracts their maximum, exponentiates, sums left to right
// from +0 and divides; the columns after i become +0.
extern "C" __global__ void aib_causal_softmax(float* __restrict__ scores, int rows, i64 total_rows, float scale) {
	GRID_STRIDE(t, total_rows) {
		const int i = (int)(t % rows);
		float* s = scores + t * rows;
		float m = -AIB_INF;
		for (int j = 0; j <= i; ++j) {
			s[j] = __fmul_rn(s[j], scale);
			m = fmaxf(m, s[j]);
		}
		for (int j = 0; j <= i; ++j) s[j] = aib_exp(__fadd_rn(s[j], -m));
		float sum = 0.0f;
		for (int j = 0; j <= i; ++j) sum = __fadd_rn(sum, s[j]);
		for (int j = 0; j <= i; ++j) s[j] = __fdiv_rn(s[j], sum);
		for (int j = i + 1; j < rows; ++j) s[j] = 0.0f;
	}
}

// ops::causal_softmax_backward, in place of grad: (p * (dp - dot)) * scale on and below the
// diagonal with dot = sum p * dp (one FMA chain), +0 above.
extern "C" __global__ void aib_causal_softmax_backward(
	const float* __restrict__ probs, float* __restrict__ grad, int rows, i64 total_rows, float scale) {
	GRID_STRIDE(t, total_rows) {
		const int i = (int)(t % rows);
		const float* p = probs + t * rows;
		float* g = grad + t * rows;
		float dot = 0.0f;
		for (int j = 0; j <= i; ++j) dot = __fmaf_rn(p[j], g[j], dot);
		for (int j = 0; j <= i; ++j) g[j] = __fmul_rn(__fmul_rn(p[j], __fadd_rn(g[j], -dot)), scale);
		for (int j = i + 1; j < rows; ++j) g[j] = 0.0f;
	}
}

// RopeTable::apply (direction +1) and apply_backward (-1), one thread per rotated pair: row r
// is at position first_position + r; a' = a*c - b*s, b' = b*c + a*s, no contraction.
extern "C" __global__ void aib_rope(
	float* __restrict__ x, const float* __restrict__ cos_table, const float* __restrict__ sin_table,
	i64 rows, int heads, int half, i64 first_position, float direction) {
	const i64 per_row = (i64)heads * half;
	GRID_STRIDE(e, rows * per_row) {
		const i64 r = e / per_row;
		const int within = (int)(e % per_row), head = within / half, i = within % half;
		float* h = x + r * 2 * per_row + (i64)head * 2 * half;
		const i64 at = (first_position + r) * half + i;
		const float c = cos_table[at], s = __fmul_rn(sin_table[at], direction);
		const float a = h[i], b = h[i + half];
		h[i] = __fadd_rn(__fmul_rn(a, c), -__fmul_rn(b, s));
		h[i + half] = __fadd_rn(__fmul_rn(b, c), __fmul_rn(a, s));
	}
}

// ops::swiglu: out = silu(a) * b.
extern "C" __global__ void aib_swiglu(
	const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ out, i64 len) {
	GRID_STRIDE(i, len) out[i] = __fmul_rn(aib_silu(a[i]), b[i]);
}

// ops::swiglu_backward: da = (g * b) * silu'(a), db = g * silu(a).
extern "C" __global__ void aib_swiglu_backward(
	const float* __restrict__ a, const float* __restrict__ b, const float* __restrict__ grad,
	float* __restrict__ grad_a, float* __restrict__ grad_b, i64 len) {
	GRID_STRIDE(i, len) {
		grad_a[i] = __fmul_rn(__fmul_rn(grad[i], b[i]), aib_silu_grad(a[i]));
		grad_b[i] = __fmul_rn(grad[i], aib_silu(a[i]));
	}
}
