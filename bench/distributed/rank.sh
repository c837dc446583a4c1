#!/usr/bin/env bash
# One process of an mpirun job, measured: runs the command under /usr/bin/time (peak resident
# memory, seconds) into DIR/time-rankR.txt and samples the process's VmRSS and VmHWM from
# /proc once a second into DIR/rss-rankR.tsv (seconds since start, kB, kB). R is the rank
# mpirun gives the process.
#   rank.sh DIR COMMAND [ARGS...]
set -uo pipefail
dir=${1:?usage: rank.sh DIR COMMAND [ARGS...]}
shift
rank=${OMPI_COMM_WORLD_RANK:-0}
/usr/bin/time -f "maxrss_kb=%M elapsed_s=%e user_s=%U sys_s=%S" -o "$dir/time-rank$rank.txt" "$@" &
timer=$!
start=$(date +%s.%N)
samples="$dir/rss-rank$rank.tsv"
printf 'seconds\tvmrss_kb\tvmhwm_kb\n' >"$samples"
while kill -0 "$timer" 2>/dev/null; do
  child=$(cat "/proc/$timer/task/$timer/children" 2>/dev/null | awk '{print $1}')
  if [[ -n $child ]]; then
    now=$(date +%s.%N)
    awk -v t="$(echo "$now - $start" | bc)" '/^VmRSS:/ {rss = $2} /^VmHWM:/ {hwm = $2}
      END {if (rss != "") printf "%.1f\t%s\t%s\n", t, rss, hwm}' "/proc/$child/status" 2>/dev/null >>"$samples"
  fi
  sleep 1
done
wait "$timer"
