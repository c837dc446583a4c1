#!/usr/bin/env python3
"""Charts of mmgraph runs from the JSONL logs that `mmgraph train --log` writes.

A log has one JSON line per epoch ({"epoch": N, "loss": ..., "valid": {"Recall@20": ...}, ...};
"valid" only on evaluated epochs) and, when the run finished, a last summary line
({"best_epoch": N, "best_valid": {...}, "test": {...}, ...}): the test metrics of the best
validation epoch.

  curves  validation metric per epoch, several runs on one chart, each run's best epoch marked:
            bench/plot.py curves --out valid.png LightGCN=runs/a.jsonl runs/b.jsonl
  bars    test Recall@20 / NDCG@20 per model: ours (mean and standard deviation over the
          seeds' logs) beside the rows of a figures table (CSV: dataset,model,source,protocol,
          recall20,ndcg20,citation) for one data set whose protocol is "same" (same split, same
          evaluation, epoch chosen on validation: figures measured otherwise are never drawn
          beside ours; the table says what each of them used):
            bench/plot.py bars --out test.png --figures bench/results/published.csv --dataset tiktok \\
                --ours LightGCN runs/logs/lightgcn/*_seed*.jsonl --ours BPR-MF runs/logs/bprmf/*.jsonl

Needs matplotlib (Debian: python3-matplotlib). Output is a PNG of fixed size and dpi, drawn
with the Agg backend, without the matplotlib version in its metadata: the same inputs give
the same bytes with the same matplotlib.
"""
import argparse
import csv
import json
import os
import statistics
import sys

FIGURE_DPI = 100
CURVES_SIZE = (9.0, 5.5)  # inches
BARS_SIZE = (12.0, 7.0)
FIGURE_COLUMNS = ["dataset", "model", "source", "protocol", "recall20", "ndcg20", "citation"]
OURS = "mmgraph (this repository)"


class InputError(Exception):
    """A problem with an input file, reported as 'plot.py: FILE[:LINE]: message'."""

    def __init__(self, path, line, message):
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


def read_log(path):
    """Returns (epoch records, summary or None when the run did not finish)."""
    try:
        with open(path) as f:
            raw = f.readlines()
    except OSError as e:
        raise InputError(path, None, f"cannot read the log ({e.strerror})")
    epochs, summary = [], None
    for number, text in enumerate(raw, start=1):
        if not text.strip():
            continue
        if summary is not None:
            raise InputError(path, number, "a line after the summary line (two runs in one log?)")
        try:
            record = json.loads(text.rstrip("\n"))
        except json.JSONDecodeError as e:
            raise InputError(path, number, f"not JSON ({e.msg} at column {e.colno})")
        if not isinstance(record, dict):
            raise InputError(path, number, "expected a JSON object")
        if "best_epoch" in record:
            for key in ("best_valid", "test"):
                if not isinstance(record.get(key), dict):
                    raise InputError(path, number, f"summary line without a '{key}' object")
            summary = record
            summary["_line"] = number
        elif isinstance(record.get("epoch"), int):
            record["_line"] = number
            epochs.append(record)
        else:
            raise InputError(path, number, "neither an epoch line (\"epoch\": N) nor a summary line (\"best_epoch\")")
    if not epochs and summary is None:
        raise InputError(path, None, "empty log")
    return epochs, summary


def metric_of(path, record, split, metric):
    table = record.get(split)
    if not isinstance(table, dict):
        raise InputError(path, record["_line"], f"no '{split}' metrics")
    value = table.get(metric)
    if not isinstance(value, (int, float)):
        known = ", ".join(sorted(table)) or "none"
        raise InputError(path, record["_line"], f"no metric '{metric}' in '{split}' (it has: {known})")
    return float(value)


def labelled(spec):
    """LABEL=PATH, or PATH labelled with its file stem."""
    if os.path.exists(spec) or "=" not in spec:
        return os.path.splitext(os.path.basename(spec))[0], spec
    label, _, path = spec.partition("=")
    return label, path


