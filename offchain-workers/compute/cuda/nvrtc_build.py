#!/usr/bin/env python3
"""Build, check and lint the compute kernels with a pinned NVRTC (no GPU, no CUDA toolkit).

    nvrtc_build.py build [--out DIR]   write kernels.ptx, kernels.sm_80.cubin, kernels.sm_90.cubin
    nvrtc_build.py check               rebuild into a temporary folder; fail if any committed file differs
    nvrtc_build.py lint [PTX]          fail on PTX that could round differently from the CPU

NVRTC comes from the PyPI wheel nvidia-cuda-nvrtc-cu12 (generate.sh pins and installs it); its
library is found next to the `nvidia.cuda_nvrtc` package or through $AIBLOCK_NVRTC.
"""
import ctypes
import glob
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "kernels.cu")
# The numerics spec's compiler settings: no contraction, no flush-to-zero, IEEE division and
# square root. The kernels also use explicitly rounded intrinsics, so these are a second guard.
OPTIONS = ["--fmad=false", "--ftz=false", "--prec-div=true", "--prec-sqrt=true", "--std=c++17"]
# (output file, NVRTC architecture, whether the output is a cubin).
TARGETS = [
    ("kernels.ptx", "compute_80", False),
    ("kernels.sm_80.cubin", "sm_80", True),
    ("kernels.sm_90.cubin", "sm_90", True),
]


def load_nvrtc():
    path = os.environ.get("AIBLOCK_NVRTC")
    if not path:
        try:
            import nvidia.cuda_nvrtc as pkg
        except ImportError:
            sys.exit("NVRTC not found: install the wheel nvidia-cuda-nvrtc-cu12 (cuda/generate.sh does) "
                     "or set AIBLOCK_NVRTC to a libnvrtc.so")
        base = list(pkg.__path__)[0]
        found = sorted(glob.glob(os.path.join(base, "lib", "libnvrtc.so.*")))
        found = [f for f in found if "builtins" not in f and ".alt." not in f]
        if not found:
            sys.exit(f"no libnvrtc.so.* under {base}/lib")
        path = found[0]
    return ctypes.CDLL(path)


def compile_one(nvrtc, source, arch, cubin):
    prog = ctypes.c_void_p()
    check(nvrtc, nvrtc.nvrtcCreateProgram(ctypes.byref(prog), source, b"kernels.cu", 0, None, None),
          "nvrtcCreateProgram")
    opts = [o.encode() for o in OPTIONS + [f"--gpu-architecture={arch}"]]
    argv = (ctypes.c_char_p * len(opts))(*opts)
    status = nvrtc.nvrtcCompileProgram(prog, len(opts), argv)
    log_size = ctypes.c_size_t()
    nvrtc.nvrtcGetProgramLogSize(prog, ctypes.byref(log_size))
    log = ctypes.create_string_buffer(log_size.value)
    nvrtc.nvrtcGetProgramLog(prog, log)
    if status != 0:
        sys.exit(f"kernels.cu does not compile for {arch}:\n{log.value.decode(errors='replace')}")
    if log.value.strip():
        # Warnings are errors: a warning here has meant a silently different kernel before.
        sys.exit(f"NVRTC warnings for {arch}:\n{log.value.decode(errors='replace')}")
    size = ctypes.c_size_t()
    if cubin:
        check(nvrtc, nvrtc.nvrtcGetCUBINSize(prog, ctypes.byref(size)), "nvrtcGetCUBINSize")
        out = ctypes.create_string_buffer(size.value)
        check(nvrtc, nvrtc.nvrtcGetCUBIN(prog, out), "nvrtcGetCUBIN")
        data = out.raw[: size.value]
    else:
        check(nvrtc, nvrtc.nvrtcGetPTXSize(prog, ctypes.byref(size)), "nvrtcGetPTXSize")
        out = ctypes.create_string_buffer(size.value)
        check(nvrtc, nvrtc.nvrtcGetPTX(prog, out), "nvrtcGetPTX")
        data = out.raw[: size.value].rstrip(b"\0")
    nvrtc.nvrtcDestroyProgram(ctypes.byref(prog))
    return data


