#!/usr/bin/env bash
# The whole test suite: the default build (CUDA backend when the toolkit is
# present; GPU tests skip without a device), the Python tests, and a CPU-only
# build with AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/setup.sh
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j2

# Python (tests/python): the text encoder and the export read back by safetensors,
# in the venv of tools/setup_python_env.sh (Debian's torch + pinned PyPI packages).
py=$(tools/setup_python_env.sh)
# (test_module.py, the Python module, runs under ctest above as python.test_module.)
MMGRAPH_BIN=build/mmgraph "$py" -m pytest -q tests/python --ignore=tests/python/test_module.py

cmake -S . -B build-cpu-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMGRAPH_CUDA=OFF \
  -DMMGRAPH_SANITIZE=ON -DMMGRAPH_BUILD_BENCH=OFF
cmake --build build-cpu-asan -j"$(nproc)"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-cpu-asan --output-on-failure -j2

# libFuzzer targets of the parsers, 25 s each from their seed corpus, when
# clang++ is present (7 targets: about 3 minutes of fuzzing).
if command -v clang++ >/dev/null 2>&1; then
  MMGRAPH_FUZZ_BUILD_JOBS="$(nproc)" tests/fuzz/run_fuzzers.sh 25
fi