def pyplot():
    try:
        import matplotlib
    except ImportError:
        sys.exit("plot.py: matplotlib is missing (Debian: apt install python3-matplotlib, then run with /usr/bin/python3)")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({"font.size": 10, "axes.grid": True, "grid.alpha": 0.3, "legend.fontsize": 9})
    return plt


def save(fig, path):
    fig.savefig(path, dpi=FIGURE_DPI, metadata={"Software": None})
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def curves(args):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=CURVES_SIZE)
    for spec in args.runs:
        label, path = labelled(spec)
        epochs, summary = read_log(path)
        points = [(r["epoch"], metric_of(path, r, args.split, args.metric)) for r in epochs if args.split in r]
        if not points:
            raise InputError(path, None, f"no epoch with '{args.split}' metrics")
        xs, ys = zip(*points)
        if summary is None:
            ax.plot(xs, ys, linewidth=1.4, linestyle="--", label=f"{label} (unfinished)")
            continue
        best = summary["best_epoch"]
        at_best = [y for x, y in points if x == best]
        if not at_best:
            raise InputError(path, summary["_line"], f"best_epoch {best} has no '{args.split}' line in the log")
        (line,) = ax.plot(xs, ys, linewidth=1.4, label=f"{label} (best epoch {best}: {at_best[0]:.4f})")
        ax.plot([best], at_best, marker="*", markersize=13, color=line.get_color(), markeredgecolor="black",
                markeredgewidth=0.6, linestyle="none")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"{args.split} {args.metric}")
    ax.set_title(args.title or f"{args.split} {args.metric} per epoch (star: best epoch, whose test metrics are reported)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    save(fig, args.out)


def read_figures(path, dataset):
    """Rows of the figures table for one data set measured under our protocol ("same"):
    [(model, source, recall20, ndcg20, citation)]."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        raise InputError(path, None, f"cannot read the figures table ({e.strerror})")
    if not rows or [c.strip() for c in rows[0]] != FIGURE_COLUMNS:
        raise InputError(path, 1, f"expected the header {','.join(FIGURE_COLUMNS)}")
    out, seen = [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != len(FIGURE_COLUMNS):
            raise InputError(path, number, f"expected {len(FIGURE_COLUMNS)} fields, got {len(row)}")
        ds, model, source, protocol, recall, ndcg, citation = (c.strip() for c in row)
        values = []
        for name, text in (("recall20", recall), ("ndcg20", ndcg)):
            try:
                values.append(float(text) if text else None)
            except ValueError:
                raise InputError(path, number, f"{name} '{text}' is not a number")
        if not model or not source or not protocol:
            raise InputError(path, number, "empty model, source or protocol")
        key = (ds.lower(), model.lower(), source)
        if key in seen:
            raise InputError(path, number, f"{model} / {source} already given on line {seen[key]}")
        seen[key] = number
        if ds.lower() == dataset.lower() and protocol == "same":
            out.append((model, source, values[0], values[1], citation))
    return out


def ours_figures(model, paths):
    """(mean, std, n) of test Recall@20 and NDCG@20 over finished logs."""
    values = {"Recall@20": [], "NDCG@20": []}
    for path in paths:
        epochs, summary = read_log(path)
        if summary is None:
            last = epochs[-1]["_line"] if epochs else None
            raise InputError(path, last, f"the run did not finish (no summary line): not usable for {model}")
        for metric in values:
            values[metric].append(metric_of(path, summary, "test", metric))
    return {m: (statistics.mean(v), statistics.stdev(v) if len(v) > 1 else 0.0, len(v)) for m, v in values.items()}


def bars(args):
    figures = read_figures(args.figures, args.dataset)
    ours = {}
    for model, *paths in args.ours or []:
        if not paths:
            sys.exit(f"plot.py: --ours {model}: give one or more logs after the model name")
        ours[model] = ours_figures(model, paths)
    if not figures and not ours:
        sys.exit(f"plot.py: nothing to draw: no --ours and no row of {args.figures} for data set '{args.dataset}' "
                 "measured under the same protocol")

    models = []  # ours first, then the table's models, in order of appearance
    for m in list(ours) + [f[0] for f in figures]:
        if m.lower() not in (x.lower() for x in models):
            models.append(m)
    if args.models:
        wanted = [m.strip() for m in args.models.split(",")]
        unknown = [m for m in wanted if m.lower() not in (x.lower() for x in models)]
        if unknown:
            sys.exit(f"plot.py: --models: no figures for {', '.join(unknown)} (have: {', '.join(models)})")
        models = wanted
    sources = ([OURS] if ours else []) + list(dict.fromkeys(f[1] for f in figures))

    # value[source][model] = (recall, recall_std, ndcg, ndcg_std, n)
    value = {s: {} for s in sources}
    for model, (r_mean, r_std, n), (n_mean, n_std, _) in ((m, v["Recall@20"], v["NDCG@20"]) for m, v in ours.items()):
        value[OURS][model.lower()] = (r_mean, r_std if n > 1 else None, n_mean, n_std if n > 1 else None, n)
    for model, source, recall, ndcg, _ in figures:
        value[source][model.lower()] = (recall, None, ndcg, None, 1)

    plt = pyplot()
    fig, axes = plt.subplots(2, 1, figsize=BARS_SIZE, sharex=True)
    colors = {s: c for s, c in zip(sources, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 4)}
    present = [[s for s in sources if model.lower() in value[s]] for model in models]
    width = 0.8 / max(3, max(len(p) for p in present))
    for panel, (ax, metric) in enumerate(zip(axes, ("Recall@20", "NDCG@20"))):
        for m_index, (model, here) in enumerate(zip(models, present)):
            for s_index, source in enumerate(here):  # the bars present, centred on the model's tick
                v = value[source][model.lower()]
                y, err = v[2 * panel], v[2 * panel + 1]
                if y is None:
                    continue
                x = m_index + width * (s_index - (len(here) - 1) / 2)
                ax.bar(x, y, width * 0.92, yerr=err, capsize=3, color=colors[source])
                ax.text(x, y + (err or 0.0), " " + f"{y:.4f}".lstrip("0"), rotation=90, ha="center", va="bottom",
                        fontsize=7)
        ax.set_ylabel(f"test {metric}")
        ax.margins(y=0.22)
    ticks = []
    for model in models:
        v = value[OURS].get(model.lower()) if ours else None
        ticks.append(f"{model}\n{v[4]} seed{'s' if v[4] > 1 else ''}" if v else model)
    axes[-1].set_xticks(range(len(models)))
    axes[-1].set_xticklabels(ticks, fontsize=8)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors[s]) for s in sources]
    labels = [f"{OURS}: mean ± std over the seeds under each name" if s == OURS else s for s in sources]
    fig.suptitle(args.title or f"{args.dataset}: test Recall@20 and NDCG@20 at the best validation epoch")
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.955), ncol=min(3, len(sources)),
               fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    save(fig, args.out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("curves", help="validation metric per epoch of several runs")
    c.add_argument("runs", nargs="+", metavar="[LABEL=]LOG", help="JSONL log of `mmgraph train --log`")
    c.add_argument("--metric", default="Recall@20", help="metric to draw (default Recall@20)")
    c.add_argument("--split", default="valid", choices=["valid", "valid_cold"], help="split of the metric")
    c.add_argument("--title", help="chart title")
    c.add_argument("--out", required=True, help="PNG to write")
    b = sub.add_parser("bars", help="test Recall@20 / NDCG@20 per model beside a figures table")
    b.add_argument("--figures", required=True, help="CSV: " + ",".join(FIGURE_COLUMNS))
    b.add_argument("--dataset", required=True, help="the table's rows for this data set")
    b.add_argument("--ours", nargs="+", action="append", metavar=("MODEL", "LOG"),
                   help="a model of ours and its finished logs (one per seed); repeatable")
    b.add_argument("--models", help="comma-separated models to show, in this order (default: all)")
    b.add_argument("--title", help="chart title")
    b.add_argument("--out", required=True, help="PNG to write")
    args = p.parse_args()
    try:
        (curves if args.command == "curves" else bars)(args)
    except InputError as e:
        print(f"plot.py: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
