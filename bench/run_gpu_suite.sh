#!/usr/bin/env bash
# The GPU suite: one call on a lent GPU machine (README "GPU runs"), inside a time budget.
#   here:  bench/make_gpu_bundle.sh              # sm_90 binaries + libraries + data sets -> data/
#   there: bench/run_gpu_suite.sh [seconds]      # carry: data; default 540 s
# Stages run most valuable first, each under `timeout`, and the suite stops starting
# stages when the budget is spent: the GPU-vs-CPU tests, compute-sanitizer memcheck,
# the microbenchmarks, the TikTok timing beside MMRec, the Elec-like set and the 2M x
# 4,096 kNN graph, racecheck and synccheck, the PyG peer on Amazon Baby, the CPU tests,
# then TikTok runs to early stopping with the time left. After every stage it rewrites $OUT/summary.txt (one line a stage) and
# $OUT/gpu-suite.tar.gz (every log), so what ran comes back even if the call is cut
# off. Without a bundle it builds build-gpu-bundle itself (the machine then needs
# every build dependency).
set -uo pipefail
cd "$(dirname "$0")/.."
budget=${1:-540}
deadline=$((SECONDS + budget))
out=${OUT:-bench/results/raw-$(date +%F)}
mkdir -p "$out"
work=$(mktemp -d)/gpu-suite
mkdir -p "$work"
build=build-gpu-bundle
summary=$out/summary.txt
: > "$summary"

note() { echo "$*" | tee -a "$summary"; }
pack() { tar -czf "$out/gpu-suite.tar.gz" -C "$(dirname "$work")" gpu-suite 2> /dev/null; }
# stage NAME SECONDS COMMAND...: runs COMMAND (log: NAME.log) for at most SECONDS and
# never past the deadline; one summary line with its exit status, time and result.
stage() {
  local name=$1 limit=$2 left=$((deadline - SECONDS)) t0=$SECONDS rc
  shift 2
  if [ "$left" -lt 20 ]; then note "$(printf '%-16s skipped: budget spent' "$name")"; return; fi
  [ "$limit" -gt "$left" ] && limit=$left
  timeout -k 5 "$limit" "$@" > "$work/$name.log" 2>&1
  rc=$?
  [ "$rc" = 124 ] && rc="124 (timed out at ${limit} s)"
  note "$(printf '%-16s rc=%s  %4d s  %s' "$name" "$rc" $((SECONDS - t0)) "$(result_of "$work/$name.log")")"
  pack
}
result_of() {  # the lines that say how a log ended (gtest, compute-sanitizer, timing tables), else its last
  { grep -h -E '^\[  (PASSED|FAILED)  \]|^\[  SKIPPED \] [0-9]|ERROR SUMMARY|^[a-z]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+x|failed|^mmgraph [a-z]+: rc=|s/epoch' "$1" ||
    tail -1 "$1"; } 2> /dev/null | tail -6 | tr '\n' ' ' | cut -c1-400
}

# The bundle, the paths the test binaries were built with, and the CUDA libraries.
if [ ! -x "$build/mmgraph" ] && [ -f data/gpu-bundle.tar.gz ]; then tar -xzf data/gpu-bundle.tar.gz; fi
if [ ! -x "$build/mmgraph" ]; then
  note "no bundle (data/gpu-bundle.tar.gz): building $build here"
  stage build 400 bash -c "cmake -S . -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release -DMMGRAPH_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DMMGRAPH_BUILD_BENCH=ON && cmake --build $build -j$(nproc)"
fi
if [ "$PWD" != /work/main ] && [ ! -e /work/main ]; then  # MMGRAPH_SOURCE_DIR / _BINARY_DIR of the bundle
  mkdir -p /work && ln -s "$PWD" /work/main 2> /dev/null
fi
# Tests and benchmarks read MMGRAPH_SOURCE_DIR/../shared/datasets, which resolves through the link
# to the tree's real parent.
shared=$(dirname "$PWD")/shared
[ -e "$shared/datasets" ] || { mkdir -p "$shared" && ln -s "$PWD/data" "$shared/datasets"; } 2> /dev/null
for so in libcublas.so.13 libcublasLt.so.13 libcusparse.so.12 libnvJitLink.so.13; do
  ldconfig -p 2> /dev/null | grep -q "$so" && continue
  f=$(find /usr/local/cuda/ /usr/local/cuda*/ /opt /usr/lib -name "$so" 2> /dev/null | head -1)
  [ -n "$f" ] && export LD_LIBRARY_PATH="$(dirname "$f")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
