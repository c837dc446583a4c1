#!/usr/bin/env python3
"""Every table of bench/results/2026-12-07-comparisons.md, recomputed from the committed logs.

Reads (paths relative to --logs, default bench/results/logs):
  tiktok/compare-2026-12-07/<config>/<point>_seed<k>.jsonl   mmgraph runs (`mmgraph train --log`)
  tiktok/peer-2026-12-07/<Model>-s<k>.json                   MMRec runs (bench/peers/mmrec_peer.py)
  tiktok/coldstart-2026-12-07/<config>/<point>_seed<k>.jsonl  cold start with never-consumed items
  tiktok/coldstart-2026-12-07/held_out_catalogue.json        which items were made never-consumed
  baby/remeasure-2026-12-07/<config>/<point>_seed<k>.jsonl    Amazon Baby under MMRec's test rule
  tiktok/timing-2026-12-07/*.json                             seconds per epoch, both sides
  tiktok/bf16-learnt-2026-12-07/mgcn-<storage>/default_seed<k>.jsonl  MGCN's learnt features, float32 / bf16
and the splits themselves (--tiktok, --baby) to count the users each metric averages over, so that
every rate comes with its hit count: hits = Hit@20 x users (on TikTok every held-out user has one
item, so Hit@20 = Recall@20; MMRec's log rounds its metrics to 4 decimals, so its hit counts are
good to +-1 at 6,125 users).

For each comparison: mean +- standard deviation over seeds (sample std, n - 1), the hit counts,
and Welch's t of the difference of the means (t = (m1 - m2) / sqrt(s1^2/n1 + s2^2/n2)); a
difference with |t| < 2 is written "within noise". Selection (the grid point, the epoch) used
validation only: the chosen point is the one with the highest validation Recall@20 at seed 0.

  bench/compare/report.py [--logs bench/results/logs] [--tiktok ../shared/datasets/tiktok]
                          [--baby ../shared/datasets/amazon-baby]
                          [--section faithful|coldstart|baby|timing|bf16|csv]
"""
import argparse
import json
import math
import os
import re
import statistics
import sys

PEERS = {"freedom": "FREEDOM", "lightgcn": "LightGCN", "mgcn": "MGCN", "lattice": "LATTICE"}


# ---------------------------------------------------------------- logs

def load_run(path):
    """The final line of an mmgraph JSONL log with the epoch count; None while unfinished."""
    with open(path) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    if not lines or "best_epoch" not in lines[-1]:
        return None
    final = dict(lines[-1])
    epochs = [r for r in lines if "epoch" in r]
    final["epochs_run"] = len(epochs)
    final["train_seconds"] = [r["train_seconds"] for r in epochs]
    return final


def load_grid(folder):
    """{point: {seed: final line}} of the finished runs in a run_grid.py log folder."""
    runs = {}
    if not os.path.isdir(folder):
        return runs
    for name in sorted(os.listdir(folder)):
        m = re.match(r"(.*)_seed(\d+)\.jsonl$", name)
        if m and (r := load_run(os.path.join(folder, name))):
            runs.setdefault(m.group(1), {})[int(m.group(2))] = r
    return runs


def chosen_point(runs):
    """The point with the best seed-0 validation Recall@20 (first in name order on a tie)."""
    points = {p: s[0] for p, s in runs.items() if 0 in s}
    if not points:
        return None
    return max(sorted(points), key=lambda p: points[p]["best_valid"]["Recall@20"])


def chosen_grids(folder):
    """(config, chosen point, runs) of every run_grid.py log folder under folder that has a chosen point."""
    for config in sorted(os.listdir(folder)):
        if os.path.isdir(os.path.join(folder, config)):
            runs = load_grid(os.path.join(folder, config))
            point = chosen_point(runs)
            if point is not None:
                yield config, point, runs


