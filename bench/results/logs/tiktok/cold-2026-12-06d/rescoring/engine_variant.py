exec(open('' + __import__('os').path.dirname(__import__('os').path.abspath(__file__)) + '/control.py').read().split("wn = np.linalg.norm")[0])
wn = np.linalg.norm(rep[~cold], axis=1).mean()
print('mean warm norm %.3f, mean cold norm (as trained) %.3f' % (wn, np.linalg.norm(rep[cold], axis=1).mean()))
for a in (1.0, 1.25, 1.5, 1.75):
    x2 = rep.copy(); p = rep[cold]; x2[cold] = a * wn * p / np.linalg.norm(p, axis=1, keepdims=True)
    print('engine imputation, cold rows at %.2f x warm mean norm: R@20 %.4f cold %.4f cold-in-top20 %.2f' % ((a,) + evaluate2(x2)), flush=True)
