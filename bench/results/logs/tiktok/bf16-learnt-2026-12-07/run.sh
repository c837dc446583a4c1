#!/usr/bin/env bash
# MGCN on TikTok with its item features learnt (learn_features: true, as MMRec trains them) stored
# as float32 and as bf16 (bf16 values and Adam moments, stochastic rounding): same binary, split,
# protocol and seeds 0-4 for both, the setting of ../compare-2026-12-07 (cl_weight 0.001, one
# thread per run, cold_scale 0). Valid Recall@20 selects the epoch. Usage: run.sh float32|bf16
# (the two were run side by side, one core each).
set -euo pipefail
here=bench/results/logs/tiktok/bf16-learnt-2026-12-07
storage=$1
OPENBLAS_NUM_THREADS=1 python3 bench/tiktok/run_grid.py --mmgraph "${MMGRAPH:-build-cpu/mmgraph}" \
  --data ../shared/datasets/tiktok --seeds 5 --out "$here/summary-$storage.jsonl" --set threads=1 \
  --set cold_scale=0 --set cl_weight=0.001 --set feature_storage=$storage --config configs/mgcn.yaml \
  --logs "$here/mgcn-$storage"
