#!/usr/bin/env bash
# Cold start with never-consumed catalogue items (repository root; MMGRAPH = the binary of the
# commit named in summary.jsonl). TikTok with 10% of its items (671, seed 7) turned into catalogue
# items nobody consumed (bench/coldstart/hold_out_catalogue.py; its held_out_catalogue.json is
# copied beside this script): 1,092 items without a training interaction, of which 421 are some
# validation or test user's item. Each model with an item graph at its shipped setting (FREEDOM at
# MMRec's); cold_scale chosen on validation Recall@20 (all users, all items) from {0, 1, 1.5} at
# seed 0, then seeds 0-2 of the chosen point. One thread per run.
set -euo pipefail
here=bench/results/logs/tiktok/coldstart-2026-12-07
data=${DATA:-data/tiktok-unconsumed}
[[ -f $data/held_out_catalogue.json ]] || bench/coldstart/hold_out_catalogue.py --data ../shared/datasets/tiktok \
  --fraction 0.1 --seed 7 --out "$data" > /dev/null
cp "$data/held_out_catalogue.json" "$here/"
MMGRAPH=${MMGRAPH:-build-cpu/mmgraph}
G=(python3 bench/tiktok/run_grid.py --mmgraph "$MMGRAPH" --data "$data" --seeds 3 --out "$here/summary.jsonl"
   --set threads=1 --grid cold_scale=0,1,1.5)
W=(--set "modality_weights={image: 0.1, audio: 0.9}")
run() { OPENBLAS_NUM_THREADS=1 "${G[@]}" "$@"; }
case "${1:-all}" in
  freedom|all) run --config configs/freedom.yaml "${W[@]}" --set dropout=0.8 --set mm_bpr_weight=0 --logs "$here/freedom" ;;&
  lattice|all) run --config configs/lattice.yaml --logs "$here/lattice" ;;&
  mgcn|all) run --config configs/mgcn.yaml --logs "$here/mgcn" ;;&
  mmgraph|all) run --config configs/mmgraph.yaml --logs "$here/mmgraph" ;;&
  *) ;;
esac
# The chosen point's seeds 1 and 2 again at cold_scale 0 (cold items as the model leaves them): the
# same trainings, so the cost of the lift to warm items is paired seed by seed.
paired() {  # config dir, config file, extra --set flags...
  local name=$1 config=$2; shift 2
  for seed in 1 2; do
    log="$here/$name/cold_scale-0_seed$seed.jsonl"
    [[ -f $log ]] && tail -1 "$log" | grep -q best_epoch && continue
    OPENBLAS_NUM_THREADS=1 "$MMGRAPH" train --data "$data" --config "$config" --log "$log" --device cpu \
      --set seed=$seed --set cold_scale=0 --set threads=1 "$@" > /dev/null 2>&1
  done
}
case "${1:-all}" in
  paired|all)
    paired lattice configs/lattice.yaml
    paired mgcn configs/mgcn.yaml
    paired mmgraph configs/mmgraph.yaml ;;
  *) ;;
esac
