"""GFLOP/s of OpenBLAS SGEMM (through numpy) on the shapes `aiblock-compute bench` measures.

Run through run.sh, which pins the thread count with OPENBLAS_NUM_THREADS.
"""
import os
import sys

import numpy as np

from timing import fastest


def main():
    sizes = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "256,512,1024,2048").split(",")]
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "?")
    rng = np.random.default_rng(0)
    for n in sizes:
        a = rng.random((n, n), dtype=np.float32) - 0.5
        b = rng.random((n, n), dtype=np.float32) - 0.5
        c = np.empty((n, n), dtype=np.float32)
        secs = fastest(lambda: np.matmul(a, b, out=c), budget)
        print(f"numpy/OpenBLAS sgemm  n {n:>5}  threads {threads}  {2 * n**3 / secs / 1e9:8.1f} GFLOP/s")


if __name__ == "__main__":
    main()
