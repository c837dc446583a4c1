#!/usr/bin/env bash
# mmgraph's own model beside the configs of run.sh (same binary, split and protocol; cold_scale 0
# as there), at its shipped setting, seeds 0-2. There is no MMRec peer for it.
set -euo pipefail
here=bench/results/logs/tiktok/compare-2026-12-07
OPENBLAS_NUM_THREADS=1 python3 bench/tiktok/run_grid.py --mmgraph "${MMGRAPH:-build-cpu/mmgraph}" \
  --data ../shared/datasets/tiktok --seeds 3 --out "$here/summary.jsonl" --set threads=1 --set cold_scale=0 \
  --config configs/mmgraph.yaml --logs "$here/mmgraph"
