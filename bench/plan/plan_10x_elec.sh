#!/usr/bin/env bash
# `mmgraph plan` of every shipped model on the 10x-Elec synthetic set (10M users, 2M items, 100M
# interactions, image 512 and text 384 features) for 1, 8 and 64 H100s (80 GiB): the per-process
# total and the devices the run needs, as a markdown table (the full outputs after it).
#   bench/plan/plan_10x_elec.sh [MMGRAPH_BINARY]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "${1:-$root/build-cpu/mmgraph}")
data="synthetic:users=10000000,items=2000000,interactions=100000000,image=512,text=384"
echo "| model | per process, 1 GPU | per process, 8 GPUs | per process, 64 GPUs | 80 GiB GPUs needed |"
echo "|---|---:|---:|---:|---:|"
full=""
for model in bprmf lightgcn vbpr freedom lattice mgcn mmgraph; do
  row="| $model"
  need=""
  for n in 1 8 64; do
    text=$("$bin" plan --config "$root/configs/$model.yaml" --data "$data" --devices "$n" --device-memory 80GiB)
    full+=$'\n'"\$ mmgraph plan --config configs/$model.yaml --data $data --devices $n --device-memory 80GiB"$'\n'"$text"$'\n'
    row+=" | $(awk '/^  total/ {print $4, $5}' <<<"$text")"
    need=$(sed -n 's/^devices of .* needed: \([0-9]*\).*/\1/p' <<<"$text")
  done
  echo "$row | $need |"
done
echo
echo '```text'"$full"'```'
