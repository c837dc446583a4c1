#!/usr/bin/env bash
# Copies what the GPU scripts read into data/ (git-ignored), to be named in the
# device run's `carry` (../shared does not travel): the Amazon Baby and TikTok
# splits and an MMRec checkout's src/ for the peer (never committed).
#   bench/stage_gpu_data.sh [datasets dir] [MMRec checkout]
set -euo pipefail
cd "$(dirname "$0")/.."
datasets=${1:-../shared/datasets}
mmrec=${2:-/work/mmrec}
mkdir -p data
cp -r "$datasets/amazon-baby" data/
cp -r "$datasets/tiktok" data/
if [ -d "$mmrec/src" ]; then
  mkdir -p data/mmrec
  cp -r "$mmrec/src" data/mmrec/
fi
du -sh data/*