export PATH=$PATH:/usr/local/cuda/bin:/usr/local/cuda/compute-sanitizer
# MMRec imports lmdb (for image data sets; unused here), which the image lacks: the bundle's wheel.
if ! python3 -c 'import lmdb' 2> /dev/null && ls data/wheels/*.whl > /dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site data/wheels/*.whl &&
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
{
  date -u
  cat "$build/MANIFEST.txt" 2> /dev/null
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,clocks.max.mem --format=csv
  grep -m1 'model name' /proc/cpuinfo; echo "cores: $(nproc)"
  echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  for b in $build/mmgraph $build/mmgraph_bench $build/tests/*_tests; do ldd "$b" | grep 'not found' | sed "s|^|$b: |"; done
} > "$work/device.log" 2>&1
note "device: $(grep -m1 -E 'H100|H200|NVIDIA' "$work/device.log" | cut -c1-120); bundle $(grep -m1 commit "$work/device.log")"
grep 'not found' "$work/device.log" | head -5 | tee -a "$summary"
pack

bin=$build
gpu_tests=$bin/tests/mmgraph_gpu_tests
stage gpu_tests 150 "$gpu_tests"
# The sanitizers skip whole training runs and the 2^20-row column sums (the same kernels run at
# small sizes in the other tests), which would spend their budget at the tools' slowdown.
slow='TrainGpu.*:AllModels/TrainGpuModels.*:DenseOpsGpu.ColumnSumsMatchFloat64OverManyChunks'
stage memcheck 120 compute-sanitizer --tool memcheck --error-exitcode 1 "$gpu_tests" --gtest_filter=-"$slow"
stage bench 90 "$bin/mmgraph_bench" --benchmark_filter='-(_cpu|/2000000/)' --benchmark_min_time=0.05 --benchmark_out="$work/bench.json" --benchmark_out_format=json
grep -E "spmm|topk|lightgcn|knn" "$work/bench.log" | head -40 > "$work/bench_short.txt"
stage tiktok_time 180 env OUT="$work" MM="$bin/mmgraph" PHASES=1 bench/run_gpu_tiktok.sh data/tiktok data/mmrec 5
# Scale on one GPU (bench/results/elec.md): the Elec-like set, made here by the streamed generator,
# LightGCN and FREEDOM for 2 epochs at bench/elec/run_elec.sh's settings (seconds per epoch and the
# device's peak in each log's last line), and the bf16 kNN graph of 2M x 4,096 (one timed call).
elec=$work/elec-prepared
stage elec_prepare 120 "$bin/mmgraph" prepare --out "$elec" \
  --data synthetic:users=192403,items=63001,interactions=1689188,image=4096,text=384
stage elec_lightgcn 120 "$bin/mmgraph" train --config configs/lightgcn.yaml --data "$elec" --device cuda \
  --set epochs=2 --set n_layers=1 --set reg_weight=1e-2 --log "$work/elec_lightgcn.jsonl"
stage elec_freedom 180 "$bin/mmgraph" train --config configs/freedom.yaml --data "$elec" --device cuda \
  --set epochs=2 --set mm_bpr_weight=0 --set dropout=0.8 --set "modality_weights={image: 0.1, text: 0.9}" \
  --log "$work/elec_freedom.jsonl"
rm -rf "$elec"
stage knn_2m 200 "$bin/mmgraph_bench" --benchmark_filter='knn_cosine_topk_bf16_gpu/2000000/'
stage racecheck 60 compute-sanitizer --tool racecheck --error-exitcode 1 "$gpu_tests" \
  --gtest_filter=TopkGpu.*:BprGpu.*:MetricsGpu.*:Shapes/SpmmGpuTest.*
stage synccheck 60 compute-sanitizer --tool synccheck --error-exitcode 1 "$gpu_tests" --gtest_filter=-"$slow"
stage pyg_baby 90 python3 bench/peers/pyg_lightgcn.py --data data/amazon-baby --mmgraph "$bin/mmgraph" \
  --device cuda --pyg-device cuda --layers 3 --reg 1e-3 --max-epochs 30 --pyg-max-epochs 30
for t in kernel engine io; do stage "cpu_${t}_tests" 60 "$bin/tests/mmgraph_${t}_tests"; done
left=$((deadline - SECONDS - 10))
[ "$left" -gt 30 ] && stage tiktok_full "$left" env OUT="$work" MM="$bin/mmgraph" PHASES=2 \
  bench/run_gpu_tiktok.sh data/tiktok data/mmrec 5 "$((left - 5))"
pack
echo "== summary ($summary; logs in $out/gpu-suite.tar.gz)"
cat "$summary"
echo "== microbenchmarks (bench.log)"
head -30 "$work/bench_short.txt" 2> /dev/null
