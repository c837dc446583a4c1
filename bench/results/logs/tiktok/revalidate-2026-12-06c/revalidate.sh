#!/usr/bin/env bash
# Accuracy of every TikTok config with the 2026-12-06 (third session) binary, chosen points only,
# in two streams of one thread each (both cores of the machine).
set -u
cd "$(dirname "$0")/../../../../.."
G="python3 bench/tiktok/run_grid.py --mmgraph runs/bin/mmgraph-c --data ../shared/datasets/tiktok --seeds 3 --set threads=1"
L=runs/logs-c
export OPENBLAS_NUM_THREADS=1
(
  $G --out runs/tiktok-runs-c1.jsonl --config configs/lightgcn.yaml --grid n_layers=1 --grid reg_weight=1e-2 --logs $L/lightgcn
  $G --out runs/tiktok-runs-c1.jsonl --config configs/vbpr.yaml --grid reg_weight=1e-3 --logs $L/vbpr
  $G --out runs/tiktok-runs-c1.jsonl --config configs/lattice.yaml --grid reg_weight=1e-4 --logs $L/lattice
  $G --out runs/tiktok-runs-c1.jsonl --config configs/bprmf.yaml --grid reg_weight=1e-4 --logs $L/bprmf
) > runs/revalidate-c1.out 2>&1 &
(
  $G --out runs/tiktok-runs-c2.jsonl --config configs/mgcn.yaml --grid cl_weight=0.001 --logs $L/mgcn
  $G --out runs/tiktok-runs-c2.jsonl --config configs/freedom.yaml --set "modality_weights={image: 0.1, audio: 0.9}" --grid dropout=0.8 --grid mm_bpr_weight=0 --logs $L/freedom
  $G --out runs/tiktok-runs-c2.jsonl --config configs/mmgraph.yaml --grid cl_weight=0.01 --grid dropout=0 --logs $L/mmgraph
) > runs/revalidate-c2.out 2>&1 &
wait
