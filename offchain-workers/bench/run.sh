#!/usr/bin/env bash
# Reference figures for `aiblock-compute bench`, on the same shapes:
#   run.sh [SIZES]            OpenBLAS SGEMM through numpy, 1 and 2 threads
#   run.sh --torch [D_MODELS] also the PyTorch CPU time of the same expert training step
# Installs numpy 2.4.6 (and with --torch, torch 2.9.1 with its CUDA libraries, about 3 GB) into
# a virtual environment under $HOME/.cache/aiblock-bench-venv the first time.
set -euo pipefail
cd "$(dirname "$0")"
VENV="${AIBLOCK_BENCH_VENV:-$HOME/.cache/aiblock-bench-venv}"
TORCH=0
if [ "${1:-}" = "--torch" ]; then
	TORCH=1
	shift
fi
if [ ! -x "$VENV/bin/python" ]; then
	echo "[bench] creating $VENV"
	python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c "import numpy" 2>/dev/null || "$VENV/bin/pip" install --quiet numpy==2.4.6
if [ "$TORCH" = 1 ]; then
	"$VENV/bin/python" -c "import torch" 2>/dev/null || "$VENV/bin/pip" install --quiet torch==2.9.1
	for threads in 1 2; do
		TORCH_THREADS=$threads "$VENV/bin/python" torch_step.py "${1:-128,512}" "${TOKENS:-4096}" "${BENCH_SECONDS:-2.0}"
	done
	exit 0
fi
for threads in 1 2; do
	OPENBLAS_NUM_THREADS=$threads "$VENV/bin/python" numpy_matmul.py "${1:-256,512,1024,2048}" "${BENCH_SECONDS:-1.0}"
done
