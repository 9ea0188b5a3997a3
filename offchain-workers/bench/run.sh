#!/usr/bin/env bash
# Reference figures for `aiblock-compute bench`: OpenBLAS SGEMM through numpy on the same
# shapes, on 1 and 2 threads. Installs numpy (pinned) into a virtual environment under
# $HOME/.cache/aiblock-bench-venv the first time.
set -euo pipefail
cd "$(dirname "$0")"
VENV="${AIBLOCK_BENCH_VENV:-$HOME/.cache/aiblock-bench-venv}"
if [ ! -x "$VENV/bin/python" ]; then
	echo "[bench] creating $VENV with numpy 2.4.6"
	python3 -m venv "$VENV"
	"$VENV/bin/pip" install --quiet numpy==2.4.6
fi
SIZES="${1:-256,512,1024,2048}"
for threads in 1 2; do
	OPENBLAS_NUM_THREADS=$threads "$VENV/bin/python" numpy_matmul.py "$SIZES" "${BENCH_SECONDS:-1.0}"
done
