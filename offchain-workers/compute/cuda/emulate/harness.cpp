// Runs kernels.cu on the CPU: every CUDA thread an OS thread (blocks one at a time, a real
// barrier for __syncthreads), every rounded intrinsic the IEEE operation it names. It checks
// the kernels' logic (tiling, tails, reduction order, the exp/ln port, routing ties) against the
// Rust implementation on machines without a GPU; tests/kernel_emulation.rs drives it. What it
// cannot check (the GPU compiler and hardware) is covered by the PTX lint and the GPU tests.
//
//   harness OP ARGS... < inputs > outputs     (raw little-endian arrays; floats as hex bits)
//
// Build: c++ -std=c++20 -O2 -ffp-contract=off -pthread harness.cpp (no -ffast-math, ever).
#include <algorithm>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

struct Dim3 {
	unsigned x = 0, y = 0, z = 0;
};
thread_local Dim3 threadIdx, blockIdx;
Dim3 blockDim, gridDim;
static std::barrier<>* block_barrier = nullptr;

static inline void __syncthreads() { block_barrier->arrive_and_wait(); }
static inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
static inline float __fadd_rn(float a, float b) { return a + b; }
static inline float __fmul_rn(float a, float b) { return a * b; }
static inline float __fdiv_rn(float a, float b) { return a / b; }
static inline float __fsqrt_rn(float a) { return std::sqrt(a); }
static inline float __int_as_float(int32_t i) { float f; std::memcpy(&f, &i, 4); return f; }
static inline float __uint_as_float(uint32_t i) { float f; std::memcpy(&f, &i, 4); return f; }
static inline int32_t __float_as_int(float f) { int32_t i; std::memcpy(&i, &f, 4); return i; }
static inline uint32_t __float_as_uint(float f) { uint32_t i; std::memcpy(&i, &f, 4); return i; }
using std::fmaxf;
using std::min;

#define __global__
#define __device__
#define __forceinline__ inline
#define __restrict__ __restrict
#define __launch_bounds__(n)
#define __shared__ static

#include "../kernels.cu"

// Run `kernel` on a grid; `barriers` says whether it synchronises threads (then each thread of a
// block is an OS thread, else the threads run one after the other).
template <class Kernel>
static void launch(unsigned grid_x, unsigned grid_y, unsigned block, bool barriers, Kernel kernel) {
	gridDim = {grid_x, grid_y, 1};
	blockDim = {block, 1, 1};
	for (unsigned by = 0; by < grid_y; ++by)
		for (unsigned bx = 0; bx < grid_x; ++bx) {
			if (!barriers) {
				for (unsigned t = 0; t < block; ++t) {
					threadIdx = {t, 0, 0};
					blockIdx = {bx, by, 0};
					kernel();
				}
				continue;
			}
			std::barrier<> bar(block);
			block_barrier = &bar;
			std::vector<std::thread> threads;
			for (unsigned t = 0; t < block; ++t)
				threads.emplace_back([&, t] {
					threadIdx = {t, 0, 0};
					blockIdx = {bx, by, 0};
					kernel();
				});
			for (auto& th : threads) th.join();
		}
}

template <class T>
static std::vector<T> input(size_t n) {
	std::vector<T> v(n);
	if (n && std::fread(v.data(), sizeof(T), n, stdin) != n) {
		std::fprintf(stderr, "short input: wanted %zu values\n", n);
		std::exit(2);
	}
	return v;
}

template <class T>
static void output(const std::vector<T>& v) {
	std::fwrite(v.data(), sizeof(T), v.size(), stdout);
}

static long long arg(char** argv, int i) { return std::strtoll(argv[i], nullptr, 0); }
static float farg(char** argv, int i) { return __uint_as_float((uint32_t)std::strtoul(argv[i], nullptr, 16)); }

