#!/usr/bin/env python3
"""MMRec (github enoche/MMRec) as a side-by-side peer on one of our splits.

Converts a LATTICE-style split (train/val/test.json + *_feat.npy) into MMRec's
layout in a scratch folder -- <name>.inter with columns userID, itemID, x_label
(0 train, 1 valid, 2 test; ids unchanged), image_feat.npy as MMRec's v_feat and
the second modality (text, or TikTok's audio) as its t_feat, converted to
float32 -- writes a dataset yaml, runs MMRec's own quick_start for one model
with one hyper-parameter setting, and prints a JSON summary: seconds per
training epoch (MMRec's own timer, which includes pre-epoch processing such as
FREEDOM's pruning), epochs run, best validation epoch, and validation and test
metrics at that epoch (MMRec's full ranking, training items masked).

MMRec itself is not modified: it is copied into the scratch folder, which is
where its configs/dataset/<name>.yaml and data/ go; the one run-time shim is
numpy's removed `np.float` alias (numpy >= 1.24), restored in MMRec's process. Needs torch, numpy<2,
scipy, pandas, pyyaml (see bench/peers/README.md).

  bench/peers/mmrec_peer.py --mmrec /path/to/MMRec --data ../shared/datasets/tiktok \
      --model FREEDOM --set dropout=0.8 --set reg_weight=0.001 --epochs 1000 --seed 999
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np


def load_split(path):
    with open(path) as f:
        raw = json.load(f)
    return {int(u): sorted(set(int(i) for i in items)) for u, items in raw.items()}


def write_mmrec_dataset(data_dir, out_dir, name):
    """Writes <out_dir>/<name>.inter and the feature files; returns the modalities written."""
    splits = [load_split(os.path.join(data_dir, f)) for f in ("train.json", "val.json", "test.json")]
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name + ".inter"), "w") as f:
        f.write("userID\titemID\tx_label\n")
        for label, split in enumerate(splits):
            for u in sorted(split):
                for i in split[u]:
                    f.write(f"{u}\t{i}\t{label}\n")
    feats = sorted(p for p in os.listdir(data_dir) if p.endswith("_feat.npy"))
    if not feats:
        return {}
    # MMRec knows two slots: v_feat (image) and t_feat (text). The image goes to v_feat, the
    # other modality (text, else the first other one, e.g. TikTok's audio) to t_feat.
    names = [p[:-len("_feat.npy")] for p in feats]
    slots = {}
    if "image" in names:
        slots["image_feat.npy"] = "image"
    others = [n for n in names if n != "image"]
    if others:
        slots["text_feat.npy"] = "text" if "text" in others else others[0]
    for target, source in slots.items():
        a = np.load(os.path.join(data_dir, source + "_feat.npy")).astype(np.float32)
        np.save(os.path.join(out_dir, target), a)
    return {"v_feat" if t.startswith("image") else "t_feat": s for t, s in slots.items()}


METRIC = re.compile(r"([a-z]+@\d+): ([0-9.]+)")


def parse_metrics(text):
    return {k.replace("recall", "Recall").replace("ndcg", "NDCG").replace("precision", "Precision")
            .replace("map", "MAP"): float(v) for k, v in METRIC.findall(text)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mmrec", required=True, help="a checkout of github enoche/MMRec")
    p.add_argument("--data", required=True, help="folder with train.json, val.json, test.json, *_feat.npy")
    p.add_argument("--model", required=True, help="MMRec model name: LightGCN, FREEDOM, VBPR, LATTICE, MGCN, ...")
    p.add_argument("--set", action="append", default=[], help="hyper-parameter key=value (repeatable)")
    p.add_argument("--epochs", type=int, default=1000)
    p.add_argument("--seed", type=int, default=999)
    p.add_argument("--gpu", action="store_true", help="use MMRec's GPU path (default: CPU)")
    p.add_argument("--keep", default=None, help="scratch folder to use and keep (default: a temporary one)")
    p.add_argument("--log", default=None, help="write MMRec's full log here")
    args = p.parse_args()

    src = os.path.join(args.mmrec, "src")
    if not os.path.isfile(os.path.join(src, "utils", "quick_start.py")):
        sys.exit(f"mmrec_peer.py: {args.mmrec}: not an MMRec checkout (no src/utils/quick_start.py)")
    for f in ("train.json", "val.json", "test.json"):
        if not os.path.isfile(os.path.join(args.data, f)):
            sys.exit(f"mmrec_peer.py: {os.path.join(args.data, f)}: no such file")

    scratch = args.keep or tempfile.mkdtemp(prefix="mmrec_peer_")
    name = os.path.basename(os.path.normpath(args.data)).replace("-", "_")
    run_src = os.path.join(scratch, "src")
    if os.path.exists(run_src):
        shutil.rmtree(run_src)
    shutil.copytree(src, run_src)
    modalities = write_mmrec_dataset(args.data, os.path.join(scratch, "data", name), name)
    with open(os.path.join(run_src, "configs", "dataset", name + ".yaml"), "w") as f:
        f.write("USER_ID_FIELD: userID\nITEM_ID_FIELD: itemID\nTIME_FIELD: timestamp\n"
                "filter_out_cod_start_users: True\n"
                f"inter_file_name: '{name}.inter'\n"
                "vision_feature_file: 'image_feat.npy'\ntext_feature_file: 'text_feat.npy'\n"
                "user_graph_dict_file: 'user_graph_dict.npy'\nfield_separator: \"\\t\"\n")

    overrides = {"epochs": args.epochs, "seed": [args.seed], "use_gpu": bool(args.gpu), "gpu_id": 0,
                 "data_path": os.path.join(scratch, "data") + os.sep}
    for s in args.set:
        key, _, value = s.partition("=")
        if not value:
            sys.exit(f"mmrec_peer.py: --set {s}: expected key=value")
        # MMRec iterates every hyper-parameter as a list: one value is a list of one.
        overrides[key] = [json.loads(value)] if value[0] not in "[" else json.loads(value)
    # MMRec's metrics use np.float, an alias numpy >= 1.24 removed: restore it for
    # this process only (MMRec's files are not touched).
    runner = ("import sys, json; import numpy as np; np.float = float; sys.path.insert(0, '.');"
              "from utils.quick_start import quick_start;"
              f"quick_start(model={args.model!r}, dataset={name!r}, config_dict=json.loads({json.dumps(json.dumps(overrides))}), "
              "save_model=False)")
    proc = subprocess.run([sys.executable, "-c", runner], cwd=run_src, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    if args.log:
        with open(args.log, "w") as f:
            f.write(log)
    if proc.returncode != 0:
        sys.stderr.write(log[-4000:])
        sys.exit(f"mmrec_peer.py: MMRec exited with {proc.returncode}")

    times = [float(t) for t in re.findall(r"epoch \d+ training \[time: ([0-9.]+)s", log)]
    best = re.search(r"best eval result in epoch (\d+)", log)
    valid = parse_metrics(log.split("best valid result:")[-1].split("test result:")[0])
    test = parse_metrics(log.split("best valid result:")[-1].split("test result:")[1].split("████")[0])
    print(json.dumps({
        "peer": "MMRec", "model": args.model, "data": args.data, "modalities": modalities,
        "settings": {k: v for k, v in overrides.items() if k not in ("data_path",)},
        "epochs_run": len(times), "seconds_per_epoch": sum(times) / len(times) if times else None,
        "epoch_seconds": times, "best_epoch": int(best.group(1)) if best else None,
        "valid": valid, "test": test,
    }, indent=1))


if __name__ == "__main__":
    main()
