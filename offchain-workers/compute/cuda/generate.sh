#!/usr/bin/env bash
# Rebuild the committed kernels (PTX + sm_80/sm_90 cubins) from kernels.cu with the pinned NVRTC.
#   generate.sh           rebuild in place (then commit the result)
#   generate.sh --check   fail if the committed files are not exactly what kernels.cu compiles to
# No GPU and no CUDA toolkit needed: NVRTC comes from a PyPI wheel, in a cached virtualenv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# Pinned: a different NVRTC may emit different (equally valid) PTX, which `--check` would flag.
NVRTC_WHEEL="nvidia-cuda-nvrtc-cu12==12.9.86"
venv="${AIBLOCK_NVRTC_VENV:-$HOME/.cache/aiblock-nvrtc-venv}"
if ! "$venv/bin/python" -c "import nvidia.cuda_nvrtc" 2>/dev/null ||
	! "$venv/bin/pip" show nvidia-cuda-nvrtc-cu12 2>/dev/null | grep -qx "Version: ${NVRTC_WHEEL#*==}"; then
	python3 -m venv "$venv"
	"$venv/bin/pip" install --quiet "$NVRTC_WHEEL"
fi
case "${1:-}" in
	--check) exec "$venv/bin/python" "$here/nvrtc_build.py" check ;;
	"") exec "$venv/bin/python" "$here/nvrtc_build.py" build ;;
	*) echo "usage: generate.sh [--check]" >&2; exit 2 ;;
esac