int main(int argc, char** argv) {
	if (argc < 2) {
		std::fprintf(stderr, "usage: harness OP ARGS... < inputs > outputs\n");
		return 2;
	}
	const std::string op = argv[1];
	auto need = [&](int n) {
		if (argc != n + 2) {
			std::fprintf(stderr, "%s takes %d arguments\n", op.c_str(), n);
			std::exit(2);
		}
	};
	// Elementwise kernels get a small grid: they stride, and fewer threads keep this fast.
	const unsigned grid = 3, block = 64;
	if (op == "matmul") { // m k n a_rs a_cs a_len b_rs b_cs b_len
		need(9);
		int m = arg(argv, 2), k = arg(argv, 3), n = arg(argv, 4);
		long long a_rs = arg(argv, 5), a_cs = arg(argv, 6), a_len = arg(argv, 7);
		long long b_rs = arg(argv, 8), b_cs = arg(argv, 9), b_len = arg(argv, 10);
		auto a = input<float>(a_len), b = input<float>(b_len);
		std::vector<float> c((size_t)m * n, 1.0f);
		launch((n + 127) / 128, (m + 127) / 128, 256, true,
		       [&] { aib_matmul(a.data(), a_rs, a_cs, b.data(), b_rs, b_cs, c.data(), m, n, k); });
		output(c);
	} else if (op == "silu" || op == "silu_backward") { // len
		need(1);
		long long len = arg(argv, 2);
		auto z = input<float>(len);
		std::vector<float> out(len);
		if (op == "silu") {
			launch(grid, 1, block, false, [&] { aib_silu_forward(z.data(), out.data(), len); });
		} else {
			auto g = input<float>(len);
			launch(grid, 1, block, false, [&] { aib_silu_backward(z.data(), g.data(), out.data(), len); });
		}
		output(out);
	} else if (op == "adamw") { // len lr b1 b2 one_b1 one_b2 eps wd c1 c2 decay; w g m v
		need(11);
		long long len = arg(argv, 2);
		float p[9];
		for (int i = 0; i < 9; ++i) p[i] = farg(argv, 3 + i);
		int decay = arg(argv, 12);
		auto w = input<float>(len), g = input<float>(len), m = input<float>(len), v = input<float>(len);
		launch(grid, 1, block, false, [&] {
			aib_adamw(w.data(), g.data(), m.data(), v.data(), len, p[0], p[1], p[2], p[3], p[4], p[5], p[6],
			          p[7], p[8], decay);
		});
		output(w), output(m), output(v);
	} else if (op == "cross_entropy_rows") { // rows vocab scale; logits targets
		need(3);
		int rows = arg(argv, 2), vocab = arg(argv, 3);
		float scale = farg(argv, 4);
		auto logits = input<float>((size_t)rows * vocab);
		auto targets = input<unsigned char>(rows);
		std::vector<float> grad((size_t)rows * vocab), losses(rows);
		launch(rows, 1, 256, true, [&] {
			aib_cross_entropy_rows(logits.data(), targets.data(), scale, grad.data(), losses.data(), rows, vocab);
		});
		output(losses), output(grad);
	} else if (op == "route_rows") { // rows experts k; logits
		need(3);
		int rows = arg(argv, 2), experts = arg(argv, 3), k = arg(argv, 4);
		auto logits = input<float>((size_t)rows * experts);
		std::vector<uint32_t> chosen((size_t)rows * k);
		std::vector<float> gates((size_t)rows * k);
		launch(grid, 1, block, false,
		       [&] { aib_route_rows(logits.data(), rows, experts, k, chosen.data(), gates.data()); });
		output(chosen), output(gates);
	} else if (op == "add_bias") { // rows cols; x bias
		need(2);
		int rows = arg(argv, 2), cols = arg(argv, 3);
		auto x = input<float>((size_t)rows * cols), bias = input<float>(cols);
		launch(grid, 1, block, false, [&] { aib_add_bias(x.data(), bias.data(), (long long)rows * cols, cols); });
		output(x);
	} else if (op == "column_sums") { // rows cols; x
		need(2);
		int rows = arg(argv, 2), cols = arg(argv, 3);
		auto x = input<float>((size_t)rows * cols);
		std::vector<float> out(cols);
		launch(grid, 1, block, false, [&] { aib_column_sums(x.data(), rows, cols, out.data()); });
		output(out);
	} else if (op == "rms_norm") { // rows width eps; x weight
		need(3);
		int rows = arg(argv, 2), width = arg(argv, 3);
		float eps = farg(argv, 4);
		auto x = input<float>((size_t)rows * width), weight = input<float>(width);
		std::vector<float> out((size_t)rows * width), factors(rows);
		launch(grid, 1, block, false,
		       [&] { aib_rms_norm(x.data(), weight.data(), eps, out.data(), factors.data(), rows, width); });
		output(out), output(factors);
	} else if (op == "rms_norm_backward") { // rows width with_terms; x weight factors grad_out grad_x
		need(3);
		int rows = arg(argv, 2), width = arg(argv, 3), with_terms = arg(argv, 4);
		size_t len = (size_t)rows * width;
		auto x = input<float>(len), weight = input<float>(width), factors = input<float>(rows);
		auto g = input<float>(len), dx = input<float>(len);
		std::vector<float> terms(len, 1.0f);
		launch(grid, 1, block, false, [&] {
			aib_rms_norm_backward(x.data(), weight.data(), factors.data(), g.data(), dx.data(), terms.data(),
			                      with_terms, rows, width);
		});
		output(dx), output(terms);
	} else if (op == "causal_softmax" || op == "causal_softmax_backward") { // rows matrices scale
		need(3);
		int rows = arg(argv, 2);
		long long total = (long long)rows * arg(argv, 3);
		float scale = farg(argv, 4);
		if (op == "causal_softmax") { // scores
			auto s = input<float>((size_t)total * rows);
			launch(grid, 1, block, false, [&] { aib_causal_softmax(s.data(), rows, total, scale); });
			output(s);
		} else { // probs grad
			auto p = input<float>((size_t)total * rows), g = input<float>((size_t)total * rows);
			launch(grid, 1, block, false,
			       [&] { aib_causal_softmax_backward(p.data(), g.data(), rows, total, scale); });
			output(g);
		}
	} else if (op == "rope") { // rows heads half positions first direction; x cos sin
		need(6);
		long long rows = arg(argv, 2), positions = arg(argv, 5), first = arg(argv, 6);
		int heads = arg(argv, 3), half = arg(argv, 4);
		float direction = farg(argv, 7);
		auto x = input<float>((size_t)rows * heads * 2 * half);
		auto c = input<float>((size_t)positions * half), s = input<float>((size_t)positions * half);
		launch(grid, 1, block, false,
		       [&] { aib_rope(x.data(), c.data(), s.data(), rows, heads, half, first, direction); });
		output(x);
	} else if (op == "swiglu" || op == "swiglu_backward") { // len; a b [grad]
		need(1);
		long long len = arg(argv, 2);
		auto a = input<float>(len), b = input<float>(len);
		std::vector<float> out(len), out2(len);
		if (op == "swiglu") {
			launch(grid, 1, block, false, [&] { aib_swiglu(a.data(), b.data(), out.data(), len); });
			output(out);
		} else {
			auto g = input<float>(len);
			launch(grid, 1, block, false,
			       [&] { aib_swiglu_backward(a.data(), b.data(), g.data(), out.data(), out2.data(), len); });
			output(out), output(out2);
		}
	} else if (op == "map_bits") { // function first count stride: f(bits first + i·stride)
		need(4);
		int function = arg(argv, 2);
		uint32_t first = (uint32_t)arg(argv, 3);
		long long count = arg(argv, 4), stride = arg(argv, 5);
		std::vector<float> out(count), one(1);
		for (long long i = 0; i < count; ++i) {
			launch(1, 1, 1, false, [&] { aib_map_bits(function, first + (uint32_t)(i * stride), 1, one.data()); });
			out[i] = one[0];
		}
		output(out);
	} else {
		std::fprintf(stderr, "unknown op %s\n", op.c_str());
		return 2;
	}
	return 0;
}