def load_peer(folder, model):
    """{seed: summary} of mmrec_peer.py's finished runs of one MMRec model."""
    out = {}
    if not os.path.isdir(folder):
        return out
    for name in sorted(os.listdir(folder)):
        m = re.match(rf"{model}-s(\d+)\.json$", name)
        if m:
            with open(os.path.join(folder, name)) as f:
                out[int(m.group(1))] = json.load(f)
    return out


# ---------------------------------------------------------------- splits

def read_split(path, removed=frozenset()):
    with open(path) as f:
        return {int(u): [i for i in items if i not in removed] for u, items in json.load(f).items()}


def user_counts(data_dir, removed=frozenset()):
    """Users each metric averages over, as mmgraph counts them: users with a held-out item; with
    a warm one; with a cold one (an item without training interactions)."""
    train = read_split(os.path.join(data_dir, "train.json"), removed)
    in_train = {i for items in train.values() for i in items}
    counts = {}
    for split, name in (("valid", "val.json"), ("test", "test.json")):
        held = read_split(os.path.join(data_dir, name), removed)
        counts[split] = sum(1 for v in held.values() if v)
        counts[split + "_warm"] = sum(1 for v in held.values() if any(i in in_train for i in v))
        counts[split + "_cold"] = sum(1 for v in held.values() if any(i not in in_train for i in v))
    return counts


# ---------------------------------------------------------------- statistics

def mean_std(values):
    if not values:
        return None, None
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def fmt(values, digits=4):
    m, s = mean_std(values)
    if m is None:
        return "-"
    return f"{m:.{digits}f}" if len(values) == 1 else f"{m:.{digits}f} ± {s:.{digits}f}"


def hits(values, users):
    """Hit counts per seed, from Hit@20 (or Recall@20 with one held-out item per user) rates."""
    return "/".join(str(round(v * users)) for v in values)


def welch_t(a, b):
    if len(a) < 2 or len(b) < 2:
        return None
    ma, sa = mean_std(a)
    mb, sb = mean_std(b)
    se = math.sqrt(sa * sa / len(a) + sb * sb / len(b))
    return (ma - mb) / se if se > 0 else None


def verdict(t):
    if t is None:
        return "too few seeds for a t"
    return f"Welch t = {t:+.2f}: " + ("within noise" if abs(t) < 2 else ("above" if t > 0 else "below") + " beyond noise")


# ---------------------------------------------------------------- sections

