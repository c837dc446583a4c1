#!/usr/bin/env bash
# mmgraph's side of the TikTok comparisons of 2026-12-07 (repository root; MMGRAPH = the binary of
# the commit named in summary.jsonl's lines). Same split and protocol as the MMRec peer runs beside
# them (../peer-2026-12-07): MMRec's test rule (validation items stay candidates), valid Recall@20
# selects the epoch; one thread per run; cold_scale 0 so that cold items are scored as MMRec scores
# them (the model's own rows). Each config at MMRec's setting (its yaml's first values), seeds 0-4.
set -euo pipefail
here=bench/results/logs/tiktok/compare-2026-12-07
MMGRAPH=${MMGRAPH:-build-cpu/mmgraph}
G=(python3 bench/tiktok/run_grid.py --mmgraph "$MMGRAPH" --data ../shared/datasets/tiktok --seeds 5
   --out "$here/summary.jsonl" --set threads=1 --set cold_scale=0)
W=(--set "modality_weights={image: 0.1, audio: 0.9}")
run() { OPENBLAS_NUM_THREADS=1 "${G[@]}" "$@"; }
case "${1:-all}" in
  freedom|all) run --config configs/freedom.yaml "${W[@]}" --set dropout=0.8 --set mm_bpr_weight=0 --logs "$here/freedom" ;;&
  lightgcn|all) run --config configs/lightgcn.yaml --set n_layers=1 --set reg_weight=1e-2 --logs "$here/lightgcn" ;;&
  lightgcn-reg|all) run --config configs/lightgcn.yaml --set n_layers=1 --set reg_weight=1e-3 --logs "$here/lightgcn-reg1e-3" ;;&
  lattice|all) run --config configs/lattice.yaml --logs "$here/lattice" ;;&
  mgcn|all) run --config configs/mgcn.yaml --set cl_weight=0.001 --logs "$here/mgcn" ;;&
  *) ;;
esac
