#!/usr/bin/env python3
"""Validation Recall@20 of an mmgraph checkpoint's best representations with and
without the cold-item imputation (which changes only cold items' rows: training
never reads them), and the median rank of the cold validation items both ways.
X = LightGCN(E) and S X are recomputed from the checkpoint's embedding, training
graph and item graph (n_layers 2, n_mm_layers 1: configs/mmgraph.yaml); the first
line checks them against the saved representations.
Needs numpy (Debian's python3-numpy).

  bench/tiktok/impute_ablation.py runs/ck/seed1/best.safetensors ../shared/datasets/tiktok
"""
import json, struct, sys
import numpy as np

def load(path):
    b = open(path, 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8 + n]); base = 8 + n
    dt = {'F32': np.float32, 'I64': np.int64, 'I32': np.int32, 'U8': np.uint8}
    out = {}
    for k, v in h.items():
        if k == '__metadata__': out[k] = v; continue
        s, e = v['data_offsets']
        out[k] = np.frombuffer(b[base + s:base + e], dtype=dt[v['dtype']]).reshape(v['shape'])
    return out

def spmm(rp, col, val, x):
    rows = np.repeat(np.arange(len(rp) - 1), np.diff(rp))
    out = np.zeros((len(rp) - 1, x.shape[1]), dtype=np.float64)
    np.add.at(out, rows, val[:, None] * x[col])
    return out

ck, data = load(sys.argv[1]), sys.argv[2]
meta = ck['__metadata__']
U, I = int(meta['n_users']), int(meta['n_items'])
E = ck['param.embedding'].astype(np.float64)
rp, col = ck['data.train.row_ptr'], ck['data.train.col']
# normalised bipartite adjacency on U + I nodes
du = np.diff(rp).astype(np.float64); di = np.bincount(col, minlength=I).astype(np.float64)
urows = np.repeat(np.arange(U), np.diff(rp))
w = 1.0 / np.sqrt(du[urows] * di[col])
def prop(x):
    y = np.zeros_like(x)
    np.add.at(y, urows, w[:, None] * x[U + col]); np.add.at(y[U:], col, w[:, None] * x[urows])
    return y
X = E.copy(); cur = E
for _ in range(2): cur = prop(cur); X += cur
X /= 3.0
S = (ck['state.graph.row_ptr'], ck['state.graph.col'], ck['state.graph.val'].astype(np.float64))
h = spmm(*S, E[U:]); hn = h / np.maximum(np.linalg.norm(h, axis=1, keepdims=True), 1e-12)
rep = ck['best.item_rep'].astype(np.float64); users = ck['best.user_rep'].astype(np.float64)
cold = di == 0
xhat = spmm(*S, X[U:])
print('cold items', int(cold.sum()), ' max |warm rep - (X_i + h/|h|)|', np.abs(rep[~cold] - (X[U:] + hn)[~cold]).max(),
      ' max |cold rep - (xhat + h/|h|)|', np.abs(rep[cold] - (xhat + hn)[cold]).max())
noimp = rep.copy(); noimp[cold] = (X[U:] + hn)[cold]
uid = bytes(ck['data.user_ids']).split(b'\n'); iid = bytes(ck['data.item_ids']).split(b'\n')
umap = {k.decode(): n for n, k in enumerate(uid) if k}; imap = {k.decode(): n for n, k in enumerate(iid) if k}
valid = json.load(open(data + '/val.json'))
def recall(items):
    hits, n, ranks = 0, 0, []
    for u, its in valid.items():
        its = [imap[str(i)] for i in its if str(i) in imap]; n += 1
        if u not in umap: continue
        ui = umap[u]; s = items @ users[ui]
        s[col[rp[ui]:rp[ui + 1]]] = -np.inf
        top = np.argpartition(-s, 20)[:20]
        ranks += [int((s > s[i]).sum()) for i in its if cold[i]]
        hits += len(set(its) & set(top.tolist())) / max(len(its), 1)
    return hits / n, np.median(ranks), len(ranks)
print('logged best valid', json.loads(meta['best_valid'])[1], 'epoch', meta['best_epoch'])
for name, items in (('with imputation', rep), ('without', noimp)):
    r, med, nc = recall(items)
    print('%s: valid R@20 %.4f, median rank of the %d cold valid items %.0f (of %d)' % (name, r, nc, med, I))
