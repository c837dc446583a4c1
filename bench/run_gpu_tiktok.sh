#!/usr/bin/env bash
# TikTok on the GPU: every config beside MMRec's own models on the same GPU, for
# bench/results/tiktok.md (seconds per epoch; the multimodal issue's goal is 50x).
# Run after bench/run_gpu_suite.sh (which builds build-gpu), in the same session:
#   bench/stage_gpu_data.sh                # here: copies the data sets and MMRec into data/ (git-ignored)
#   run (carry data, build-gpu): bench/run_gpu_suite.sh && bench/run_gpu_tiktok.sh
# Phase 1 times every config for a fixed number of epochs (mmgraph and MMRec, seed
# fixed); phase 2 trains each mmgraph config to early stopping (seed 0, the point
# chosen on validation on the CPU, tiktok.md) while the time budget lasts.
#   bench/run_gpu_tiktok.sh [data/tiktok] [data/mmrec] [timing epochs] [phase 2 seconds]
set -uo pipefail
cd "$(dirname "$0")/.."
data=${1:-data/tiktok}
mmrec=${2:-data/mmrec}
epochs=${3:-10}
budget=${4:-300}
out=${OUT:-bench/results/raw-$(date +%F)}/tiktok
mkdir -p "$out"
mm=${MM:-build-gpu/mmgraph}
device=${DEVICE:-cuda}  # DEVICE=cpu MM=build/mmgraph: a smoke test of this script without a GPU
[ -x "$mm" ] || { echo "no $mm: run bench/run_gpu_suite.sh first" >&2; exit 1; }

# The chosen point of each config (validation only), as in bench/results/tiktok.md.
declare -A sets=(
  [bprmf]="--set reg_weight=1e-4"
  [lightgcn]="--set n_layers=1 --set reg_weight=1e-2"
  [vbpr]="--set reg_weight=1e-4"
  [freedom]="--set dropout=0.8 --set mm_bpr_weight=0"
  [lattice]="--set mm_bpr_weight=1e-3"
  [mgcn]="--set cl_weight=0.01"
  [mmgraph]=""
)
weights=(--set "modality_weights={image: 0.1, audio: 0.9}")
configs=(lightgcn freedom lattice mgcn vbpr bprmf mmgraph)
run_config() {  # config, epochs ("full": to early stopping), log, time limit in seconds
  local extra=() epoch_set=()
  [ "$1" = freedom ] && extra=("${weights[@]}")
  [ "$2" = full ] || epoch_set=(--set epochs="$2")
  # shellcheck disable=SC2086
  timeout "$4" "$mm" train --device "$device" --data "$data" --config "configs/$1.yaml" ${sets[$1]} "${extra[@]}" \
    --set seed=0 "${epoch_set[@]}" --log "$3" --no-table
}

echo "== phase 1: $epochs epochs each, seconds per training epoch"
for c in "${configs[@]}"; do
  run_config "$c" "$epochs" "$out/time_$c.jsonl" 300 > "$out/time_$c.txt" 2>&1
  echo "mmgraph $c: rc=$? $(grep -o '[0-9.]* s/epoch (training)' "$out/time_$c.txt")"
done
if [ -d "$mmrec/src" ]; then
  for m in LightGCN FREEDOM LATTICE MGCN VBPR; do
    timeout 300 "${PYTHON:-python3}" bench/peers/mmrec_peer.py --mmrec "$mmrec" --data "$data" --model "$m" --device "$device" \
      --epochs "$epochs" $([ "$m" = LATTICE ] && echo --set learning_rate=0.001) > "$out/mmrec_$m.json" 2> "$out/mmrec_$m.err"
    echo "MMRec $m: rc=$? $("${PYTHON:-python3}" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("train_seconds_mean"), "s/epoch")' "$out/mmrec_$m.json" 2>/dev/null)"
  done
else
  echo "no MMRec checkout at $mmrec (bench/stage_gpu_data.sh copies one): peer skipped"
fi

echo "== phase 2: to early stopping, seed 0, $budget s in all"
end=$((SECONDS + budget))
for c in "${configs[@]}"; do
  left=$((end - SECONDS))
  [ "$left" -le 10 ] && { echo "budget spent: $c and later configs not run"; break; }
  run_config "$c" full "$out/full_$c.jsonl" "$left" > "$out/full_$c.txt" 2>&1
  echo "mmgraph $c: rc=$? $(tail -3 "$out/full_$c.txt" | tr '\n' ' ' | cut -c1-300)"
done
