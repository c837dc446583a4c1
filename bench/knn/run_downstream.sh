#!/usr/bin/env bash
# FREEDOM and LATTICE on the Elec-like synthetic set with their kNN graphs found exactly and by
# the FAISS indexes (config knn_index), the same seed, split and everything else: test Recall@20
# at the best validation epoch, and the run's time. One log folder per run under OUT.
#   bench/knn/run_downstream.sh [MMGRAPH_BINARY [OUT_DIR]]
# EPOCHS (default 5) and BATCH (default 16384) set the length; DATA the set.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "${1:-$root/build-cpu/mmgraph}")
out=${2:-$root/bench/results/logs/knn-approximate-2026-12-07/downstream}
data=${DATA:-synthetic:users=192403,items=63001,interactions=1689188,image=128,text=64}
epochs=${EPOCHS:-5}
batch=${BATCH:-16384}
mkdir -p "$out"
echo "commit $(git -C "$root" rev-parse HEAD); $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
for model in freedom lattice; do
  for index in exact ivf hnsw; do
    dir="$out/$model-$index"
    mkdir -p "$dir"
    cmd=(nice -n 10 "$bin" train --data "$data" -c "$root/configs/$model.yaml" --device cpu -q --log "$dir/log.jsonl"
         --set epochs="$epochs" --set eval_step=1 --set train_batch_size="$batch" --set knn_index="$index")
    echo "${cmd[*]}" >"$dir/command.txt"
    /usr/bin/time -f "peak RSS %M KB, %e s wall" "${cmd[@]}" >"$dir/console.txt" 2>&1 || echo "$model $index failed"
  done
done
