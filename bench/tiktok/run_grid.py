#!/usr/bin/env python3
"""Hyper-parameter selection on validation, then seeds, for one mmgraph config.

For every point of the grid (each --grid key=v1,v2,... multiplies it), trains
`mmgraph train` with seed 0 and records the best validation Recall@20; the
point with the highest validation score is then trained with --seeds seeds,
and the mean and standard deviation of the test metrics (all held-out items,
and cold items when the split has them) at each run's best validation epoch
(and, when the split has cold items, warm items, cold items and cold items ranked among
cold items only) are printed as JSON and appended to --out (one JSON line per config). Test
metrics are never used for selection. With --logs, a run whose log is already
complete is not repeated (resume after an interruption).

  bench/tiktok/run_grid.py --mmgraph build/mmgraph --data ../shared/datasets/tiktok \
      --config configs/freedom.yaml --grid dropout=0.8,0.9 --grid mm_bpr_weight=0,1e-4,1e-3 \
      --seeds 3 --out bench/results/tiktok-runs.jsonl
"""
import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile


def train(args, sets, seed, log_dir):
    name = "_".join(s.replace("=", "-") for s in sets) or "default"
    log = os.path.join(log_dir, f"{name}_seed{seed}.jsonl")
    cmd = [args.mmgraph, "train", "--data", args.data, "--config", args.config, "--log", log,
           "--device", args.device, "--set", f"seed={seed}"]
    for s in sets + args.set:
        cmd += ["--set", s]
    lines = []
    if os.path.exists(log):  # a finished run of the same point and seed is reused (resume)
        with open(log) as f:
            lines = [json.loads(line) for line in f]
    if not lines or "best_epoch" not in lines[-1]:
        print("$", " ".join(cmd), file=sys.stderr, flush=True)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(log) as f:
            lines = [json.loads(line) for line in f]
    epochs = [r for r in lines if "epoch" in r]
    final = lines[-1]
    return {
        "sets": sets, "seed": seed, "best_epoch": final["best_epoch"],
        "valid": final["best_valid"], "test": final["test"], "test_warm": final.get("test_warm", {}),
        "test_cold": final.get("test_cold", {}), "test_cold_among_cold": final.get("test_cold_among_cold", {}),
        "seconds_per_epoch": statistics.mean(r["train_seconds"] for r in epochs),
        "epochs": len(epochs), "seconds": final["seconds"],
    }


def summary(runs, split, metric):
    values = [r[split][metric] for r in runs if r[split]]
    if not values:
        return None
    return {"mean": statistics.mean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mmgraph", default="build/mmgraph")
    p.add_argument("--data", required=True)
    p.add_argument("--config", required=True)
    p.add_argument("--device", default="cpu")
    p.add_argument("--grid", action="append", default=[], help="key=v1,v2,... (repeatable)")
    p.add_argument("--set", action="append", default=[], help="fixed key=value for every run")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--out", required=True)
    p.add_argument("--logs", default=None, help="folder for the JSONL logs (default: a temporary one)")
    args = p.parse_args()
    for path in (args.mmgraph, args.config):
        if not os.path.exists(path):
            sys.exit(f"run_grid.py: {path}: no such file")
    log_dir = args.logs or tempfile.mkdtemp(prefix="mmgraph_grid_")
    os.makedirs(log_dir, exist_ok=True)

    axes = []
    for g in args.grid:
        key, _, values = g.partition("=")
        if not values:
            sys.exit(f"run_grid.py: --grid {g}: expected key=v1,v2,...")
        axes.append([f"{key}={v}" for v in values.split(",")])
    grid = [list(point) for point in itertools.product(*axes)] if axes else [[]]

    selection = []
    for sets in grid:
        r = train(args, sets, 0, log_dir)
        selection.append(r)
        print(f"  {sets or 'defaults'}: valid Recall@20 {r['valid']['Recall@20']:.4f} "
              f"(epoch {r['best_epoch']}, {r['seconds_per_epoch']:.3f} s/epoch)", file=sys.stderr, flush=True)
    best = max(selection, key=lambda r: r["valid"]["Recall@20"])
    runs = [best] + [train(args, best["sets"], seed, log_dir) for seed in range(1, args.seeds)]

    result = {
        "config": args.config, "data": args.data, "device": args.device, "fixed": args.set,
        "grid": {g.partition("=")[0]: g.partition("=")[2].split(",") for g in args.grid},
        "selection": [{"sets": r["sets"], "valid_recall20": r["valid"]["Recall@20"], "best_epoch": r["best_epoch"]}
                      for r in selection],
        "chosen": best["sets"], "seeds": [r["seed"] for r in runs],
        "seconds_per_epoch": statistics.mean(r["seconds_per_epoch"] for r in runs),
        "best_epochs": [r["best_epoch"] for r in runs],
    }
    for split in ("valid", "test", "test_warm", "test_cold", "test_cold_among_cold"):
        for metric in ("Recall@20", "NDCG@20", "Recall@10", "NDCG@10", "Recall@50", "NDCG@50"):
            s = summary(runs, split, metric)
            if s:
                result[f"{split}/{metric}"] = s
    print(json.dumps(result, indent=1))
    with open(args.out, "a") as f:
        f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
