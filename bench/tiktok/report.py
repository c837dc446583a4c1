#!/usr/bin/env python3
"""Markdown table of TikTok runs from the JSONL logs that run_grid.py (or
`mmgraph train --log`) writes: runs/logs/<config>/<point>_seed<k>.jsonl.

For each config: the grid point with the best validation Recall@20 at seed 0
(test never used), and over every finished seed of that point the mean and
standard deviation of validation / test / cold-test metrics at each run's best
validation epoch, and the mean training seconds per epoch.

  bench/tiktok/report.py runs/logs
"""
import json
import os
import re
import statistics
import sys


def load(path):
    with open(path) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    if not lines or "best_epoch" not in lines[-1]:
        return None  # unfinished
    final = lines[-1]
    epochs = [r for r in lines if "epoch" in r]
    return {"valid": final["best_valid"], "test": final["test"], "cold": final.get("test_cold", {}),
            "best_epoch": final["best_epoch"], "epochs": len(epochs),
            "sec": statistics.mean(r["train_seconds"] for r in epochs)}


def fmt(values, digits=4):
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "runs/logs"
    print("| config | chosen on validation | seeds | valid R@20 | test R@20 | test N@20 | cold test R@20 "
          "| s/epoch | best epochs |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    grids = []
    for config in sorted(os.listdir(root)):
        runs = {}
        for name in sorted(os.listdir(os.path.join(root, config))):
            m = re.match(r"(.*)_seed(\d+)\.jsonl$", name)
            r = load(os.path.join(root, config, name)) if m else None
            if r:
                runs.setdefault(m.group(1), {})[int(m.group(2))] = r
        points = {p: s[0] for p, s in runs.items() if 0 in s}
        if not points:
            continue
        best = max(points, key=lambda p: points[p]["valid"]["Recall@20"])
        grids.append(f"- {config}: " + "; ".join(f"{p}: {points[p]['valid']['Recall@20']:.4f}" for p in sorted(points)))
        seeds = runs[best]
        rs = [seeds[k] for k in sorted(seeds)]
        print(f"| {config} | {best} "
              f"| {', '.join(str(k) for k in sorted(seeds))} "
              f"| {fmt([r['valid']['Recall@20'] for r in rs])} | {fmt([r['test']['Recall@20'] for r in rs])} "
              f"| {fmt([r['test']['NDCG@20'] for r in rs])} "
              f"| {fmt([r['cold']['Recall@20'] for r in rs if r['cold']])} "
              f"| {statistics.mean(r['sec'] for r in rs):.2f} | {', '.join(str(r['best_epoch']) for r in rs)} |")
    print("\nValidation Recall@20 of every grid point (seed 0):\n")
    print("\n".join(grids))


if __name__ == "__main__":
    main()
