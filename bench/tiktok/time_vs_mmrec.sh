#!/usr/bin/env bash
# Seconds per training epoch of mmgraph and of MMRec's own code for the same models on
# TikTok, back to back on this machine (run it on an otherwise idle machine).
#   bench/tiktok/time_vs_mmrec.sh [MODEL ...]      MODEL: lightgcn freedom lattice mgcn vbpr (default: all)
# Environment: MMGRAPH (binary, default build/mmgraph), DATA (default ../shared/datasets/tiktok),
#   MMREC (MMRec checkout, default /work/mmrec), PYTHON (interpreter with torch, default
#   /work/venv-peer/bin/python), THREADS (both sides, default 2), EPOCHS (default 6; MGCN and LATTICE 3),
#   DEVICE (both sides: cpu or cuda, default cpu), TIMEOUT (seconds per run, default 0: none),
#   OUT (directory for the logs, default runs/timing).
# Output: one line per model: mmgraph's mean seconds per epoch over epochs 2.. (each side's own
#   training timer), MMRec's mean over all epochs and over epochs 2.. (its first includes torch's
#   warm-up), and the two ratios MMRec / mmgraph. A run that fails is reported and the next model
#   goes on; the exit status is then 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
MMGRAPH=${MMGRAPH:-build/mmgraph}
DATA=${DATA:-../shared/datasets/tiktok}
MMREC=${MMREC:-/work/mmrec}
PYTHON=${PYTHON:-/work/venv-peer/bin/python}
THREADS=${THREADS:-2}
EPOCHS=${EPOCHS:-6}
DEVICE=${DEVICE:-cpu}
TIMEOUT=${TIMEOUT:-0}
OUT=${OUT:-runs/timing}
mkdir -p "$OUT"
models=("$@")
((${#models[@]})) || models=(lightgcn freedom lattice mgcn vbpr)

# Per model: our config and --set flags, MMRec's class and --set flags (the same settings).
set_args() {
  case $1 in
    lightgcn) ours=(configs/lightgcn.yaml); peer=(LightGCN --set n_layers=3 --set reg_weight=1e-4) ;;
    freedom) ours=(configs/freedom.yaml --set mm_bpr_weight=0 --set "modality_weights={image: 0.1, audio: 0.9}")
             peer=(FREEDOM) ;;
    lattice) ours=(configs/lattice.yaml); peer=(LATTICE --set learning_rate=0.001) ;;
    mgcn) ours=(configs/mgcn.yaml); peer=(MGCN) ;;
    vbpr) ours=(configs/vbpr.yaml); peer=(VBPR) ;;
    *) echo "unknown model $1" >&2; exit 2 ;;
  esac
}

printf '%-9s %10s %10s %14s %7s %7s  (%s)\n' model mmgraph_s mmrec_s mmrec_after1_s ratio ratio1 "$DEVICE"
status=0
for m in "${models[@]}"; do
  epochs=$EPOCHS
  [[ $m == mgcn || $m == lattice ]] && epochs=3
  set_args "$m"
  OPENBLAS_NUM_THREADS=$THREADS timeout "$TIMEOUT" "$MMGRAPH" train --device "$DEVICE" --data "$DATA" \
    --config "${ours[@]}" --set epochs="$epochs" --set eval_step=1000 --set threads="$THREADS" \
    --log "$OUT/$m.mmgraph.jsonl" --no-table >"$OUT/$m.mmgraph.out" 2>&1 ||
    { echo "mmgraph's $m failed:" >&2; tail -5 "$OUT/$m.mmgraph.out" >&2; status=1; continue; }
  timeout "$TIMEOUT" "$PYTHON" bench/peers/mmrec_peer.py --mmrec "$MMREC" --data "$DATA" --model "${peer[@]}" \
    --epochs "$epochs" --threads "$THREADS" --device "$DEVICE" >"$OUT/$m.mmrec.json" 2>"$OUT/$m.mmrec.err" ||
    { echo "MMRec's $m failed:" >&2; tail -5 "$OUT/$m.mmrec.err" >&2; status=1; continue; }
  "$PYTHON" - "$m" "$OUT/$m.mmgraph.jsonl" "$OUT/$m.mmrec.json" <<'EOF' || status=1
import json, sys
model, ours_log, peer_json = sys.argv[1:]
epochs = [json.loads(l) for l in open(ours_log)]
secs = [e["train_seconds"] for e in epochs if "train_seconds" in e]
ours = sum(secs[1:]) / len(secs[1:])
peer = json.load(open(peer_json))
p, p1 = peer["train_seconds_mean"], peer["train_seconds_mean_after_first"]
print(f"{model:<9} {ours:10.3f} {p:10.3f} {p1:14.3f} {p / ours:6.1f}x {p1 / ours:6.1f}x")
EOF
done
exit $status
