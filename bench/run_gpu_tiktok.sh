#!/usr/bin/env bash
# TikTok on the GPU for bench/results/tiktok.md (the multimodal issue's goal: 50x MMRec's
# seconds per epoch on the same GPU). bench/run_gpu_suite.sh runs it as two of its stages.
#   bench/run_gpu_tiktok.sh [data/tiktok] [data/mmrec] [timing epochs] [phase 2 seconds]
# Phase 1: bench/tiktok/time_vs_mmrec.sh on the GPU: mmgraph and MMRec's own code, same
#   settings, each side's own per-epoch training timer.
# Phase 2: each mmgraph config to early stopping at the point chosen on validation on the
#   CPU (tiktok.md), seed 0, while the seconds last.
# Environment: PHASES ("1 2" default), OUT (logs go to $OUT/tiktok), MM (binary, default
#   build-gpu-bundle/mmgraph), DEVICE (default cuda; DEVICE=cpu MM=build/mmgraph: a smoke test
#   of this script without a GPU), PYTHON (interpreter with torch, default python3).
set -uo pipefail
cd "$(dirname "$0")/.."
data=${1:-data/tiktok}
mmrec=${2:-data/mmrec}
epochs=${3:-5}
budget=${4:-300}
out=${OUT:-bench/results/raw-$(date +%F)}/tiktok
mkdir -p "$out"
mm=${MM:-build-gpu-bundle/mmgraph}
device=${DEVICE:-cuda}
phases=${PHASES:-1 2}
[ -x "$mm" ] || { echo "no $mm: run bench/make_gpu_bundle.sh (or bench/run_gpu_suite.sh)" >&2; exit 1; }
status=0

if [[ $phases == *1* ]]; then
  echo "== phase 1: $epochs epochs each (MGCN and LATTICE 3), seconds per training epoch"
  if [ -d "$mmrec/src" ]; then
    MMGRAPH=$mm DATA=$data MMREC=$mmrec PYTHON=${PYTHON:-python3} DEVICE=$device EPOCHS=$epochs \
      THREADS=${THREADS:-8} TIMEOUT=${TIMEOUT:-60} OUT=$out bench/tiktok/time_vs_mmrec.sh lightgcn freedom mgcn vbpr lattice ||
      status=1
  else
    echo "no MMRec checkout at $mmrec (bench/stage_gpu_data.sh copies one): phase 1 skipped"; status=1
  fi
fi

if [[ $phases == *2* ]]; then
  echo "== phase 2: to early stopping, seed 0, $budget s in all"
  # The chosen point of each config (validation only), as in bench/results/tiktok.md.
  declare -A sets=(
    [bprmf]="--set reg_weight=1e-4"
    [lightgcn]="--set n_layers=1 --set reg_weight=1e-2"
    [vbpr]="--set reg_weight=1e-3"
    [freedom]="--set dropout=0.8 --set mm_bpr_weight=0"
    [lattice]=""
    [mgcn]=""
    [mmgraph]=""
  )
  end=$((SECONDS + budget))
  for c in lightgcn freedom mgcn lattice mmgraph vbpr bprmf; do
    left=$((end - SECONDS))
    [ "$left" -le 10 ] && { echo "budget spent: $c and later configs not run"; break; }
    extra=()
    [ "$c" = freedom ] && extra=(--set "modality_weights={image: 0.1, audio: 0.9}")
    # shellcheck disable=SC2086
    timeout "$left" "$mm" train --device "$device" --data "$data" --config "configs/$c.yaml" ${sets[$c]} "${extra[@]}" \
      --set seed=0 --log "$out/full_$c.jsonl" --no-table > "$out/full_$c.txt" 2>&1
    rc=$?
    [ "$rc" = 0 ] || status=1
    log=$out/full_$c.txt
    echo "mmgraph $c: rc=$rc $(grep -h 's/epoch' "$log" | head -1); test $(grep -h '^test:' "$log" | grep -o -E '(Recall|NDCG)@20=[0-9.]*' | tr '\n' ' ')"
  done
fi
exit $status
