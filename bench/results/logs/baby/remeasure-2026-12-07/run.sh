#!/usr/bin/env bash
# Amazon Baby again under MMRec's test rule (validation items stay candidates at test; validation
# and test share every user on Baby, so test figures change while training, validation and the
# chosen epoch do not). Repository root; MMGRAPH = the binary of the commit named in summary.jsonl.
set -euo pipefail
here=bench/results/logs/baby/remeasure-2026-12-07
MMGRAPH=${MMGRAPH:-build-cpu/mmgraph}
G=(python3 bench/tiktok/run_grid.py --mmgraph "$MMGRAPH" --data ../shared/datasets/amazon-baby --seeds 3
   --out "$here/summary.jsonl" --set threads=1)
run() { OPENBLAS_NUM_THREADS=1 "${G[@]}" "$@"; }
case "${1:-all}" in
  bprmf|all) run --config configs/bprmf.yaml --grid reg_weight=1e-3,1e-2 --logs "$here/bprmf" ;;&
  lightgcn|all) run --config configs/baby_lightgcn.yaml --logs "$here/lightgcn" ;;&
  *) ;;
esac
