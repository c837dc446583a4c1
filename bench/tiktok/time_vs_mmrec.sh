#!/usr/bin/env bash
# Seconds per training epoch of mmgraph and of MMRec's own code for the same models on
# TikTok, back to back on this machine (run it on an otherwise idle machine).
#   bench/tiktok/time_vs_mmrec.sh [MODEL ...]      MODEL: lightgcn freedom lattice mgcn vbpr (default: all)
# Environment: MMGRAPH (binary, default build/mmgraph), DATA (default ../shared/datasets/tiktok),
#   MMREC (MMRec checkout, default /work/mmrec), PYTHON (interpreter with torch, default
#   /work/venv-peer/bin/python), THREADS (both sides, default 2), EPOCHS (default 7: 6 timed after the
#   first; LATTICE 6),
#   DEVICE (both sides: cpu or cuda, default cpu), TIMEOUT (seconds per run, default 0: none),
#   OUT (directory for the logs, default runs/timing).
# Output: one line per model: each side's median seconds per training epoch over epochs 2.. (each
#   side's own training timer; the first includes torch's and the caches' warm-up), their min-max,
#   and the ratio of the medians MMRec / mmgraph; and OUT/<model>.json with every epoch's seconds,
#   the BLAS each side used (MMRec: what its torch loaded and the kernels OpenBLAS chose; mmgraph:
#   `mmgraph --version`), for bench/compare/report.py. A run that fails is reported and the next
#   model goes on; the exit status is then 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
MMGRAPH=${MMGRAPH:-build/mmgraph}
DATA=${DATA:-../shared/datasets/tiktok}
MMREC=${MMREC:-/work/mmrec}
PYTHON=${PYTHON:-/work/venv-peer/bin/python}
THREADS=${THREADS:-2}
EPOCHS=${EPOCHS:-7}
DEVICE=${DEVICE:-cpu}
TIMEOUT=${TIMEOUT:-0}
OUT=${OUT:-runs/timing}
mkdir -p "$OUT"
models=("$@")
((${#models[@]})) || models=(lightgcn freedom lattice mgcn vbpr)

# Per model: our config and --set flags, MMRec's class and --set flags (the same settings).
set_args() {
  case $1 in
    lightgcn) ours=(configs/lightgcn.yaml --set n_layers=1 --set reg_weight=1e-2); peer=(LightGCN) ;;
    freedom) ours=(configs/freedom.yaml --set mm_bpr_weight=0 --set dropout=0.8 --set "modality_weights={image: 0.1, audio: 0.9}")
             peer=(FREEDOM) ;;
    lattice) ours=(configs/lattice.yaml); peer=(LATTICE --set learning_rate=0.001) ;;
    mgcn) ours=(configs/mgcn.yaml); peer=(MGCN) ;;
    vbpr) ours=(configs/vbpr.yaml); peer=(VBPR) ;;
    *) echo "unknown model $1" >&2; exit 2 ;;
  esac
}

printf '%-9s %10s %15s %10s %15s %7s  (%s)\n' model mmgraph_s min-max mmrec_s min-max ratio "$DEVICE"
status=0
for m in "${models[@]}"; do
  epochs=$EPOCHS
  [[ $m == lattice ]] && epochs=$((EPOCHS < 6 ? EPOCHS : 6))
  set_args "$m"
  OPENBLAS_NUM_THREADS=$THREADS timeout "$TIMEOUT" "$MMGRAPH" train --device "$DEVICE" --data "$DATA" \
    --config "${ours[@]}" --set epochs="$epochs" --set eval_step=1000 --set threads="$THREADS" \
    --log "$OUT/$m.mmgraph.jsonl" --no-table >"$OUT/$m.mmgraph.out" 2>&1 ||
    { echo "mmgraph's $m failed:" >&2; tail -5 "$OUT/$m.mmgraph.out" >&2; status=1; continue; }
  timeout "$TIMEOUT" "$PYTHON" bench/peers/mmrec_peer.py --mmrec "$MMREC" --data "$DATA" --model "${peer[@]}" \
    --epochs "$epochs" --threads "$THREADS" --device "$DEVICE" >"$OUT/$m.mmrec.json" 2>"$OUT/$m.mmrec.err" ||
    { echo "MMRec's $m failed:" >&2; tail -5 "$OUT/$m.mmrec.err" >&2; status=1; continue; }
  "$PYTHON" - "$m" "$OUT/$m.mmgraph.jsonl" "$OUT/$m.mmrec.json" "$OUT/$m.json" "$THREADS" "$DEVICE" \
    "$("$MMGRAPH" --version 2>&1 | tr '\n' ' ')" <<'EOF' || status=1
import json, statistics, sys
model, ours_log, peer_json, out, threads, device, version = sys.argv[1:]
ours = [e["train_seconds"] for e in map(json.loads, open(ours_log)) if "train_seconds" in e][1:]
peer = json.load(open(peer_json))
theirs = peer["train_seconds"][1:]
json.dump({"model": model, "device": device, "threads": int(threads), "mmgraph_version": version.strip(),
           "mmgraph_seconds": ours, "mmrec_seconds": theirs, "mmrec_blas": peer.get("blas"),
           "mmrec_settings": peer["hyper_parameters"]}, open(out, "w"), indent=1)
mo, mp = statistics.median(ours), statistics.median(theirs)
print(f"{model:<9} {mo:10.3f} ({min(ours):.3f}-{max(ours):.3f}) {mp:10.3f} ({min(theirs):.3f}-{max(theirs):.3f}) "
      f"{mp / mo:6.1f}x")
EOF
done
exit $status
