exec(open('' + __import__('os').path.dirname(__import__('os').path.abspath(__file__)) + '/proto.py').read().split("show('as trained', rep)")[0])
def evaluate2(items):
    hits, n, chits, cn, ncold = 0, 0, 0, 0, []
    for u, its in truth.items():
        its = [imap[str(i)] for i in its if str(i) in imap]; n += 1
        if u not in umap: continue
        ui = umap[u]; s = items @ users[ui]
        s[col[rp[ui]:rp[ui + 1]]] = -np.inf
        for j in extra.get(u, []): s[j] = -np.inf
        topl = np.argpartition(-s, 20)[:20]; top = set(topl.tolist()); ncold.append(int(cold[topl].sum()))
        hits += len(set(its) & top) / max(len(its), 1)
        c = [i for i in its if cold[i]]
        if c: cn += 1; chits += len(set(c) & top) / len(c)
    return hits / n, chits / max(cn, 1), np.mean(ncold)
wn = np.linalg.norm(rep[~cold], axis=1).mean()
Fn = F / np.linalg.norm(F, axis=1, keepdims=True)
warm_ids = np.where(~cold)[0]
rng = np.random.default_rng(0)
for k in (10,):
    sim = Fn[cold] @ Fn[~cold].T
    idx = np.argpartition(-sim, k, axis=1)[:, :k]
    p = rep[warm_ids[idx]].mean(1)
    for a in (1.0, 1.25, 1.5, 1.75):
        x2 = rep.copy(); x2[cold] = a * p / np.linalg.norm(p, axis=1, keepdims=True) * wn
        r, cr, nc = evaluate2(x2)
        # control: each cold item gets the mean of k random warm items (no content)
        pr = rep[warm_ids[rng.integers(0, len(warm_ids), size=idx.shape)]].mean(1)
        x3 = rep.copy(); x3[cold] = a * pr / np.linalg.norm(pr, axis=1, keepdims=True) * wn
        r3, cr3, nc3 = evaluate2(x3)
        print('knn %d x%.2f: R@20 %.4f cold %.4f cold-in-top20 %.2f | random-neighbour control: R@20 %.4f cold %.4f cold-in-top20 %.2f' % (k, a, r, cr, nc, r3, cr3, nc3), flush=True)
print('cold items', int(cold.sum()))
