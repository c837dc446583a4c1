#!/usr/bin/env python3
"""The tables of bench/results/elec.md from the logs bench/elec/run_elec.sh writes. Standard library only.

    bench/elec/report.py [LOG_DIR]

Per model, one row for mmgraph and one for MMRec: epochs run, seconds per training epoch (each
side's own timer: the median over the epochs run; with one epoch, that epoch), seconds of the
validation pass (mmgraph: its eval_seconds, which also holds the test pass of an epoch where
validation improved; MMRec: its own timer around the validation pass alone), seconds before the
first training step (set-up: loading, graphs), peak resident memory, validation Recall@20 after the
first epoch (the one epoch both sides ran), and at the best validation epoch the validation and
test Recall@20. A MMRec run stopped by the time limit shows its progress
and the epoch time extrapolated from it (marked "extrapolated"); a failed one, MMRec's last words.
"""
import json
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "bench/results/logs/elec-2026-12-07"
MODELS = ("bprmf", "lightgcn", "vbpr", "freedom", "lattice", "mgcn", "mmgraph")
PEER_NAMES = {"bprmf": "BPR", "lightgcn": "LightGCN", "vbpr": "VBPR", "freedom": "FREEDOM", "lattice": "LATTICE",
              "mgcn": "MGCN"}


def fmt(x, digits=1):
    return "" if x is None else f"{x:,.{digits}f}"


def mmgraph_row(logs, model):
    log = logs / f"{model}.mmgraph.jsonl"
    if not log.exists():
        return None
    lines = [json.loads(s) for s in log.read_text().splitlines() if s.strip()]
    epochs = [j for j in lines if "train_seconds" in j]
    final = next((j for j in lines if "best_epoch" in j), None)
    timing = logs / f"{model}.mmgraph.time"
    peak = wall = None
    if timing.exists():
        m = re.search(r"peak RSS (\d+) KB, ([\d.]+) s wall", timing.read_text())
        if m:
            peak, wall = int(m.group(1)) / 1024, float(m.group(2))
    console = (logs / f"{model}.mmgraph.out").read_text(errors="replace") if (logs / f"{model}.mmgraph.out").exists() else ""
    loaded = re.search(r"loaded in ([\d.]+) s", console)
    setup = None
    if final and wall is not None:   # the run's wall time less its epochs: loading, graphs, set-up
        setup = wall - sum(j["train_seconds"] + j.get("eval_seconds", 0) for j in epochs)
    return {
        "side": "mmgraph", "epochs": len(epochs),
        "train_s": statistics.median(j["train_seconds"] for j in epochs) if epochs else None,
        "eval_s": statistics.median(j["eval_seconds"] for j in epochs) if epochs else None,
        "setup_s": setup, "load_s": float(loaded.group(1)) if loaded else None, "peak_mib": peak,
        "valid_r20_epoch1": epochs[0]["valid"]["Recall@20"] if epochs and "valid" in epochs[0] else None,
        "best_epoch": final["best_epoch"] if final else None,
        "valid_r20": final["best_valid"]["Recall@20"] if final else None,
        "test_r20": final["test"]["Recall@20"] if final else None,
        "status": "finished" if final else "did not finish",
    }


def mmrec_row(logs, model):
    path = logs / f"{model}.mmrec.json"
    if not path.exists() or not path.read_text().strip():
        return None
    s = json.loads(path.read_text())
    train = s.get("train_seconds") or []
    status = s.get("status", "finished")
    row = {
        "side": "MMRec", "epochs": len(train),
        "train_s": statistics.median(train) if train else None,
        "eval_s": s.get("valid_eval_seconds_mean"), "setup_s": s.get("first_step_after_seconds"),
        "peak_mib": s.get("peak_rss_mib"), "best_epoch": s.get("best_epoch"),
        "valid_r20_epoch1": (s.get("valid_recall@20_by_epoch") or [None])[0],
        "valid_r20": (s.get("valid") or {}).get("recall@20"), "test_r20": (s.get("test") or {}).get("recall@20"),
        "status": status,
    }
    if status != "finished":
        progress = s.get("last_progress")
        if progress:
            row["status"] += (f": epoch {progress['epoch'] + 1} at step {progress['steps_done']} of "
                              f"{progress['steps_per_epoch']} after {progress['epoch_seconds']:.0f} s")
        if not train and s.get("epoch_seconds_extrapolated"):
            row["train_s_extrapolated"] = s["epoch_seconds_extrapolated"]
        tail = [line for line in s.get("output_tail") or [] if line.strip()]
        errors = [line for line in tail if re.search(r"Error|error|Killed|memory", line)]
        if errors and not status.startswith("time limit"):
            row["status"] += ": " + errors[-1].strip()[:200]
    return row


def main(argv):
    logs = Path(argv[0]) if argv else DEFAULT
    print("| model | side | epochs | s / training epoch | s / validation | s before first step | peak RSS MiB "
          "| valid Recall@20 after epoch 1 | best epoch | valid Recall@20 | test Recall@20 | status |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for model in MODELS:
        for row in (mmgraph_row(logs, model), mmrec_row(logs, model)):
            if row is None:
                continue
            train = fmt(row["train_s"])
            if row.get("train_s_extrapolated"):
                train = f"{row['train_s_extrapolated']:,.0f} (extrapolated)"
            name = model if row["side"] == "mmgraph" else PEER_NAMES[model]
            print(f"| {name} | {row['side']} | {row['epochs']} | {train} | {fmt(row['eval_s'])} | {fmt(row['setup_s'])} "
                  f"| {fmt(row['peak_mib'], 0)} | {fmt(row['valid_r20_epoch1'], 4)} | {row['best_epoch'] or ''} "
                  f"| {fmt(row['valid_r20'], 4)} "
                  f"| {fmt(row['test_r20'], 4)} | {row['status']} |")


if __name__ == "__main__":
    main(sys.argv[1:])
