#!/usr/bin/env bash
# Training runs over P = 1, 2, 4 processes on the CPU backend (OpenMPI), on the Elec-like
# synthetic set: BPR-MF (configs/bprmf.yaml, d = 64, batch 2048) and LightGCN (configs/lightgcn.yaml,
# d = 64, 3 layers, batch raised to 16384: a sharded LightGCN step propagates every row whatever
# the batch, so a larger batch gives the per-step costs in 8x fewer steps), and FREEDOM
# (configs/freedom.yaml, the same batch, on the set with 128-d image and 64-d text features, its
# kNN graph built sharded), a few epochs each with one evaluation at the end. Every process runs
# under rank.sh (peak resident memory, a memory sample a second). Per run OUT/<model>-p<P>/ holds
# the JSONL log (rank 0), the console output and each rank's time-rankR.txt and rss-rankR.tsv;
# report.py turns OUT into the write-up's tables.
#   bench/distributed/run.sh [MMGRAPH_BINARY [OUT_DIR]]
# MODELS (default "bprmf lightgcn") picks the models (also freedom); LIGHTGCN_EPOCHS, BPRMF_EPOCHS
# (default 3) and FREEDOM_EPOCHS (default 2) the lengths; LIGHTGCN_BATCH (default 16384) the batch
# of LightGCN and FREEDOM; CORES (default 2) the cores: a run
# gets threads = max(1, CORES / P) per process. The end writes OUT/degrees.tsv, the training
# degrees of the set, which report.py's halo model reads.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "${1:-$root/build-cpu/mmgraph}")
out=${2:-$root/bench/results/logs/distributed-2026-12-07}
models=${MODELS:-bprmf lightgcn}
lightgcn_epochs=${LIGHTGCN_EPOCHS:-3}
lightgcn_batch=${LIGHTGCN_BATCH:-16384}
bprmf_epochs=${BPRMF_EPOCHS:-3}
freedom_epochs=${FREEDOM_EPOCHS:-2}
cores=${CORES:-2}
data="synthetic:users=192403,items=63001,interactions=1689188,image=0,text=0"
data_features="synthetic:users=192403,items=63001,interactions=1689188,image=128,text=64"
mkdir -p "$out"
out=$(realpath "$out")
{
  echo "== run.sh for models: $models"
  echo "commit: $(git -C "$root" rev-parse HEAD)"
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
  echo "memory: $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "mpirun: $(mpirun --version | head -1)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$out/machine.txt"

# run NAME CONFIG EPOCHS P DATA [--set key=value ...]
run() {
  local name=$1 config=$2 epochs=$3 p=$4 data=$5
  shift 5
  local threads=$((cores / p > 0 ? cores / p : 1))
  local dir="$out/$name-p$p"
  rm -rf "$dir" && mkdir -p "$dir"
  local cmd=(nice -n 10 mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$p"
             "$root/bench/distributed/rank.sh" "$dir"
             "$bin" train --data "$data" -c "$config" --device cpu -q --log "$dir/log.jsonl"
             --set epochs="$epochs" --set eval_step="$epochs" --set threads="$threads" "$@")
  echo "${cmd[*]}" >"$dir/command.txt"
  echo "$name P=$p threads=$threads: $(date +%T)"
  local t0=$SECONDS
  timeout 1500 "${cmd[@]}" >"$dir/console.txt" 2>&1 || echo "  exit status $? (see $dir/console.txt)"
  echo "  $((SECONDS - t0)) s"
}

for model in $models; do
  for p in 1 2 4; do
    case $model in
      bprmf) run bprmf "$root/configs/bprmf.yaml" "$bprmf_epochs" "$p" "$data" ;;
      lightgcn) run lightgcn "$root/configs/lightgcn.yaml" "$lightgcn_epochs" "$p" "$data" --set train_batch_size="$lightgcn_batch" ;;
      freedom) run freedom "$root/configs/freedom.yaml" "$freedom_epochs" "$p" "$data_features" --set train_batch_size="$lightgcn_batch" ;;
      *) echo "run.sh: unknown model $model" >&2; exit 2 ;;
    esac
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"

# The set's training degrees, from its prepared form.
prepared=$(mktemp -d)
"$bin" prepare --data "$data" -o "$prepared/elec" >/dev/null 2>&1
python3 "$root/bench/distributed/report.py" --degrees "$prepared/elec" "$out"
rm -rf "$prepared"
