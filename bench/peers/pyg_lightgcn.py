#!/usr/bin/env python3
"""Side-by-side LightGCN: mmgraph vs PyTorch Geometric on the same split.

Runs `mmgraph train` (JSONL log) and PyG's LightGCN with the same
hyper-parameters, BPR convention (reg * sum of squared layer-0 rows / batch),
uniform negative sampling, Adam, full-ranking evaluation with training items
masked and early stopping on validation Recall@20; then prints both seconds per
epoch, both test Recall@20 / NDCG@20 at the best validation epoch, and the
ratio of epoch times.

  bench/peers/pyg_lightgcn.py --data ../shared/datasets/amazon-baby \
      --mmgraph build/mmgraph --device cpu [--max-epochs N]

--max-epochs caps both runs (useful on slow CPUs); --mmgraph-log reuses the
JSONL of an earlier mmgraph run instead of training again.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from torch_geometric.nn.models import LightGCN


def load_split(path):
    with open(path) as f:
        raw = json.load(f)
    return {int(u): sorted(set(items)) for u, items in raw.items()}


def load_data(data_dir):
    train = load_split(os.path.join(data_dir, "train.json"))
    valid = load_split(os.path.join(data_dir, "val.json"))
    test = load_split(os.path.join(data_dir, "test.json"))
    n_users = 1 + max(max(s.keys(), default=-1) for s in (train, valid, test))
    n_items = 1 + max(max((max(v) for v in s.values() if v), default=-1) for s in (train, valid, test))
    return train, valid, test, n_users, n_items


def run_mmgraph(args, log_path):
    cmd = [args.mmgraph, "train", "--data", args.data, "--config", args.config, "--device", args.device,
           "--log", log_path, "-q",
           "--set", f"n_layers={args.layers}", "--set", f"reg_weight={args.reg}",
           "--set", f"learning_rate={args.lr}", "--set", f"train_batch_size={args.batch}",
           "--set", f"embedding_size={args.dim}", "--set", f"stopping_step={args.patience}",
           "--set", f"epochs={args.max_epochs}", "--set", f"seed={args.seed}"]
    print("mmgraph:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def summarise_mmgraph(log_path, at_epoch=None):
    epochs, final = [], None
    with open(log_path) as f:
        for line in f:
            rec = json.loads(line)
            if "epoch" in rec:
                epochs.append(rec)
            else:
                final = rec
    sec = float(np.mean([r["train_seconds"] for r in epochs]))
    valid_at = {r["epoch"]: r["valid"]["Recall@20"] for r in epochs if "valid" in r}
    return {"sec_per_epoch": sec, "epochs": len(epochs), "best_epoch": final["best_epoch"],
            "valid_recall20_at_pyg_cap": valid_at.get(at_epoch),
            "recall20": final["test"]["Recall@20"], "ndcg20": final["test"]["NDCG@20"],
            "seconds_to_best": final["seconds_to_best"]}


def csr_mask(split, n_users):
    rows, cols = [], []
    for u, items in split.items():
        rows.extend([u] * len(items))
        cols.extend(items)
    return torch.tensor(rows, dtype=torch.long), torch.tensor(cols, dtype=torch.long)


def evaluate(model, edge_index, n_users, n_items, truth, masks, k=20, block=4096):
    """Recall@k and NDCG@k averaged over users with held-out items (MMRec's definitions)."""
    with torch.no_grad():
        emb = model.get_embedding(edge_index)
        users_emb, items_emb = emb[:n_users], emb[n_users:]
        users = sorted(u for u, v in truth.items() if v)
        recall = ndcg = 0.0
        discounts = 1.0 / np.log2(np.arange(2, k + 2))
        for start in range(0, len(users), block):
            block_users = users[start:start + block]
            scores = users_emb[block_users] @ items_emb.T
            pos = {u: r for r, u in enumerate(block_users)}
            for mask in masks:
                rows = [pos[u] for u in block_users for _ in mask.get(u, [])]
                cols = [i for u in block_users for i in mask.get(u, [])]
                scores[rows, cols] = -float("inf")
            top = torch.topk(scores, k, dim=1).indices.cpu().numpy()
            for r, u in enumerate(block_users):
                t = set(truth[u])
                hits = np.array([1.0 if i in t else 0.0 for i in top[r]])
                recall += hits.sum() / len(t)
                idcg = discounts[:min(len(t), k)].sum()
                ndcg += (hits * discounts).sum() / idcg
        return recall / len(users), ndcg / len(users)


def run_pyg(args, train, valid, test, n_users, n_items):
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    torch.set_num_threads(args.threads)
    pair_user = np.array([u for u, items in train.items() for _ in items], dtype=np.int64)
    pair_item = np.array([i for u, items in train.items() for i in items], dtype=np.int64)
    seen = [set() for _ in range(n_users)]
    for u, items in train.items():
        seen[u].update(items)
    src = torch.tensor(np.concatenate([pair_user, pair_item + n_users]))
    dst = torch.tensor(np.concatenate([pair_item + n_users, pair_user]))
    dev = torch.device(args.pyg_device)
    edge_index = torch.stack([src, dst]).to(dev)
    model = LightGCN(n_users + n_items, args.dim, args.layers).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    n = len(pair_user)
    best, best_epoch, bad, test_at_best, times = -1.0, 0, 0, (0.0, 0.0), []
    t_start, t_best = time.time(), 0.0
    for epoch in range(1, (args.pyg_max_epochs or args.max_epochs) + 1):
        t0 = time.time()
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, args.batch):
            idx = order[start:start + args.batch]
            u, p = pair_user[idx], pair_item[idx]
            neg = rng.integers(0, n_items, size=len(idx))
            for b in range(len(idx)):  # rejection of training items, as mmgraph's sampler
                while neg[b] in seen[u[b]]:
                    neg[b] = rng.integers(0, n_items)
            u_t, p_t, n_t = (torch.tensor(a, device=dev) for a in (u, p + n_users, neg + n_users))
            emb = model.get_embedding(edge_index)
            pos_rank = (emb[u_t] * emb[p_t]).sum(-1)
            neg_rank = (emb[u_t] * emb[n_t]).sum(-1)
            # LightGCN's convention, as mmgraph (PyG 2.3's BPRLoss divides the mean by the
            # batch size a second time and regularises the whole table, so it is not used).
            emb0 = model.embedding.weight
            reg = (emb0[u_t].pow(2).sum() + emb0[p_t].pow(2).sum() + emb0[n_t].pow(2).sum()) / len(idx)
            loss = -torch.nn.functional.logsigmoid(pos_rank - neg_rank).mean() + args.reg * reg
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss)  # synchronises the device once per step, as a training loop that logs does
        if dev.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.time() - t0)
        rec, _ = evaluate(model, edge_index, n_users, n_items, valid, [train])
        print(f"pyg epoch {epoch}: loss {total / ((n + args.batch - 1) // args.batch):.4f} "
              f"{times[-1]:.2f}s valid Recall@20 {rec:.4f}", flush=True)
        if rec > best:
            best, best_epoch, bad = rec, epoch, 0
            test_at_best = evaluate(model, edge_index, n_users, n_items, test, [train, valid])
            t_best = time.time() - t_start
        else:
            bad += 1
            if bad >= args.patience:
                break
    return {"sec_per_epoch": float(np.mean(times)), "epochs": len(times), "best_epoch": best_epoch,
            "valid_recall20_last": rec,
            "recall20": test_at_best[0], "ndcg20": test_at_best[1], "seconds_to_best": t_best}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="directory with train.json / val.json / test.json")
    ap.add_argument("--mmgraph", default="build/mmgraph")
    ap.add_argument("--config", default="configs/lightgcn.yaml")
    ap.add_argument("--mmgraph-log", help="reuse this JSONL log instead of running mmgraph")
    ap.add_argument("--device", default="cpu", help="mmgraph device: cpu, cuda, cuda:N")
    ap.add_argument("--pyg-device", default="cpu", help="torch device of the PyG run: cpu or cuda")
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--reg", type=float, default=1e-4)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=2048)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--patience", type=int, default=20)
    ap.add_argument("--max-epochs", type=int, default=1000, help="epoch cap of the mmgraph run")
    ap.add_argument("--pyg-max-epochs", type=int, default=None, help="epoch cap of the PyG run (default: --max-epochs)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--skip-pyg", action="store_true")
    args = ap.parse_args()

    if args.mmgraph_log:
        ours = summarise_mmgraph(args.mmgraph_log, args.pyg_max_epochs)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "mmgraph.jsonl")
            run_mmgraph(args, log)
            ours = summarise_mmgraph(log, args.pyg_max_epochs)
    print(f"mmgraph: {ours['sec_per_epoch']:.3f} s/epoch, {ours['epochs']} epochs, best epoch {ours['best_epoch']}, "
          f"test Recall@20 {ours['recall20']:.4f} NDCG@20 {ours['ndcg20']:.4f}", flush=True)
    if args.skip_pyg:
        return
    train, valid, test, n_users, n_items = load_data(args.data)
    theirs = run_pyg(args, train, valid, test, n_users, n_items)
    print(f"pyg:     {theirs['sec_per_epoch']:.3f} s/epoch, {theirs['epochs']} epochs, best epoch "
          f"{theirs['best_epoch']}, test Recall@20 {theirs['recall20']:.4f} NDCG@20 {theirs['ndcg20']:.4f}")
    print(f"speed-up (PyG s/epoch / mmgraph s/epoch): {theirs['sec_per_epoch'] / ours['sec_per_epoch']:.1f}x")
    print(json.dumps({"mmgraph": ours, "pyg": theirs, "torch_threads": torch.get_num_threads(),
                      "pyg_device": args.pyg_device, "mmgraph_device": args.device}))


if __name__ == "__main__":
    sys.exit(main())
