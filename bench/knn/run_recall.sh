#!/usr/bin/env bash
# Exact against approximate kNN lists (mmgraph_knn_recall) on the Elec-like synthetic set's two
# modalities (image 4,096-d, text 384-d), one process on the machine's cores; each output in
# OUT/<modality>.md with the machine and the command.
#   bench/knn/run_recall.sh [BUILD_DIR [OUT_DIR]]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:-$root/build}")
out=${2:-$root/bench/results/logs/knn-approximate-2026-12-07}
data="synthetic:users=192403,items=63001,interactions=1689188,image=4096,text=384"
mkdir -p "$out"
for modality in text image; do
  cmd=(nice -n 10 "$build/mmgraph_knn_recall" --data "$data" --modality "$modality" --threads "$(nproc)")
  {
    echo "command: ${cmd[*]}"
    echo "commit: $(git -C "$root" rev-parse HEAD)"
    echo "date: $(date -u +%FT%TZ); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
    echo
    /usr/bin/time -f "peak RSS %M KB, %e s wall" "${cmd[@]}" 2>&1
    echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  } >"$out/$modality.md"
done
