#!/usr/bin/env bash
# Builds the libFuzzer targets with clang++ into build-fuzz and runs each for
# a bounded time (default 30 s) from its seed corpus in tests/fuzz/corpus/.
# Fails on the first crash, leak, sanitizer report or timeout; the input that
# caused it is left in build-fuzz/artifacts/. New corpus entries go to
# build-fuzz/corpus/<target>/, never into the repository.
#   tests/fuzz/run_fuzzers.sh [seconds per target] [target ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-30}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(npy_fuzz json_split_fuzz delimited_fuzz safetensors_fuzz manifest_fuzz config_fuzz kg_fuzz)
fi
jobs="${MMGRAPH_FUZZ_BUILD_JOBS:-2}"

cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DMMGRAPH_FUZZ=ON -DMMGRAPH_CUDA=OFF -DMMGRAPH_BUILD_BENCH=OFF -DMMGRAPH_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$jobs" --target "${targets[@]}"

mkdir -p build-fuzz/artifacts
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  echo "== $t: ${seconds} s"
  # -rss_limit_mb: an input that makes a parser allocate gigabytes is a bug too.
  status=0
  "build-fuzz/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/artifacts/$t-" "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" \
    >"build-fuzz/artifacts/$t.log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done )|ERROR|SUMMARY|runtime error|Test unit written" \
    "build-fuzz/artifacts/$t.log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "build-fuzz/artifacts/$t.log" >&2
    echo "$t: FAILED (exit $status); reproduce with build-fuzz/tests/fuzz/$t build-fuzz/artifacts/$t-*" >&2
    exit 1
  fi
done
echo "fuzzing: all ${#targets[@]} targets ran ${seconds} s each without a crash"
