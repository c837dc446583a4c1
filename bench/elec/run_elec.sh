#!/usr/bin/env bash
# Every model on the Elec-like synthetic set (192,403 users, 63,001 items, 1,689,188 interactions;
# image 4,096-d and text 384-d), mmgraph on its CPU backend and MMRec's own code (bench/peers/
# mmrec_peer.py) on the same prepared set, one model after the other on this machine, each side
# with the same settings (those of bench/tiktok/time_vs_mmrec.sh; MMRec's defaults otherwise):
#   bench/elec/run_elec.sh [MODEL ...]   MODEL: bprmf lightgcn vbpr freedom lattice mgcn mmgraph (default all)
# Environment: MMGRAPH (default build-cpu/mmgraph), DATA (a prepared set, default /work/elec-prepared;
#   prepared from SPEC when it has no manifest.json), OUT (default bench/results/logs/elec-2026-12-07),
#   EPOCHS (mmgraph, default 2, validation every epoch), PEER_EPOCHS (MMRec, default 1),
#   PEER_TIME_LIMIT (seconds per MMRec run, default 900), PEER_MEMORY_LIMIT (GiB of address space for
#   MMRec, default 20), THREADS (both sides, default 2), MMREC (default /work/mmrec), PYTHON (default
#   /work/venv-peer/bin/python), SIDES (both, mmgraph or mmrec; default both).
# Per model in OUT: <m>.mmgraph.{jsonl,out,time} (the log, the console, /usr/bin/time's peak RSS and
#   wall) and <m>.mmrec.{json,err,log} (mmrec_peer's summary, or its failure with MMRec's last lines).
#   bench/elec/report.py OUT prints the table of bench/results/elec.md.
set -uo pipefail
cd "$(dirname "$0")/../.."
MMGRAPH=${MMGRAPH:-build-cpu/mmgraph}
SPEC=synthetic:users=192403,items=63001,interactions=1689188,image=4096,text=384
DATA=${DATA:-/work/elec-prepared}
OUT=${OUT:-bench/results/logs/elec-2026-12-07}
EPOCHS=${EPOCHS:-2}
PEER_EPOCHS=${PEER_EPOCHS:-1}
PEER_TIME_LIMIT=${PEER_TIME_LIMIT:-900}
PEER_MEMORY_LIMIT=${PEER_MEMORY_LIMIT:-20}
THREADS=${THREADS:-2}
MMREC=${MMREC:-/work/mmrec}
PYTHON=${PYTHON:-/work/venv-peer/bin/python}
SIDES=${SIDES:-both}
mkdir -p "$OUT"
if [[ ! -f $DATA/manifest.json ]]; then
  /usr/bin/time -f "peak RSS %M KB, %e s wall" "$MMGRAPH" prepare --data "$SPEC" --out "$DATA" || exit 1
fi
models=("$@")
((${#models[@]})) || models=(bprmf lightgcn vbpr freedom lattice mgcn mmgraph)

# Per model: our --set flags and MMRec's class and --set flags (the same settings; see
# bench/tiktok/time_vs_mmrec.sh). FREEDOM weighs image 0.1 and text 0.9 as MMRec's does. (MMRec's BPR
# and VBPR take the reg_weight 2.0 their grids list first: a timing setting, not a tuned one.)
set_args() {
  case $1 in
    bprmf) ours=(); peer=(BPR) ;;
    lightgcn) ours=(--set n_layers=1 --set reg_weight=1e-2); peer=(LightGCN) ;;
    vbpr) ours=(); peer=(VBPR) ;;
    freedom) ours=(--set mm_bpr_weight=0 --set dropout=0.8 --set "modality_weights={image: 0.1, text: 0.9}")
             peer=(FREEDOM) ;;
    lattice) ours=(); peer=(LATTICE --set learning_rate=0.001) ;;
    mgcn) ours=(); peer=(MGCN) ;;
    mmgraph) ours=(); peer=() ;;
    *) echo "run_elec.sh: unknown model $1" >&2; exit 2 ;;
  esac
}

machine() {
  echo "$(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg) checkout $(git rev-parse --short HEAD)," \
       "binary of $(stat -c %y "$MMGRAPH" | cut -d. -f1)"
}
status=0
for m in "${models[@]}"; do
  set_args "$m"
  if [[ $SIDES != mmrec ]]; then
    echo "$m mmgraph start $(machine)" | tee -a "$OUT/machine.txt"
    cmd=("$MMGRAPH" train --device cpu --data "$DATA" --config "configs/$m.yaml" "${ours[@]}" --set epochs="$EPOCHS"
         --set eval_step=1 --set threads="$THREADS" --log "$OUT/$m.mmgraph.jsonl" --no-table)
    echo "${cmd[*]}" >"$OUT/$m.mmgraph.command"
    rm -f "$OUT/$m.mmgraph.jsonl"
    OPENBLAS_NUM_THREADS=$THREADS /usr/bin/time -o "$OUT/$m.mmgraph.time" -f "peak RSS %M KB, %e s wall" \
      "${cmd[@]}" >"$OUT/$m.mmgraph.out" 2>&1 || { echo "mmgraph's $m failed" >&2; status=1; }
    echo "$m mmgraph end $(machine)" | tee -a "$OUT/machine.txt"
  fi
  [[ $SIDES != mmgraph ]] && ((${#peer[@]})) || continue
  cmd=("$PYTHON" bench/peers/mmrec_peer.py --mmrec "$MMREC" --data "$DATA" --name elec --model "${peer[@]}"
       --epochs "$PEER_EPOCHS" --threads "$THREADS" --device cpu --time-limit "$PEER_TIME_LIMIT"
       --memory-limit "$PEER_MEMORY_LIMIT" --log-copy "$OUT/$m.mmrec.log")
  echo "${cmd[*]}" >"$OUT/$m.mmrec.command"
  "${cmd[@]}" >"$OUT/$m.mmrec.json" 2>"$OUT/$m.mmrec.err" || echo "MMRec's $m did not finish (see $OUT/$m.mmrec.json)" >&2
  echo "$m mmrec end $(machine)" | tee -a "$OUT/machine.txt"
done
exit $status
