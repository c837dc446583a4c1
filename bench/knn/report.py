#!/usr/bin/env python3
"""The downstream table of bench/results/2026-12-07-knn-approximate.md from the logs that
bench/knn/run_downstream.sh writes (one folder per model and index). Standard library only.

    bench/knn/report.py [LOG_DIR]
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "bench/results/logs/knn-approximate-2026-12-07/downstream"


def main(argv):
    logs = Path(argv[0]) if argv else DEFAULT
    print("| model | kNN graph | epochs | best epoch (valid) | valid Recall@20 | test Recall@20 | test NDCG@20 | wall s | peak RSS MiB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for model in ("freedom", "lattice"):
        for index in ("exact", "ivf", "hnsw"):
            folder = logs / f"{model}-{index}"
            log = folder / "log.jsonl"
            if not log.exists():
                continue
            lines = [json.loads(s) for s in log.read_text().splitlines() if s.strip()]
            final = [j for j in lines if "best_epoch" in j]
            if not final:
                print(f"| {model} | {index} | (did not finish) | | | | | | |")
                continue
            epochs = [j for j in lines if "epoch" in j]
            f = final[0]
            time = re.search(r"peak RSS (\d+) KB, ([\d.]+) s wall", (folder / "console.txt").read_text())
            print(f"| {model} | {index} | {len(epochs)} | {f['best_epoch']} | {f['best_valid']['Recall@20']:.4f} | "
                  f"{f['test']['Recall@20']:.4f} | {f['test']['NDCG@20']:.4f} | {float(time.group(2)):.0f} | "
                  f"{int(time.group(1)) / 1024:.0f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
