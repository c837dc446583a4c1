#!/usr/bin/env bash
# Prepares, on this machine, everything a lent GPU machine's one short call needs
# (README "GPU runs"), so that none of its minutes go to building:
#   - the sm_90 binaries (mmgraph, mmgraph_bench, every test executable), built
#     for any x86-64-v3 host (AVX2, no -march=native), in build-gpu-bundle/;
#   - the shared libraries they need that a CUDA/PyTorch image may lack (yaml-cpp,
#     fmt, OpenBLAS's OpenMP build, libgomp, libgfortran, libstdc++, cudart), run
#     path $ORIGIN/lib, so nothing is installed there. cuBLAS and cuSPARSE (hundreds
#     of MB) come from the GPU machine's CUDA 13 (bench/run_gpu_suite.sh finds them);
#   - the data sets and an MMRec checkout (bench/stage_gpu_data.sh), and a wheel of the
#     one package MMRec imports that the image lacks (lmdb; CPython 3.12 there).
# All of it lands in data/ (git-ignored): name `data` in the run's carry.
#   bench/make_gpu_bundle.sh [datasets dir] [MMRec checkout]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-gpu-bundle
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMMGRAPH_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DMMGRAPH_NATIVE_ARCH=OFF -DCMAKE_CXX_FLAGS=-march=x86-64-v3 \
  -DMMGRAPH_BUILD_TESTS=ON -DMMGRAPH_BUILD_BENCH=ON > /dev/null
cmake --build "$build" -j"$(nproc)"

bins=(mmgraph mmgraph_bench tests/mmgraph_gpu_tests tests/mmgraph_kernel_tests
      tests/mmgraph_engine_tests tests/mmgraph_io_tests)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$build/lib" "$stage/$build/tests"
for b in "${bins[@]}"; do
  [ -x "$build/$b" ] || { echo "missing $build/$b" >&2; exit 1; }
  cp "$build/$b" "$stage/$build/$b"
  strip --strip-unneeded "$stage/$build/$b"
  case $b in tests/*) rpath='$ORIGIN/../lib' ;; *) rpath='$ORIGIN/lib' ;; esac
  # DT_RPATH (not RUNPATH): it also serves the libraries' own needs (OpenBLAS -> libgfortran).
  patchelf --force-rpath --set-rpath "$rpath" "$stage/$build/$b"
done
# Every library the binaries load, less glibc's (the GPU machine's glibc is newer than this
# Debian 12's 2.36) and the CUDA libraries that machine has (the driver, cuBLAS, cuSPARSE).
for b in "${bins[@]}"; do ldd "$build/$b"; done | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u |
  grep -v -E '/(libc|libm|libdl|libpthread|librt|libmvec|ld-linux-x86-64|libcuda|libcublas|libcublasLt|libcusparse|libnvJitLink)\.so' |
  while read -r lib; do cp -L "$lib" "$stage/$build/lib/"; done
for lib in "$stage/$build/lib/"*; do patchelf --force-rpath --set-rpath '$ORIGIN' "$lib"; done
{
  echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- . ':!bench/results' || echo ' (with uncommitted changes)')"
  echo "built: $(date -u +%FT%TZ) on $(. /etc/os-release; echo "$PRETTY_NAME"), glibc $(ldd --version | head -1 | awk '{print $NF}')"
  echo "nvcc: $(nvcc --version 2>/dev/null | grep -o 'release [0-9.]*' || /usr/local/cuda/bin/nvcc --version | grep -o 'release [0-9.]*')"
  echo "flags: CUDA sm_90, -march=x86-64-v3, Release"
  echo "libraries carried: $(ls "$stage/$build/lib" | tr '\n' ' ')"
} > "$stage/$build/MANIFEST.txt"
bench/stage_gpu_data.sh "$@" > /dev/null
rm -rf data/wheels
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d data/wheels lmdb
tar -czf data/gpu-bundle.tar.gz -C "$stage" "$build"
cat "$stage/$build/MANIFEST.txt"
du -sh data/gpu-bundle.tar.gz
echo "travels with the tree: $(du -sm data | cut -f1) MiB in data/ plus $(git ls-files -z | du -cm --files0-from=- | tail -1 | cut -f1) MiB tracked (limit 64 MiB)"
