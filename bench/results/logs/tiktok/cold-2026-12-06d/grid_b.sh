#!/usr/bin/env bash
# cold_scale 1.25 and 1.75 (after 1 and 1.5: grid.sh) on TikTok's validation split (seed 0), every config with an item graph at its chosen point.
set -u
cd "$(dirname "$0")/../../../../.."
G="python3 bench/tiktok/run_grid.py --mmgraph runs/bin/mmgraph-cold --data ../shared/datasets/tiktok --seeds 1 --set threads=1"
L=runs/cold/logs
export OPENBLAS_NUM_THREADS=1
(
  $G --out runs/cold/grid3.jsonl --config configs/mgcn.yaml --grid cl_weight=0.001 --grid cold_scale=1.25,1.75 --logs $L/mgcn
  $G --out runs/cold/grid3.jsonl --config configs/lattice.yaml --grid reg_weight=1e-4 --grid cold_scale=1.25,1.75 --logs $L/lattice
) > runs/cold/grid3.out 2>&1 &
(
  $G --out runs/cold/grid4.jsonl --config configs/mmgraph.yaml --grid cl_weight=0.01 --grid dropout=0 --grid cold_scale=1.25,1.75 --logs $L/mmgraph
  $G --out runs/cold/grid4.jsonl --config configs/freedom.yaml --set "modality_weights={image: 0.1, audio: 0.9}" --grid dropout=0.8 --grid mm_bpr_weight=0 --grid cold_scale=1.25,1.75 --logs $L/freedom
) > runs/cold/grid4.out 2>&1 &
wait