def check(nvrtc, status, what):
    if status != 0:
        nvrtc.nvrtcGetErrorString.restype = ctypes.c_char_p
        sys.exit(f"{what} failed: {nvrtc.nvrtcGetErrorString(status).decode()}")


def version(nvrtc):
    major, minor = ctypes.c_int(), ctypes.c_int()
    nvrtc.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor))
    return f"{major.value}.{minor.value}"


def build(out_dir):
    nvrtc = load_nvrtc()
    with open(SOURCE, "rb") as f:
        source = f.read()
    os.makedirs(out_dir, exist_ok=True)
    for name, arch, cubin in TARGETS:
        data = compile_one(nvrtc, source, arch, cubin)
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes ({arch}, NVRTC {version(nvrtc)})")
    lint(os.path.join(out_dir, "kernels.ptx"))


# Float instructions whose rounding the spec fixes, and what may follow the opcode.
FLOAT_ARITH = re.compile(r"^\s*(?:@!?%p\d+\s+)?(add|sub|mul|fma|div|sqrt|rcp|rsqrt|ex2|lg2|sin|cos|tanh)"
                         r"((?:\.[a-z0-9]+)*)\.f(16|32|64)\b")
ATOMIC = re.compile(r"^\s*(?:@!?%p\d+\s+)?(atom|red)(?:\.[a-z0-9]+)*\.(f16|bf16|f32|f64|add\.f|noftz)")


def lint(ptx_path):
    """Fail on anything in the PTX that could make a float result differ from the CPU's."""
    problems = []
    with open(ptx_path) as f:
        for number, line in enumerate(f, 1):
            code = line.split("//")[0]
            if ".approx" in code:
                problems.append((number, "approximate instruction"))
            if ".ftz" in code:
                problems.append((number, "flush-to-zero instruction"))
            if ATOMIC.search(code):
                problems.append((number, "float atomic (order-dependent sum)"))
            m = FLOAT_ARITH.search(code)
            if m:
                op, modifiers = m.group(1), m.group(2).split(".")
                if op in ("ex2", "lg2", "sin", "cos", "tanh", "rcp", "rsqrt"):
                    problems.append((number, f"{op}: hardware transcendental, not the spec's"))
                elif "rn" not in modifiers:
                    problems.append((number, f"{op} without .rn (may be contracted or approximated)"))
    for number, what in problems:
        print(f"{ptx_path}:{number}: {what}", file=sys.stderr)
    if problems:
        sys.exit(f"PTX lint: {len(problems)} problem(s)")
    print(f"PTX lint: {ptx_path} is clean")


def check_committed():
    with tempfile.TemporaryDirectory() as tmp:
        build(tmp)
        stale = []
        for name, _, _ in TARGETS:
            with open(os.path.join(tmp, name), "rb") as f:
                fresh = f.read()
            try:
                with open(os.path.join(HERE, name), "rb") as f:
                    committed = f.read()
            except FileNotFoundError:
                committed = None
            if fresh != committed:
                stale.append(name)
        if stale:
            sys.exit(f"{', '.join(stale)} differ from what kernels.cu compiles to: run cuda/generate.sh and commit")
    print("committed kernels match kernels.cu")


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return
    command = argv[0]
    if command == "build":
        out = argv[2] if len(argv) > 2 and argv[1] == "--out" else HERE
        build(out)
    elif command == "check":
        check_committed()
    elif command == "lint":
        lint(argv[1] if len(argv) > 1 else os.path.join(HERE, "kernels.ptx"))
    else:
        sys.exit(f"unknown command {command!r}; see --help")


if __name__ == "__main__":
    main(sys.argv[1:])
