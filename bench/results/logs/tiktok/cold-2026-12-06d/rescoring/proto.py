# Float64 re-scoring of a checkpoint's saved representations with cold items replaced (README.md here).
# Prototype: cold items' representations from content by a ridge map fitted on warm items.
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
ck, data, split = load(sys.argv[1]), sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else 'val'
meta = ck['__metadata__']; U, I = int(meta['n_users']), int(meta['n_items'])
rp, col = ck['data.train.row_ptr'], ck['data.train.col']
di = np.bincount(col, minlength=I); cold = di == 0
rep = ck['best.item_rep'].astype(np.float64); users = ck['best.user_rep'].astype(np.float64)
uid = bytes(ck['data.user_ids']).split(b'\n'); iid = bytes(ck['data.item_ids']).split(b'\n')
umap = {k.decode(): n for n, k in enumerate(uid) if k}; imap = {k.decode(): n for n, k in enumerate(iid) if k}
order = np.array([int(iid[n]) for n in range(I)])
F = np.hstack([np.load(data + '/image_feat.npy')[order], np.load(data + '/audio_feat.npy')[order]]).astype(np.float64)
F = (F - F[~cold].mean(0)) / (F[~cold].std(0) + 1e-8)
F1 = np.hstack([F, np.ones((I, 1))])
truth = json.load(open(data + '/%s.json' % split))
masks = [col]
extra = {}
if split == 'test':
    for u, its in json.load(open(data + '/val.json')).items(): extra[u] = [imap[str(i)] for i in its if str(i) in imap]
def evaluate(items):
    hits, n, chits, cn, ranks = 0, 0, 0, 0, []
    for u, its in truth.items():
        its = [imap[str(i)] for i in its if str(i) in imap]; n += 1
        if u not in umap: continue
        ui = umap[u]; s = items @ users[ui]
        s[col[rp[ui]:rp[ui + 1]]] = -np.inf
        for j in extra.get(u, []): s[j] = -np.inf
        top = set(np.argpartition(-s, 20)[:20].tolist())
        hits += len(set(its) & top) / max(len(its), 1)
        c = [i for i in its if cold[i]]
        if c:
            cn += 1; chits += len(set(c) & top) / len(c); ranks += [int((s > s[i]).sum()) for i in c]
    return hits / n, chits / max(cn, 1), np.median(ranks) if ranks else -1, cn
def show(name, items):
    r, cr, med, cn = evaluate(items)
    print('%-34s R@20 %.4f  cold R@20 %.4f (%d users)  cold median rank %.0f' % (name, r, cr, cn, med), flush=True)
show('as trained', rep)
wn = np.linalg.norm(rep[~cold], axis=1).mean()
for lam in (1.0, 10.0, 100.0, 1000.0):
    A = F1[~cold].T @ F1[~cold] + lam * np.eye(F1.shape[1]); W = np.linalg.solve(A, F1[~cold].T @ rep[~cold])
    pred = F1 @ W
    r2 = 1 - ((pred[~cold] - rep[~cold]) ** 2).sum() / ((rep[~cold] - rep[~cold].mean(0)) ** 2).sum()
    x = rep.copy(); x[cold] = pred[cold]
    show('ridge lam %g (warm R2 %.2f)' % (lam, r2), x)
    x2 = rep.copy(); p = pred[cold]; x2[cold] = p / np.linalg.norm(p, axis=1, keepdims=True) * wn
    show('ridge lam %g, warm mean norm' % lam, x2)
print('-- norm scale sweep (lam 10)')
A = F1[~cold].T @ F1[~cold] + 10.0 * np.eye(F1.shape[1]); W = np.linalg.solve(A, F1[~cold].T @ rep[~cold]); pred = F1 @ W
for a in (1.25, 1.5, 2.0, 3.0):
    x2 = rep.copy(); p = pred[cold]; x2[cold] = a * p / np.linalg.norm(p, axis=1, keepdims=True) * wn
    show('ridge, %.2f x warm mean norm' % a, x2)
# neighbours' reps (content kNN, cosine on standardized features), norm matched
Fn = F / np.linalg.norm(F, axis=1, keepdims=True)
for k in (10, 50):
    sim = Fn[cold] @ Fn[~cold].T
    idx = np.argpartition(-sim, k, axis=1)[:, :k]
    warm_ids = np.where(~cold)[0]
    p = rep[warm_ids[idx]].mean(1)
    for a in (1.0, 1.5):
        x2 = rep.copy(); x2[cold] = a * p / np.linalg.norm(p, axis=1, keepdims=True) * wn
        show('knn %d mean, %.1f x norm' % (k, a), x2)
