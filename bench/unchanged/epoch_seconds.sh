#!/usr/bin/env bash
# CPU seconds per training epoch of two binaries side by side, in one run: for each config,
# ROUNDS rounds of (A, B) alternated, each a short training run on TikTok (EPOCHS epochs, no
# evaluation but the last), and the per-epoch training seconds that the JSONL log records
# (train_seconds: steps only, no loading and no evaluation). Prints, per config and side, the
# median, min and max over all epochs of all rounds, and the ratio of the medians B/A.
#
#   bench/unchanged/epoch_seconds.sh OLD_BIN NEW_BIN [config ...]   (default: every configs/*.yaml)
set -euo pipefail
a=$(realpath "${1:?usage: epoch_seconds.sh BIN_A BIN_B [config ...]}")
b=$(realpath "${2:?usage: epoch_seconds.sh BIN_A BIN_B [config ...]}")
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${TIKTOK:-$root/../shared/datasets/tiktok}
rounds=${ROUNDS:-3}
epochs=${EPOCHS:-4}
configs=("$@")
if ((${#configs[@]} == 0)); then configs=("$root"/configs/*.yaml); fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for config in "${configs[@]}"; do
  name=$(basename "$config" .yaml)
  for ((r = 0; r < rounds; ++r)); do
    for side in A B; do
      bin=$a
      [[ $side == B ]] && bin=$b
      "$bin" train --data "$data" --config "$config" --device cpu --quiet --no-table \
        --set epochs="$epochs" --set eval_step="$epochs" --set threads=2 \
        --log "$tmp/$name-$side-$r.jsonl" >/dev/null 2>&1
    done
  done
  python3 - "$tmp" "$name" <<'PY'
import glob, json, statistics, sys
tmp, name = sys.argv[1], sys.argv[2]
med = {}
for side in "AB":
    secs = []
    for path in sorted(glob.glob(f"{tmp}/{name}-{side}-*.jsonl")):
        for line in open(path):
            rec = json.loads(line)
            if "train_seconds" in rec and "epoch" in rec:
                secs.append(rec["train_seconds"])
    med[side] = statistics.median(secs)
    print(f"{name:16s} {side}: {len(secs):3d} epochs, s/epoch median {med[side]:.3f} "
          f"min {min(secs):.3f} max {max(secs):.3f}")
print(f"{name:16s} B/A median ratio {med['B'] / med['A']:.3f}")
PY
done
