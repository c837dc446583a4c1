#!/usr/bin/env bash
# The GPU suite, in one call on a machine with a GPU (see README, "GPU runs"):
# build for sm_90, run every test, compute-sanitizer on the GPU tests, the
# microbenchmarks and the end-to-end peer comparison on Amazon Baby; writes
# everything under $OUT (default bench/results/raw-<date>).
#   bench/run_gpu_suite.sh [data/amazon-baby]
set -uo pipefail
cd "$(dirname "$0")/.."
data=${1:-data/amazon-baby}
out=${OUT:-bench/results/raw-$(date +%F)}
mkdir -p "$out"
{
  date -u
  git rev-parse HEAD 2>/dev/null || echo "commit: unknown (no .git)"
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,clocks.max.mem --format=csv
} > "$out/device.txt" 2>&1
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DMMGRAPH_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 > "$out/configure.log" 2>&1
cmake --build build-gpu -j"$(nproc)" > "$out/build.log" 2>&1 || { tail -50 "$out/build.log"; exit 1; }
ctest --test-dir build-gpu --output-on-failure -j4 > "$out/ctest.log" 2>&1; echo "ctest rc=$?" >> "$out/ctest.log"
tail -5 "$out/ctest.log"
compute-sanitizer --tool memcheck --error-exitcode 1 build-gpu/tests/mmgraph_gpu_tests --gtest_filter=-TrainGpu.* \
  > "$out/memcheck.log" 2>&1; echo "memcheck rc=$?" >> "$out/memcheck.log"
compute-sanitizer --tool racecheck --error-exitcode 1 build-gpu/tests/mmgraph_gpu_tests --gtest_filter=TopkGpu.*:BprGpu.*:MetricsGpu.*:Shapes/SpmmGpuTest.* \
  > "$out/racecheck.log" 2>&1; echo "racecheck rc=$?" >> "$out/racecheck.log"
compute-sanitizer --tool synccheck --error-exitcode 1 build-gpu/tests/mmgraph_gpu_tests --gtest_filter=-TrainGpu.* \
  > "$out/synccheck.log" 2>&1; echo "synccheck rc=$?" >> "$out/synccheck.log"
tail -2 "$out/memcheck.log" "$out/racecheck.log" "$out/synccheck.log"
build-gpu/mmgraph_bench --benchmark_min_time=0.2 --benchmark_out="$out/bench.json" --benchmark_out_format=json \
  > "$out/bench.txt" 2>&1
grep -E "spmm|topk|lightgcn" "$out/bench.txt" | head -60
if [ -d "$data" ]; then
  python3 bench/peers/pyg_lightgcn.py --data "$data" --mmgraph build-gpu/mmgraph --device cuda --pyg-device cuda \
    --layers 3 --reg 1e-3 > "$out/peer_baby.txt" 2>&1
  tail -4 "$out/peer_baby.txt"
fi
