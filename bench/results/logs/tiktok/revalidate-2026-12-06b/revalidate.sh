#!/usr/bin/env bash
# Accuracy of every TikTok config with the 2026-12-06 (second) binary, chosen points only.
set -u
G="python3 bench/tiktok/run_grid.py --mmgraph runs/bin/mmgraph-b --data ../shared/datasets/tiktok --seeds 3 --out runs/tiktok-runs-b.jsonl --set threads=1"
export OPENBLAS_NUM_THREADS=1
$G --config configs/lightgcn.yaml --grid n_layers=1 --grid reg_weight=1e-2 --logs runs/logs-b/lightgcn
$G --config configs/vbpr.yaml --grid reg_weight=1e-3 --logs runs/logs-b/vbpr
$G --config configs/mgcn.yaml --grid cl_weight=0.001 --logs runs/logs-b/mgcn
$G --config configs/lattice.yaml --grid reg_weight=1e-4 --logs runs/logs-b/lattice
$G --config configs/freedom.yaml --set "modality_weights={image: 0.1, audio: 0.9}" --grid dropout=0.8 --grid mm_bpr_weight=0 --logs runs/logs-b/freedom
$G --config configs/mmgraph.yaml --grid cl_weight=0.01 --grid dropout=0 --logs runs/logs-b/mmgraph
$G --config configs/bprmf.yaml --grid reg_weight=1e-4 --logs runs/logs-b/bprmf