def faithful(args):
    base = os.path.join(args.logs, "tiktok")
    counts = user_counts(args.tiktok)
    print("### TikTok: mmgraph beside MMRec's own code, same split, same protocol\n")
    print(f"Users counted: mmgraph {counts['valid']:,} validation / {counts['test']:,} test "
          f"(MMRec drops the users without a training item: 5 + 5 fewer). Hits = users with the held-out "
          "item in their top 20.\n")
    print("| model | side | setting | seeds | valid R@20 | valid hits | test R@20 | test hits | test N@20 | best epochs |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    verdicts = []
    for config, point, runs in chosen_grids(os.path.join(base, "compare-2026-12-07")):
        rs = [runs[point][k] for k in sorted(runs[point])]
        ours_v = [r["best_valid"]["Recall@20"] for r in rs]
        ours_t = [r["test"]["Recall@20"] for r in rs]
        print(f"| {config} | mmgraph | {point} | {', '.join(map(str, sorted(runs[point])))} | {fmt(ours_v)} "
              f"| {hits([r['best_valid']['Hit@20'] for r in rs], counts['valid'])} | {fmt(ours_t)} "
              f"| {hits([r['test']['Hit@20'] for r in rs], counts['test'])} "
              f"| {fmt([r['test']['NDCG@20'] for r in rs])} | {', '.join(str(r['best_epoch']) for r in rs)} |")
        model = PEERS.get(config.split("-")[0])
        peer = load_peer(os.path.join(base, "peer-2026-12-07"), model) if model else {}
        if not peer:
            verdicts.append(f"- {config}: no MMRec run to compare with")
            continue
        ps = [peer[k] for k in sorted(peer)]
        peer_v = [p["valid"]["recall@20"] for p in ps]
        peer_t = [p["test"]["recall@20"] for p in ps]
        users_v, users_t = ps[0]["evaluated_users"]["valid"], ps[0]["evaluated_users"]["test"]
        print(f"| {config} | MMRec | {model}, its yaml's first values | {', '.join(map(str, sorted(peer)))} "
              f"| {fmt(peer_v)} | {hits(peer_v, users_v)} | {fmt(peer_t)} | {hits(peer_t, users_t)} "
              f"| {fmt([p['test']['ndcg@20'] for p in ps])} | {', '.join(str(p['best_epoch']) for p in ps)} |")
        dv, dt = statistics.mean(ours_v) - statistics.mean(peer_v), statistics.mean(ours_t) - statistics.mean(peer_t)
        verdicts.append(f"- {config} against MMRec's {model}: validation {dv:+.4f} ({verdict(welch_t(ours_v, peer_v))}); "
                        f"test {dt:+.4f} ({verdict(welch_t(ours_t, peer_t))})")
    print()
    print("\n".join(verdicts))
    print()


def coldstart(args):
    folder = os.path.join(args.logs, "tiktok", "coldstart-2026-12-07")
    with open(os.path.join(folder, "held_out_catalogue.json")) as f:
        held = json.load(f)
    counts = user_counts(args.tiktok, frozenset(held["removed_ids"]))
    n_cold = held["cold_items_after"]
    print("### TikTok with never-consumed catalogue items: two cold-start protocols\n")
    print(f"{held['removed']:,} of {held['items']:,} items (fraction {held['fraction']}, seed {held['seed']}) have every "
          f"interaction removed and keep their features: {n_cold:,} items have no training interaction; "
          f"{counts['test_cold']:,} of {counts['test']:,} test users hold one out "
          f"({counts['valid_cold']:,} of {counts['valid']:,} in validation). Chance Recall@20 of a cold item: "
          f"about 20 / {held['items']:,} = {20 / held['items']:.4f} among all items, 20 / {n_cold:,} = "
          f"{20 / n_cold:.4f} among cold items.\n")
    print("Selection of cold_scale (validation Recall@20 over all users and items, seed 0; 0 = the model's own rows):\n")
    print("| config | cold_scale | valid R@20 | valid cold R@20 (all items) | valid cold R@20 (among cold) | best epoch |")
    print("| --- | --- | --- | --- | --- | --- |")
    chosen = {}
    for config, point, runs in chosen_grids(folder):
        chosen[config] = (point, runs)
        for p in sorted(runs, key=lambda p: float(p.split("-")[-1])):
            if 0 in runs[p]:
                r = runs[p][0]
                mark = "**" if p == point else ""
                print(f"| {config} | {mark}{p.split('-')[-1]}{mark} | {r['best_valid']['Recall@20']:.4f} "
                      f"| {r.get('best_valid_cold', {}).get('Recall@20', 0):.4f} "
                      f"| {r.get('best_valid_cold_among_cold', {}).get('Recall@20', 0):.4f} | {r['best_epoch']} |")
    print("\nTest, the chosen point's seeds and, below it, the same seeds at cold_scale 0 (the same trainings, cold "
          "items left as the model has them; the epochs can differ, since validation chose them); hits per seed:\n")
    print("| config | cold_scale | seeds | test R@20 (hits) | warm test R@20 (hits) | cold, all items: R@20 (hits) "
          "| x chance | cold among cold: R@20 (hits) | x chance |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for config, (point, runs) in chosen.items():
        for p in [point] + ([q for q in runs if q.endswith("-0")] if not point.endswith("-0") else []):
            rs = [runs[p][k] for k in sorted(runs[p])]
            allv = [r["test"]["Recall@20"] for r in rs]
            warm = [r["test_warm"]["Recall@20"] for r in rs]
            cold = [r["test_cold"]["Recall@20"] for r in rs]
            among = [r["test_cold_among_cold"]["Recall@20"] for r in rs]
            print(f"| {config} | {p.split('-')[-1]} | {', '.join(map(str, sorted(runs[p])))} "
                  f"| {fmt(allv)} ({hits([r['test']['Hit@20'] for r in rs], counts['test'])}) "
                  f"| {fmt(warm)} ({hits([r['test_warm']['Hit@20'] for r in rs], counts['test_warm'])}) "
                  f"| {fmt(cold)} ({hits([r['test_cold']['Hit@20'] for r in rs], counts['test_cold'])}) "
                  f"| {statistics.mean(cold) / (20 / held['items']):.1f} "
                  f"| {fmt(among)} ({hits([r['test_cold_among_cold']['Hit@20'] for r in rs], counts['test_cold'])}) "
                  f"| {statistics.mean(among) / (20 / n_cold):.1f} |")
    print()


def baby(args):
    folder = os.path.join(args.logs, "baby", "remeasure-2026-12-07")
    counts = user_counts(args.baby)
    print("### Amazon Baby under MMRec's test rule\n")
    print(f"{counts['test']:,} test users, every one also a validation user.\n")
    print("The earlier runs of the same points (`baby/<config>/`, validation items masked at test) beside them: "
          "training, validation and the chosen epochs are the same functions of the seed, so only the test "
          "columns may differ.\n")
    print("| config | chosen on validation | seeds | valid R@20 | test R@20 | test N@20 | test Hit@20 (users) | best epochs "
          "| earlier runs: seeds, test R@20, best epochs |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for config, point, runs in chosen_grids(folder):
        rs = [runs[point][k] for k in sorted(runs[point])]
        print(f"| {config} | {point} | {', '.join(map(str, sorted(runs[point])))} "
              f"| {fmt([r['best_valid']['Recall@20'] for r in rs])} | {fmt([r['test']['Recall@20'] for r in rs])} "
              f"| {fmt([r['test']['NDCG@20'] for r in rs])} | {hits([r['test']['Hit@20'] for r in rs], counts['test'])} "
              f"| {', '.join(str(r['best_epoch']) for r in rs)} | {earlier(os.path.join(args.logs, 'baby', config), point)} |")
    print()


def earlier(folder, point):
    """Seeds, test Recall@20 and best epochs of the earlier logs of the same point."""
    runs = load_grid(folder).get(point, {})
    if not runs:
        return "-"
    rs = [runs[k] for k in sorted(runs)]
    return (f"{', '.join(map(str, sorted(runs)))}: {fmt([r['test']['Recall@20'] for r in rs])}, "
            f"{', '.join(str(r['best_epoch']) for r in rs)}")


def timing(args):
    folder = os.path.join(args.logs, "tiktok", "timing-2026-12-07")
    if not os.path.isdir(folder):
        return
    print("### Seconds per training epoch, TikTok, same machine, both sides in one run of bench/tiktok/time_vs_mmrec.sh\n")
    print("Each side's own training timer, epochs 2.. (the first holds the warm-up); both sides on the same "
          "OpenBLAS kernels (the `blas` and `mmgraph_version` fields of each JSON).\n")
    print("| model | threads | mmgraph median (min-max) | MMRec median (min-max) | ratio of medians | epochs timed (each side) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json") or name.count(".") != 1:
            continue  # <model>.json; <model>.mmrec.json is the peer's raw summary
        with open(os.path.join(folder, name)) as f:
            t = json.load(f)
        ours, peer = t["mmgraph_seconds"], t["mmrec_seconds"]
        mo, mp = statistics.median(ours), statistics.median(peer)
        print(f"| {t['model']} | {t['threads']} | {mo:.3f} ({min(ours):.3f}-{max(ours):.3f}) | {mp:.2f} ({min(peer):.2f}-{max(peer):.2f}) "
              f"| {mp / mo:.1f}x | {len(ours)} / {len(peer)} |")
    print()


def figures_csv(args):
    """published.csv's rows for the MMRec runs measured here (protocol "same"): means over seeds."""
    folder = os.path.join(args.logs, "tiktok", "peer-2026-12-07")
    for model in sorted(set(PEERS.values())):
        runs = load_peer(folder, model)
        if not runs:
            continue
        ps = [runs[k] for k in sorted(runs)]
        seeds = ", ".join(map(str, sorted(runs)))
        print(f'tiktok,{model},"MMRec e775373, run here",same,'
              f'{statistics.mean(p["test"]["recall@20"] for p in ps):.4f},'
              f'{statistics.mean(p["test"]["ndcg@20"] for p in ps):.4f},'
              f'"bench/results/logs/tiktok/peer-2026-12-07: mean over seeds {seeds} (bench/compare/report.py --section csv)"')


def bf16_learnt(args):
    folder = os.path.join(args.logs, "tiktok", "bf16-learnt-2026-12-07")
    counts = user_counts(args.tiktok)
    print("### TikTok: MGCN's learnt features stored as float32 and as bf16\n")
    print("Same binary, split, protocol and seeds; bf16: bf16 values and Adam moments with stochastic "
          "rounding, float32 gradients. Hits = users with the held-out item in their top 20.\n")
    print("| storage | seeds | valid R@20 | valid hits | test R@20 | test hits | test N@20 | best epochs | s/epoch |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    sides = {}
    for storage in ("float32", "bf16"):
        runs = load_grid(os.path.join(folder, f"mgcn-{storage}")).get("default", {})
        rs = [runs[k] for k in sorted(runs)]
        if not rs:
            print(f"| {storage} | - | no finished run |  |  |  |  |  |  |")
            continue
        sides[storage] = rs
        seconds = [statistics.mean(r["train_seconds"]) for r in rs]
        print(f"| {storage} | {', '.join(map(str, sorted(runs)))} | {fmt([r['best_valid']['Recall@20'] for r in rs])} "
              f"| {hits([r['best_valid']['Hit@20'] for r in rs], counts['valid'])} "
              f"| {fmt([r['test']['Recall@20'] for r in rs])} | {hits([r['test']['Hit@20'] for r in rs], counts['test'])} "
              f"| {fmt([r['test']['NDCG@20'] for r in rs])} | {', '.join(str(r['best_epoch']) for r in rs)} "
              f"| {statistics.mean(seconds):.2f} |")
    if len(sides) == 2:
        for split, key in (("validation", "best_valid"), ("test", "test")):
            a = [r[key]["Recall@20"] for r in sides["bf16"]]
            b = [r[key]["Recall@20"] for r in sides["float32"]]
            print(f"\n- bf16 against float32, {split} Recall@20: {statistics.mean(a) - statistics.mean(b):+.4f} "
                  f"({verdict(welch_t(a, b))}; float32's seed spread, one std: {mean_std(b)[1]:.4f})")
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--logs", default="bench/results/logs")
    ap.add_argument("--tiktok", default="../shared/datasets/tiktok")
    ap.add_argument("--baby", default="../shared/datasets/amazon-baby")
    ap.add_argument("--section", choices=("faithful", "coldstart", "baby", "timing", "bf16", "csv"), action="append",
                    help="csv: the MMRec rows of bench/results/published.csv (not printed by default)")
    args = ap.parse_args()
    for path in (args.logs, args.tiktok):
        if not os.path.isdir(path):
            print(f"report.py: error: {path}: no such directory", file=sys.stderr)
            return 2
    sections = {"faithful": faithful, "coldstart": coldstart, "baby": baby, "timing": timing, "bf16": bf16_learnt,
                "csv": figures_csv}
    for name in args.section or ("faithful", "coldstart", "baby", "timing", "bf16"):
        sections[name](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
