#!/usr/bin/env python3
"""Markdown tables from run_grid.py's JSON lines (and optional MMRec peer JSON files).

  bench/tiktok/report.py runs/tiktok-runs.jsonl [--peer LightGCN=peer.json ...]
"""
import argparse
import json
import os


def cell(result, key, digits=4):
    s = result.get(key)
    if not s:
        return "-"
    return f"{s['mean']:.{digits}f} ± {s['std']:.{digits}f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs")
    p.add_argument("--peer", action="append", default=[], help="MODEL=mmrec_peer.json (repeatable)")
    args = p.parse_args()
    with open(args.runs) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    print("| config | chosen on validation | valid R@20 | test R@20 | test N@20 | cold test R@20 | s/epoch | best epochs |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        name = os.path.splitext(os.path.basename(r["config"]))[0]
        chosen = ", ".join(r["chosen"]) or "defaults"
        print(f"| {name} | {chosen} | {cell(r, 'valid/Recall@20')} | {cell(r, 'test/Recall@20')} | "
              f"{cell(r, 'test/NDCG@20')} | {cell(r, 'test_cold/Recall@20')} | {r['seconds_per_epoch']:.2f} | "
              f"{', '.join(str(e) for e in r['best_epochs'])} |")
    print()
    print("Grid (validation Recall@20 of seed 0):")
    print()
    for r in rows:
        name = os.path.splitext(os.path.basename(r["config"]))[0]
        points = "; ".join(f"{', '.join(s['sets']) or 'defaults'}: {s['valid_recall20']:.4f}" for s in r["selection"])
        print(f"- {name} (fixed: {', '.join(r['fixed']) or 'none'}): {points}")
    for spec in args.peer:
        model, _, path = spec.partition("=")
        with open(path) as f:
            j = json.load(f)
        t = j.get("test", {})
        sec = j.get("train_seconds_mean", j.get("seconds_per_epoch"))
        print(f"\nMMRec {model}: test Recall@20 {t.get('Recall@20')}, NDCG@20 {t.get('NDCG@20')}, "
              f"{sec} s/epoch, best epoch {j.get('best_epoch')}")


if __name__ == "__main__":
    main()
