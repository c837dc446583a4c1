#!/usr/bin/env python3
"""The tables of bench/results/distributed.md, recomputed from the logs that
bench/distributed/run.sh writes (one folder per model and process count), the partition
report's halo rows (logs/partition-2026-12-07/report.md) and the Elec-like set's training
degrees (degrees.tsv, written by `report.py --degrees PREPARED_DIR` from a `mmgraph prepare`
folder). Standard library only.

    bench/distributed/report.py [LOG_DIR]
    bench/distributed/report.py --degrees PREPARED_DIR [LOG_DIR]
"""
import array
import collections
import json
import math
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LOGS = ROOT / "bench/results/logs/distributed-2026-12-07"
PARTITION_REPORT = ROOT / "bench/results/logs/partition-2026-12-07/report.md"
ELEC_SPEC = "synthetic:users=192403,items=63001,interactions=1689188,image=0,text=0"
D = 64          # embedding width of both configs
LAYERS = 3      # LightGCN's n_layers
FLOAT = 4       # bytes per float32
MB = 1e6


# --- the runs' logs ----------------------------------------------------------------------

def read_run(folder):
    """One run of run.sh: its epochs, threads, training pairs, and per rank time and memory samples."""
    lines = [json.loads(s) for s in (folder / "log.jsonl").read_text().splitlines() if s.strip()]
    epochs = [j for j in lines if "epoch" in j]
    command = (folder / "command.txt").read_text()
    console = (folder / "console.txt").read_text()
    ranks = []
    for t in sorted(folder.glob("time-rank*.txt"), key=lambda p: int(re.search(r"(\d+)", p.name).group(1))):
        fields = dict(re.findall(r"(\w+)=([\d.]+)", t.read_text()))
        samples = []
        tsv = folder / t.name.replace("time-", "rss-").replace(".txt", ".tsv")
        for row in tsv.read_text().splitlines()[1:]:
            s, rss, hwm = row.split("\t")
            samples.append((float(s), int(rss), int(hwm)))
        ranks.append({"maxrss_kb": int(fields["maxrss_kb"]), "elapsed": float(fields["elapsed_s"]),
                      "cpu": float(fields["user_s"]) + float(fields["sys_s"]), "samples": samples})
    return {
        "processes": int(re.search(r"-np (\d+)", command).group(1)),
        "threads": int(re.search(r"threads=(\d+)", command).group(1)),
        "pairs": int(re.search(r"(\d+) train /", console).group(1)),
        "held_out": sum(int(x) for x in re.search(r"(\d+) valid / (\d+) test", console).groups()),
        "batch": int(re.search(r"train_batch_size=(\d+)", console).group(1)),
        "epochs": epochs,
        "ranks": ranks,
    }


def phases(run, rank):
    """(median VmRSS while training, VmHWM before the final evaluation) of a rank in MB, from its
    samples: the evaluation is taken to be the last eval_seconds before the process ended, the
    training the epochs' train_seconds before that (one-second sampling, so both are approximate)."""
    samples = run["ranks"][rank]["samples"]
    end = run["ranks"][rank]["elapsed"]
    eval_start = end - sum(e.get("eval_seconds", 0.0) for e in run["epochs"]) - 1.0
    train_start = eval_start - sum(e["train_seconds"] for e in run["epochs"])
    training = [rss for t, rss, _ in samples if train_start + 2.0 <= t <= eval_start - 1.0]
    before_eval = [hwm for t, _, hwm in samples if t <= eval_start - 1.0]
    return (statistics.median(training) * 1024 / MB if training else float("nan"),
            max(before_eval) * 1024 / MB if before_eval else float("nan"))


def steps(run):
    return math.ceil(run["pairs"] / run["batch"])


