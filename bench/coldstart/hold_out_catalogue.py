#!/usr/bin/env python3
"""Turn a fraction of a split's items into catalogue items that nobody consumed.

A data set whose only items without training interactions are held-out positives (TikTok:
465 items, every one of them some validation or test user's item) rewards a model for lifting
every such item at evaluation. Real catalogues also hold new items that nobody will consume.
This script picks a seeded uniform random fraction of the items and removes every interaction
with them from train, validation and test; their feature rows stay, so they remain in the
catalogue (mmgraph counts items up to the feature files' rows). The cold items of the new split
are then the held-out-only items of the original split plus the removed ones, and the new-item
protocol (cold items ranked among cold items) and the all-items protocol both see items that
nobody wants.

Usage (repository root):
  bench/coldstart/hold_out_catalogue.py --data ../shared/datasets/tiktok --fraction 0.1 --seed 7 \\
      --out data/tiktok-unconsumed
Writes train.json / val.json / test.json (users left without any item in a split are omitted
from that split), links the *_feat.npy files, and `held_out_catalogue.json` with the removed ids
and the counts. Exit status 2 on a usage or input error.
"""
import argparse
import glob
import json
import os
import random
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="directory with train.json, val.json, test.json and *_feat.npy")
    ap.add_argument("--fraction", type=float, default=0.1, help="fraction of the items removed (default 0.1)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if not 0 < args.fraction < 1:
        print(f"hold_out_catalogue: error: --fraction {args.fraction} is not in (0, 1)", file=sys.stderr)
        return 2
    splits = {}
    for name in ("train.json", "val.json", "test.json"):
        path = os.path.join(args.data, name)
        try:
            with open(path) as f:
                splits[name] = {u: list(items) for u, items in json.load(f).items()}
        except (OSError, ValueError) as e:
            print(f"hold_out_catalogue: error: {path}: {e}", file=sys.stderr)
            return 2
    features = sorted(glob.glob(os.path.join(args.data, "*_feat.npy")))
    if not features:
        print(f"hold_out_catalogue: error: {args.data} has no *_feat.npy: removed items would leave the catalogue",
              file=sys.stderr)
        return 2
    n_items = 1 + max(i for s in splits.values() for items in s.values() for i in items)
    removed = sorted(random.Random(args.seed).sample(range(n_items), round(args.fraction * n_items)))
    gone = set(removed)
    os.makedirs(args.out, exist_ok=True)
    counts = {}
    for name, split in splits.items():
        kept = {u: [i for i in items if i not in gone] for u, items in split.items()}
        kept = {u: items for u, items in kept.items() if items}
        before = sum(len(v) for v in split.values())
        after = sum(len(v) for v in kept.values())
        counts[name] = {"interactions_before": before, "interactions_after": after,
                        "users_before": len(split), "users_after": len(kept)}
        with open(os.path.join(args.out, name), "w") as f:
            json.dump(kept, f)
    for path in features:
        link = os.path.join(args.out, os.path.basename(path))
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(os.path.abspath(path), link)
    train_items = {i for items in splits["train.json"].values() for i in items} - gone
    summary = {"source": os.path.abspath(args.data), "fraction": args.fraction, "seed": args.seed,
               "items": n_items, "removed": len(removed), "cold_items_after": n_items - len(train_items),
               "splits": counts, "removed_ids": removed}
    with open(os.path.join(args.out, "held_out_catalogue.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps({k: v for k, v in summary.items() if k != "removed_ids"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
