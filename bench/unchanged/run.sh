#!/usr/bin/env bash
# The "results unchanged" check of a refactor: trains every config of configs/ (and the
# objectives and storage variants that take other code paths) for a few epochs on TikTok with
# one binary, on the CPU with fixed threads, and writes one digest line per output: the JSONL
# log and every checkpoint file without their wall-clock seconds (digest.py), and `recommend`'s
# output for all users. Two binaries give results that are identical to the last bit exactly
# when their digests are equal:
#
#   bench/unchanged/run.sh OLD_BIN out-old && bench/unchanged/run.sh NEW_BIN out-new
#   diff out-old/digest.txt out-new/digest.txt     # no output: unchanged
#
# CPU results depend on the instruction set the binary was compiled for and on the thread
# count; compare binaries built alike, on one machine. EPOCHS (default 3) sets the length.
set -euo pipefail
bin=$(realpath "${1:?usage: run.sh MMGRAPH_BINARY OUT_DIR}")
out=${2:?usage: run.sh MMGRAPH_BINARY OUT_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${TIKTOK:-$root/../shared/datasets/tiktok}
epochs=${EPOCHS:-3}
if [[ ! -d $data ]]; then
  echo "run.sh: no TikTok data set at $data (set TIKTOK=...)" >&2
  exit 2
fi
mkdir -p "$out"
: >"$out/digest.txt"

# name config [--set key=value ...]
runs=()
for c in "$root"/configs/*.yaml; do runs+=("$(basename "$c" .yaml)|$c|"); done
runs+=("lightgcn-bce|$root/configs/lightgcn.yaml|loss=bce"
       "lightgcn-mse|$root/configs/lightgcn.yaml|loss=mse"
       "lightgcn-warp|$root/configs/lightgcn.yaml|loss=warp"
       "mgcn-bf16|$root/configs/mgcn.yaml|feature_storage=bf16 learn_features=false"
       "vbpr-warp|$root/configs/vbpr.yaml|loss=warp")

for run in "${runs[@]}"; do
  IFS='|' read -r name config sets <<<"$run"
  args=(--set epochs="$epochs" --set eval_step=1 --set stopping_step=100 --set threads=2
        --set checkpoint_every=1)
  for s in $sets; do args+=(--set "$s"); done
  dir="$out/$name"
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "== $name" >&2
  "$bin" train --data "$data" --config "$config" --device cpu "${args[@]}" --quiet --no-table \
    --log "$dir/log.jsonl" --checkpoint-dir "$dir/ckpt" --keep-checkpoints 100 >"$dir/stdout.txt"
  "$bin" recommend --checkpoint "$dir/ckpt/best.safetensors" --users all -k 20 --device cpu \
    >"$dir/recommend.csv"
  {
    echo "[$name] log $(python3 "$root/bench/unchanged/digest.py" "$dir/log.jsonl")"
    (cd "$dir/ckpt" && for f in $(ls | sort); do
       [[ -f $f ]] && echo "[$name] $f $(python3 "$root/bench/unchanged/digest.py" "$f")"
     done)
    echo "[$name] recommend $(sha256sum <"$dir/recommend.csv" | cut -c1-16)"
  } >>"$out/digest.txt"
done
echo "run.sh: $(wc -l <"$out/digest.txt") digest lines in $out/digest.txt" >&2