def partition_halo():
    """{(method, P): (halo rows max, halo rows mean, halo MB/layer)} of the Elec-like set."""
    text = PARTITION_REPORT.read_text()
    section = text.split("### " + ELEC_SPEC)[1].split("### ")[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 9 and cells[1].isdigit():
            rows[(cells[0], int(cells[1]))] = (int(cells[2]), int(cells[3]), float(cells[9]))
    return rows


# --- tables of the measurements ----------------------------------------------------------

def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def time_table(runs):
    rows = []
    for (model, p), r in runs:
        per_epoch = [e["train_seconds"] for e in r["epochs"]]
        procs_per_core = p * r["threads"] / 2
        rows.append([model, r["batch"], p, r["threads"], f"{procs_per_core:g}", " / ".join(f"{s:.1f}" for s in per_epoch),
                     f"{statistics.median(per_epoch):.1f}", f"{1000 * statistics.median(per_epoch) / steps(r):.1f}",
                     f"{r['epochs'][-1].get('eval_seconds', 0.0):.1f}", f"{max(k['elapsed'] for k in r['ranks']):.0f}",
                     f"{sum(k['cpu'] for k in r['ranks']):.0f}"])
    return table(["model", "batch", "P", "threads / process", "threads / core", "train s, each epoch", "median s / epoch",
                  "ms / step", "eval s (end)", "wall s (run)", "CPU s (all ranks)"], rows)


def traffic_table(runs, halo):
    rows = []
    for (model, p), r in runs:
        if p == 1:
            continue
        n = steps(r)
        halo0 = statistics.median(e["halo_bytes_rank0"] for e in r["epochs"]) / n
        batch0 = statistics.median(e["batch_bytes_rank0"] for e in r["epochs"]) / n
        # LightGCN's exchanges are its 2L layers' over Â (the partition report's halo); BPR-MF has
        # none; FREEDOM's also include its item-item graph's, which that report does not cover.
        layers = {"lightgcn": LAYERS, "bprmf": 0}.get(model)
        sent_rows = f"{halo0 / (2 * layers * D * FLOAT):,.0f}" if layers else ("0" if layers == 0 else "-")
        exact = f"{2 * layers * halo[('contiguous', p)][2]:.1f}" if layers else ("0.0" if layers == 0 else "-")
        rows.append([model, r["batch"], p, n, f"{halo0 / MB:.2f}", sent_rows, f"{halo0 * p / MB:.1f}", exact,
                     f"{batch0 / MB:.3f}", f"{batch0 / (D * FLOAT * (p - 1)):,.0f}", f"{batch0 * p / MB:.3f}"])
    return table(["model", "batch", "P", "steps / epoch", "halo MB / step, rank 0", "rows rank 0 sends / exchange",
                  "halo MB / step, all (rank 0 x P)", "halo MB / step, all (2L x partition report)",
                  "batch MB / step, rank 0", "batch rows of rank 0 / step", "batch MB / step, all (rank 0 x P)"], rows)


def memory_table(runs):
    rows = []
    for (model, p), r in runs:
        peaks = [k["maxrss_kb"] * 1024 / MB for k in r["ranks"]]
        ph = [phases(r, i) for i in range(len(r["ranks"]))]
        train = [a for a, _ in ph]
        before = [b for _, b in ph]
        rows.append([model, p, f"{max(peaks):.0f}", f"{min(peaks):.0f}", f"{max(before):.0f}", f"{max(train):.0f}",
                     f"{max(peaks) - max(before):.0f}", f"{sum(peaks):.0f}"])
    return table(["model", "P", "peak RSS / rank, max (MB)", "peak RSS / rank, min (MB)",
                  "peak before the evaluation, max (MB)", "RSS while training, max over ranks (MB)",
                  "evaluation's addition (MB)", "peak RSS, sum of ranks (MB)"], rows)


# --- array sizes per rank (computed, not measured) ---------------------------------------

def array_table(degrees, halo, held_out):
    """MB per rank of the large arrays of a LightGCN run, from the set's sizes and the partition
    report's mean halo rows; owned rows and edges taken as 1/P of all (the report's balance is
    within 2-10 %)."""
    n_users, n_items = len(degrees["user"]), len(degrees["item"])
    n = n_users + n_items
    nnz = 2 * sum(degrees["user"])
    row = D * FLOAT / MB
    rows = []
    for p in (1, 2, 4):
        owned = n / p
        halo_rows = halo[("contiguous", p)][1] if p > 1 else 0
        shrink = {
            "E, its gradient, Adam m and v (4 tables)": 4 * owned * row,
            "X, dX, propagation scratch (4 tables)": 4 * owned * row,
            "two halo tables (owned + halo rows)": 2 * (owned + halo_rows) * row if p > 1 else 0.0,
            "rows of Â (P = 1: 2 copies of all; else 3 of the owned; 12 B / entry)":
            (3 if p > 1 else 2) * (nnz / p) * 12 / MB,
        }
        fixed = {
            "data set: train, valid, test CSR": ((nnz // 2 + held_out) * 4 + 3 * (n_users + 1) * 8) / MB,
            "whole Â, start-up only (12 B / entry)": nnz * 12 / MB if p > 1 else 0.0,
            "training pairs, CSR copy, negatives": (sum(degrees["user"]) * 8 + (n_users + 1) * 8 + n_items * 4) / MB,
            "evaluation scores block (4096 x items)": 4096 * n_items * FLOAT / MB,
            "gathered item table + best user and item rows": (n_items + 2 * n_users + n_items) * row if p > 1
            else (n_users + n_items) * row,
        }
        rows.append((p, shrink, fixed))
    keys = list(rows[0][1]) + list(rows[0][2])
    out = []
    for k in keys:
        kind = "shrinks" if k in rows[0][1] else "does not shrink"
        out.append([k, kind] + [f"{(r[1].get(k, r[2].get(k))):.0f}" for r in rows])
    return table(["array", "with P", "P = 1 (MB)", "P = 2 (MB)", "P = 4 (MB)"], out)


# --- the cost model ----------------------------------------------------------------------

def read_degrees(folder):
    kinds = {"user": [], "item": []}
    for line in (folder / "degrees.tsv").read_text().splitlines()[1:]:
        kind, degree, count = line.split("\t")
        kinds[kind] += [int(degree)] * int(count)
    return kinds


def halo_fraction(degrees, p, scale=None):
    """Expected share of the nodes a rank does not own that are in its halo when each node's
    block is uniform at random: mean over nodes of 1 - (1 - 1/P)^degree (degrees times
    scale[kind] when given)."""
    total, count = 0.0, 0
    for kind, ds in degrees.items():
        c = collections.Counter(ds)
        s = scale[kind] if scale else 1.0
        for k, m in c.items():
            total += m * (1.0 - (1.0 - 1.0 / p) ** (k * s))
            count += m
    return total / count


def halo_check_table(degrees, halo):
    n = len(degrees["user"]) + len(degrees["item"])
    rows = []
    for p in (2, 4, 8, 16, 64):
        f = halo_fraction(degrees, p)
        measured = halo.get(("contiguous", p))
        metis = halo.get(("metis", p))
        rows.append([p, f"{f:.3f}", f"{f * n * (1 - 1 / p):,.0f}", f"{measured[1]:,}" if measured else "-",
                     f"{metis[1] / measured[1]:.3f}" if metis else "-"])
    return table(["P", "model: halo share of others' rows", "model: halo rows / rank",
                  "measured contiguous: mean halo rows / rank", "METIS / contiguous (measured)"], rows)


# The 10x-Elec set and the machine (constants of the write-up; sources there).
BIG = {"users": 10_000_000, "items": 2_000_000, "interactions": 100_000_000, "train": 0.8, "batch": 2048}
HBM = 3.35e12          # H100 SXM HBM3 bytes/s
SPMM_EFFICIENCY = 0.5  # share of HBM bandwidth a CSR SpMM with d = 64 reaches (assumed)
NVLINK = 370e9         # NCCL all-gather bus bandwidth within an 8 x H100 node, bytes/s
IB = 46e9              # NCCL all-gather bus bandwidth across nodes, bytes/s per GPU
LATENCY = 50e-6        # seconds per collective call (assumed); an exchange is two calls, users then items
GPUS_PER_NODE = 8
METIS_RATIO = 0.73     # METIS halo / contiguous halo at P >= 8 (measured 0.80, 0.74, 0.73 at P = 2, 4, 8)


def cost_model(degrees):
    """Per-step and per-epoch times of full-graph LightGCN on G GPUs (model)."""
    users, items = BIG["users"], BIG["items"]
    n = users + items
    train = BIG["train"] * BIG["interactions"]
    nnz = 2 * train
    steps_big = math.ceil(train / BIG["batch"])
    row = D * FLOAT
    rate = SPMM_EFFICIENCY * HBM
    n_u, n_i = len(degrees["user"]), len(degrees["item"])
    scale = {"user": (train / users) / (sum(degrees["user"]) / n_u),
             "item": (train / items) / (sum(degrees["item"]) / n_i)}
    out = []
    for g in (8, 16, 64):
        nnz_g, rows_g = nnz / g, n / g
        layer = (nnz_g * (row + 8) + rows_g * 3 * row) / rate          # gathers + CSR + out/next rows
        adam = rows_g * 8 * row / rate                                  # p, g, m, v read; p, m, v, g written
        f = halo_fraction(degrees, g, scale)
        results = []
        for method, ratio in (("contiguous", 1.0), ("METIS", METIS_RATIO)):
            halo_rows = ratio * f * (n - rows_g)
            halo_bytes = halo_rows * row
            if g <= GPUS_PER_NODE:
                exch = halo_bytes / NVLINK
            else:  # owners in the node (7 of G - 1 others) over NVLink, the rest over InfiniBand, in parallel
                local = (GPUS_PER_NODE - 1) / (g - 1)
                exch = max(halo_bytes * local / NVLINK, halo_bytes * (1 - local) / IB)
            exch += 2 * LATENCY  # users then items
            results.append((method, halo_rows, halo_bytes, exch))
        batch_bytes = 3 * BIG["batch"] * row * (g - 1) / g
        batch = batch_bytes / (NVLINK if g <= GPUS_PER_NODE else IB) + LATENCY
        out.append({"g": g, "nnz_g": nnz_g, "rows_g": rows_g, "layer": layer, "adam": adam, "f": f,
                    "halo": results, "batch": batch, "steps": steps_big})
    return out


def cost_tables(degrees):
    model = cost_model(degrees)
    rows = []
    for m in model:
        for method, halo_rows, halo_bytes, exch in m["halo"]:
            compute = 2 * LAYERS * m["layer"]
            comm = 2 * LAYERS * exch
            step = compute + comm + m["adam"] + m["batch"]
            rows.append([m["g"], method, f"{m['nnz_g'] / 1e6:.1f}", f"{m['layer'] * 1e3:.2f}",
                         f"{halo_rows / 1e6:.2f}", f"{halo_bytes / 1e9:.2f}", f"{exch * 1e3:.2f}",
                         f"{m['adam'] * 1e3:.2f}", f"{m['batch'] * 1e3:.3f}", f"{step * 1e3:.1f}",
                         f"{comm / step:.0%}", f"{step * m['steps'] / 60:.0f}"])
    return table(["GPUs", "partition", "Â entries / GPU (M)", "SpMM layer ms", "halo rows / GPU (M)",
                  "halo GB / exchange / GPU", "exchange ms", "Adam ms", "batch gather ms", "step ms",
                  "halo share of step", "epoch minutes"], rows), model


def cpu_anchor(runs, logs):
    """Â entries per second per process of the LightGCN runs: 2L layers over the rank's rows of Â
    each step (one process: the last forward layer runs at the batch's rows only, so 2L x all
    entries overcounts its work), against the measured step time (exchange, objective and Adam
    included): a lower bound on the SpMM rate. Also the one-epoch batch-2048 run of one process
    on a quieter machine (lightgcn-p1-batch2048-one-epoch)."""
    found = [(f"P = {p}, batch {r['batch']}", p, r["threads"], r["pairs"], r["batch"],
              [e["train_seconds"] for e in r["epochs"]]) for (model, p), r in runs if model == "lightgcn"]
    quiet = logs / "lightgcn-p1-batch2048-one-epoch"
    if (quiet / "log.jsonl").exists():
        epochs = [json.loads(s) for s in (quiet / "log.jsonl").read_text().splitlines() if '"epoch"' in s]
        console = (quiet / "console.txt").read_text()
        found.append(("P = 1, batch 2048, quieter machine", 1, 2,
                      int(re.search(r"(\d+) train /", console).group(1)), 2048, [e["train_seconds"] for e in epochs]))
    rows = []
    for label, p, threads, pairs, batch, seconds in found:
        per_step = statistics.median(seconds) / math.ceil(pairs / batch)
        edges = 2 * pairs / p * 2 * LAYERS
        rows.append([label, threads, f"{per_step * 1e3:.0f}", f"{edges / 1e6:.1f}", f"{edges / per_step / 1e6:.0f}",
                     f"{edges / per_step / threads / 1e6:.0f}", f"{edges / per_step * (D * FLOAT + 8) / 1e9:.1f}"])
    return table(["run", "threads / process", "ms / step", "Â entries / rank / step, 2L layers (M)",
                  "M entries / s / rank (lower bound)", "M entries / s / thread", "GB / s of rows and CSR read / rank"],
                 rows)


def write_degrees(prepared, logs):
    rp = array.array("q")
    rp.frombytes((prepared / "train_row_ptr.bin").read_bytes())
    col = array.array("i")
    col.frombytes((prepared / "train_col.bin").read_bytes())
    n_items = json.loads((prepared / "manifest.json").read_text()).get("n_items") or (max(col) + 1)
    user = collections.Counter(rp[u + 1] - rp[u] for u in range(len(rp) - 1))
    item_deg = [0] * n_items
    for c in col:
        item_deg[c] += 1
    item = collections.Counter(item_deg)
    lines = ["kind\tdegree\tcount"]
    lines += [f"user\t{k}\t{v}" for k, v in sorted(user.items())]
    lines += [f"item\t{k}\t{v}" for k, v in sorted(item.items())]
    (logs / "degrees.tsv").write_text("\n".join(lines) + "\n")


def main(argv):
    args = list(argv)
    if args and args[0] == "--degrees":
        prepared = Path(args[1])
        logs = Path(args[2]) if len(args) > 2 else DEFAULT_LOGS
        write_degrees(prepared, logs)
        return
    logs = Path(args[0]) if args else DEFAULT_LOGS
    runs = []
    for model in ("lightgcn", "bprmf", "freedom"):
        for p in (1, 2, 4):
            folder = logs / f"{model}-p{p}"
            log = folder / "log.jsonl"
            if log.exists() and "best_epoch" in log.read_text():  # a finished run
                runs.append(((model, p), read_run(folder)))
    halo = partition_halo()
    degrees = read_degrees(logs)
    print("## Seconds per epoch\n")
    print(time_table(runs))
    print("\n## Bytes sent per training step\n")
    print(traffic_table(runs, halo))
    print("\n## Memory per rank (measured)\n")
    print(memory_table(runs))
    print("\n## Large arrays per rank, LightGCN (computed from the sizes)\n")
    print(array_table(degrees, halo, runs[0][1]["held_out"]))
    print("\n## CPU rate of the propagation (sanity anchor)\n")
    print(cpu_anchor(runs, logs))
    print("\n## Halo rows: random-assignment model against the partition report\n")
    print(halo_check_table(degrees, halo))
    print("\n## Cost model: 10x-Elec, full-graph LightGCN per step, H100 (model, not a measurement)\n")
    text, _ = cost_tables(degrees)
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
