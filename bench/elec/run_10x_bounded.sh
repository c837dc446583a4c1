#!/usr/bin/env bash
# A bounded BPR-MF run on the 10x-Elec set (10M users, 2M items, 100M interactions), the largest run
# `mmgraph plan` says fits this machine (23 GiB; eval_batch_size 256 keeps the score block at 2 GiB):
# EPOCH_STEPS steps of one epoch (default 20), then validation and test on EVAL_USERS sampled users
# (default 2000). The log gives seconds per step, the epoch's full step count and the peak memory;
# the epoch's time is extrapolated from them (bench/results/elec.md).
#   bench/elec/run_10x_bounded.sh PREPARED_DIR [OUT_DIR]
# PREPARED_DIR: `mmgraph prepare --data synthetic:users=10000000,items=2000000,interactions=100000000,
# image=512,text=384 --out PREPARED_DIR` (32 min on this machine's loaded cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:?usage: run_10x_bounded.sh PREPARED_DIR [OUT_DIR]}
out=${2:-bench/results/logs/tenx-elec-2026-12-07}
MMGRAPH=${MMGRAPH:-build-cpu/mmgraph}
mkdir -p "$out"
set_args=(--set epochs=1 --set epoch_steps="${EPOCH_STEPS:-20}" --set eval_users="${EVAL_USERS:-2000}"
          --set eval_batch_size=256 --set threads=2)
"$MMGRAPH" plan --config configs/bprmf.yaml --data "$data" "${set_args[@]}" --device-memory 20GiB >"$out/plan.txt"
echo "start $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" >"$out/machine.txt"
cmd=("$MMGRAPH" train --device cpu --data "$data" --config configs/bprmf.yaml "${set_args[@]}"
     --log "$out/bprmf.jsonl" --no-table)
echo "${cmd[*]}" >"$out/command.txt"
/usr/bin/time -o "$out/time.txt" -f "peak RSS %M KB, %e s wall" "${cmd[@]}" >"$out/console.txt" 2>&1
echo "end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
