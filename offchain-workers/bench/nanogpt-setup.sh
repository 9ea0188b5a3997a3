# Sourced by shakespeare.sh and step-time.sh (from this folder): the shared setup of a side-by-side
# run against nanoGPT. Sets TEXT (tinyshakespeare), NANOGPT_DIR (required), VENV, B (our
# release binary) and OUT (created); installs the pinned Python packages into the venv the
# first time, builds `aiblock-compute` if missing, and prepares nanoGPT's shakespeare_char data
# from TEXT.
HERE=$PWD
TEXT="${TEXT:-$HERE/../../data/tinyshakespeare.txt}"
NANOGPT_DIR="${NANOGPT_DIR:?set NANOGPT_DIR to a nanoGPT checkout}"
VENV="${AIBLOCK_BENCH_VENV:-$HOME/.cache/aiblock-bench-venv}"
B="${CARGO_TARGET_DIR:-$HERE/../../target}/release/aiblock-compute"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import torch, numpy, requests, transformers" 2>/dev/null ||
	"$VENV/bin/pip" install --quiet numpy==2.4.6 torch==2.9.1 requests transformers==4.57.1 safetensors
[ -x "$B" ] || (cd "$HERE/../.." && cargo build --release --locked -p aiblock-compute)
cp "$TEXT" "$NANOGPT_DIR/data/shakespeare_char/input.txt"
(cd "$NANOGPT_DIR" && "$VENV/bin/python" data/shakespeare_char/prepare.py > /dev/null)
