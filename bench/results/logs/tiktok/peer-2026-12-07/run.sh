#!/usr/bin/env bash
# MMRec's own code (e775373, unmodified) on TikTok, one torch thread per run, seeds 0-4.
# Usage (repository root): bench/results/logs/tiktok/peer-2026-12-07/run.sh MODEL SEEDS... [-- --set k=v ...]
# Each run writes MODEL-sSEED.json (mmrec_peer.py's summary, with the BLAS torch used) and
# MODEL-sSEED.log (MMRec's own log) beside this script.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
model=$1; shift
seeds=(); while [[ $# -gt 0 && $1 != -- ]]; do seeds+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
for s in "${seeds[@]}"; do
  out="$here/$model-s$s"
  [[ -s $out.json ]] && continue
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 nice -n 5 "${PYTHON:-/work/venv-peer/bin/python}" bench/peers/mmrec_peer.py \
    --mmrec "${MMREC:-/work/mmrec}" --data ../shared/datasets/tiktok --model "$model" --seed "$s" --threads 1 \
    --work "/tmp/mmrec-$model-s$s" --log-copy "$out.log" "$@" > "$out.json.tmp"
  mv "$out.json.tmp" "$out.json"
done
