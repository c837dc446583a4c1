#!/usr/bin/env python3
"""Writes a CSV of interactions for measuring `mmgraph prepare` at scale.

Each of the N lines is `user_id,item_id,rating,timestamp` (after a header line),
with string ids u<k> and i<k> whose k is drawn as floor(n * r**3) for r uniform
in [0, 1): a heavy head and a long tail on both sides (power-law degrees).
Deterministic by --seed. Standard library only.

  bench/prepare/make_csv.py --lines 10000000 --out /tmp/x/10m.csv
"""
import argparse
import random


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lines", type=int, required=True, help="interaction lines (besides the header)")
    p.add_argument("--users", type=int, help="user id range (default lines / 10)")
    p.add_argument("--items", type=int, help="item id range (default lines / 50)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    users = a.users or max(1, a.lines // 10)
    items = a.items or max(1, a.lines // 50)
    rng = random.Random(a.seed)
    r = rng.random
    batch = 100_000
    with open(a.out, "w", encoding="ascii", newline="\n") as f:
        f.write("user_id,item_id,rating,timestamp\n")
        done = 0
        while done < a.lines:
            n = min(batch, a.lines - done)
            f.write("".join(
                f"u{int(users * r() ** 3)},i{int(items * r() ** 3)},{1 + int(5 * r())},{1_300_000_000 + int(1e8 * r())}\n"
                for _ in range(n)))
            done += n


if __name__ == "__main__":
    main()
