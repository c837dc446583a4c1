#!/usr/bin/env python3
"""Run MMRec's own code (github.com/enoche/MMRec) as the peer on one of our JSON splits.

What it does
  1. Converts a LATTICE-style split (train.json / val.json / test.json, {"user": [items]}) and its
     item features into MMRec's layout in a scratch directory:
       <work>/data/<name>/<name>.inter   tab-separated userID, itemID, x_label (0 train, 1 valid, 2 test);
                                         user and item ids unchanged
       <work>/data/<name>/image_feat.npy float32 copy of image_feat.npy        (MMRec's v_feat)
       <work>/data/<name>/text_feat.npy  float32 copy of text_feat.npy, or of audio_feat.npy when the
                                         data set has no text modality (TikTok: audio in the t_feat slot)
       <work>/src/                       a copy of MMRec's src/ (its configs, models, trainer, evaluator)
       <work>/src/configs/dataset/<name>.yaml   dataset yaml written after MMRec's configs/dataset/baby.yaml
  2. Runs MMRec's entry point, utils.quick_start.quick_start(model, dataset, config_dict) -- what
     src/main.py calls, with config_dict holding our fixed settings (config_dict has the highest priority
     in MMRec's Config, above overall.yaml < dataset yaml < model yaml). One setting, no grid: every key
     in MMRec's `hyper_parameters` lists takes the FIRST value its yaml lists (FREEDOM: dropout 0.8,
     reg_weight 0.0; LightGCN: n_layers 1, reg_weight 1e-2) unless `--set key=value` gives another.
     Everything else is MMRec's default: embedding 64, Adam lr 1e-3, batch 2048, stopping_step 20,
     valid_metric Recall@20, evaluation every epoch by full ranking over all items with each user's
     training items masked (MMRec's Trainer.evaluate, unchanged). `--grid` keeps MMRec's lists instead.
     Mind LATTICE: the first learning_rate its yaml lists is 1e-4 (add --set learning_rate=0.001).
  3. Parses MMRec's log file (<work>/src/log/<model>-<name>-<time>.log) and prints a JSON summary on
     stdout: seconds per training epoch (list and mean; MMRec's own timer around pre_epoch_processing +
     the batches + the lr step), seconds per validation, best validation epoch, and validation and test
     Recall/NDCG/Precision/MAP @5/10/20/50 at that epoch (MMRec rounds them to 4 decimals).

MMRec itself is not modified (its files are copied as they are). What is patched happens at run time,
in the driver process only, and the summary lists what was applied ("runtime_patches"):
  * numpy >= 1.24 removed the alias np.float that MMRec's utils/metrics.py uses (ndcg_, map_); the
    driver restores it as `np.float = float` (exactly what the alias was) before importing MMRec.
  * MMRec logs an epoch's training time only for models whose loss is a scalar (its
    _generate_train_loss_output drops the time for tuple losses), so the driver wraps that method to
    log one extra line per epoch, "[mmrec_peer] epoch E train_seconds S", with MMRec's own start and end
    times. The original log lines are unchanged.
  * CPU runs only: torch.Tensor.cuda becomes the identity, because LATTICE and MGCN call .cuda() on their
    item graphs unconditionally (LightGCN, FREEDOM and VBPR never call it).
  * Only if torch_scatter is not installed: a torch_scatter module with scatter_add written in plain torch
    (MMRec's utils.get_sparse_laplacian, used by MGCN, needs nothing else from it).

MMRec behaviour worth knowing when comparing: validation/test users with no training interaction are
dropped (filter_out_cod_start_users; 5 + 5 users on TikTok); negatives are sampled uniformly among items
that occur in training; the epoch is chosen on validation Recall@20 (strictly better updates the best),
and training stops after 20 evaluations without improvement (stopping_step 20 -> 21 non-improving).

Set-up (once; see bench/peers/README.md):
  apt-get install -y python3-torch python3-venv python3-scipy python3-pandas python3-yaml \\
                     python3-lmdb python3-torchvision
  /usr/bin/python3 -m venv --system-site-packages /work/venv-peer
  git clone https://github.com/enoche/MMRec /work/mmrec

Run (from the repository root):
  nice -n 10 /work/venv-peer/bin/python bench/peers/mmrec_peer.py --mmrec /work/mmrec \\
      --data ../shared/datasets/tiktok --model FREEDOM [--epochs 3] [--seed 999] \\
      [--set dropout=0.9 --set reg_weight=1e-4] [--device cpu] [--work DIR] [--log-copy FILE]

Models run here: LightGCN, FREEDOM, VBPR, LATTICE, MGCN (others in MMRec's src/models may need packages
Debian lacks, e.g. torch_geometric).
Exit status: 0 on success, 2 on a usage/input error, 1 if MMRec fails (its output tail is printed).
"""
import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import yaml

SPLITS = (("train.json", 0), ("val.json", 1), ("test.json", 2))
FEATURE_SLOTS = (  # (MMRec file, candidate source files in order of preference)
    ("image_feat.npy", ("image_feat.npy",)),
    ("text_feat.npy", ("text_feat.npy", "audio_feat.npy")),
)
REPORT_METRICS = ("recall", "ndcg", "precision", "map")


class InputError(Exception):
    pass


def parse_value(text):
    """Value of a --set: YAML (lists, ints, bools), with 1e-4 style floats read as floats."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise InputError(f"--set value {text!r} is not valid YAML: {e}")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    return value


def parse_sets(pairs):
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise InputError(f"--set expects key=value, got {pair!r}")
        key, text = pair.split("=", 1)
        key = key.strip()
        if key in ("hyper_parameters", "model", "dataset", "data_path"):
            raise InputError(f"--set {key} is managed by this script")
        out[key] = parse_value(text.strip())
    return out


def check_mmrec(mmrec, model):
    src = os.path.join(mmrec, "src")
    needed = [os.path.join(src, p) for p in ("main.py", "utils/quick_start.py", "common/trainer.py",
                                              "configs/overall.yaml")]
    missing = [p for p in needed if not os.path.isfile(p)]
    if missing:
        raise InputError(f"{mmrec} does not look like an MMRec checkout (missing {', '.join(missing)}); "
                         "clone https://github.com/enoche/MMRec and pass its root with --mmrec")
    if not os.path.isfile(os.path.join(src, "models", model.lower() + ".py")):
        models = sorted(f[:-3] for f in os.listdir(os.path.join(src, "models")) if f.endswith(".py"))
        raise InputError(f"MMRec has no model {model!r} (src/models/{model.lower()}.py); it has: {', '.join(models)}")
    with open(os.path.join(src, "models", model.lower() + ".py")) as f:
        classes = re.findall(r"^class (\w+)\(", f.read(), re.M)
    if model not in classes:
        raise InputError(f"src/models/{model.lower()}.py defines {', '.join(classes)}: spell the model as its class")
    return src


def mmrec_commit(mmrec):
    try:
        return subprocess.run(["git", "-C", mmrec, "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def load_split(path):
    try:
        with open(path) as f:
            raw = json.load(f)
    except FileNotFoundError:
        raise InputError(f"missing split file {path}")
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON ({e})")
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected an object {{\"user\": [items]}}")
    rows = []
    for user, items in raw.items():
        try:
            u = int(user)
            its = [int(i) for i in items]
        except (TypeError, ValueError):
            raise InputError(f"{path}: user {user!r} has a non-integer id or item list")
        if u < 0 or any(i < 0 for i in its):
            raise InputError(f"{path}: negative id for user {user!r}")
        rows.extend((u, i) for i in sorted(set(its)))
    return rows


PREPARED_SPLITS = (("train", 0), ("valid", 1), ("test", 2))
PREPARED_DTYPES = {"int64": "<i8", "int32": "<i4", "float32": "<f4"}


def load_prepared(data_dir):
    """An mmgraph prepared set (`mmgraph prepare --out DIR`: manifest.json and raw little-endian arrays):
    (rows [(user, item, label)], counts, {modality: memory-mapped float32 [items x dim]})."""
    path = os.path.join(data_dir, "manifest.json")
    try:
        with open(path) as f:
            manifest = json.load(f)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON ({e})")
    if manifest.get("format") != "mmgraph-dataset":
        raise InputError(f"{path}: not an mmgraph prepared data set (format {manifest.get('format')!r})")
    arrays = {a["name"]: a for a in manifest.get("arrays", [])}

    def array(name):
        if name not in arrays:
            raise InputError(f"{path}: no array {name!r}")
        a = arrays[name]
        if a["dtype"] not in PREPARED_DTYPES:
            raise InputError(f"{path}: array {name!r} has dtype {a['dtype']!r}")
        file = os.path.join(data_dir, a["file"])
        dtype = np.dtype(PREPARED_DTYPES[a["dtype"]])
        count = int(np.prod(a["shape"]))
        if not os.path.isfile(file) or os.path.getsize(file) != count * dtype.itemsize:
            raise InputError(f"{file}: expected {count * dtype.itemsize} bytes for {name} {a['shape']}")
        return np.memmap(file, dtype=dtype, mode="r", shape=tuple(a["shape"]))

    rows, counts = [], {}
    for split, label in PREPARED_SPLITS:
        row_ptr, col = array(f"{split}_row_ptr"), array(f"{split}_col")
        users = np.repeat(np.arange(len(row_ptr) - 1, dtype=np.int64), np.diff(row_ptr))
        counts[split] = int(len(col))
        rows.extend(zip(users.tolist(), col.tolist(), [label] * len(col)))
    features = {m: array(f"feature_{m}") for m in manifest.get("features", [])}
    return rows, counts, features


def convert(data_dir, name, data_out):
    """Writes <name>.inter and the float32 feature files; returns a description of what was written."""
    if not os.path.isdir(data_dir):
        raise InputError(f"data directory {data_dir} does not exist")
    os.makedirs(data_out, exist_ok=True)
    if os.path.isfile(os.path.join(data_dir, "manifest.json")):
        return convert_prepared(data_dir, name, data_out)
    rows, counts = [], {}
    for fname, label in SPLITS:
        split = load_split(os.path.join(data_dir, fname))
        counts[fname] = len(split)
        rows.extend((u, i, label) for u, i in split)
    n_items = 1 + max(r[1] for r in rows)
    write_inter(os.path.join(data_out, f"{name}.inter"), rows)
    feats = {}
    for target, sources in FEATURE_SLOTS:
        for source in sources:
            path = os.path.join(data_dir, source)
            if not os.path.isfile(path):
                continue
            try:
                arr = np.load(path, allow_pickle=False)
            except ValueError as e:
                raise InputError(f"{path}: cannot read as .npy ({e})")
            if arr.ndim != 2:
                raise InputError(f"{path}: expected a 2-d array, got shape {arr.shape}")
            if arr.shape[0] < n_items:
                raise InputError(f"{path}: {arr.shape[0]} rows but item ids go up to {n_items - 1}")
            arr = arr.astype(np.float32)
            if not np.isfinite(arr).all():
                raise InputError(f"{path}: non-finite values")
            np.save(os.path.join(data_out, target), arr)
            feats[target] = f"{source} {arr.shape[0]}x{arr.shape[1]} -> float32"
            break
    return {"interactions": counts, "features": feats}


def write_inter(path, rows):
    rows.sort(key=lambda r: (r[2], r[0], r[1]))
    with open(path, "w") as f:
        f.write("userID\titemID\tx_label\n")
        f.writelines(f"{u}\t{i}\t{label}\n" for u, i, label in rows)


def convert_prepared(data_dir, name, data_out):
    """convert() for an mmgraph prepared set: the same .inter, and the modalities named image / text
    (else audio) as v_feat / t_feat, like the JSON layout's files."""
    rows, counts, features = load_prepared(data_dir)
    write_inter(os.path.join(data_out, f"{name}.inter"), rows)
    feats = {}
    for target, sources in FEATURE_SLOTS:
        for source in sources:
            modality = source[: -len("_feat.npy")]
            if modality in features:
                arr = features[modality]
                np.save(os.path.join(data_out, target), np.asarray(arr, dtype=np.float32))
                feats[target] = f"feature_{modality} {arr.shape[0]}x{arr.shape[1]} -> float32"
                break
    return {"interactions": counts, "features": feats}


class _MMRecLoader(yaml.FullLoader):
    """yaml.FullLoader plus the float resolver MMRec's Config adds (so 1e-05 reads as a float)."""


_MMRecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
                |\.[0-9_]+(?:[eE][-+][0-9]+)?
                |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                |[-+]?\.(?:inf|Inf|INF)
                |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."))


def load_mmrec_yaml(src, model, name):
    """The merged file config MMRec builds (overall < dataset < model) and its hyper_parameters list."""
    merged, hyper = {}, []
    for path in (os.path.join(src, "configs", "overall.yaml"),
                 os.path.join(src, "configs", "dataset", f"{name}.yaml"),
                 os.path.join(src, "configs", "model", f"{model}.yaml")):
        if os.path.isfile(path):
            with open(path) as f:
                data = yaml.load(f, Loader=_MMRecLoader) or {}
            hyper.extend(data.get("hyper_parameters") or [])
            merged.update(data)
    return merged, hyper


def float_like(v):
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return v
    return v


def build_config_dict(src, model, name, args, sets):
    merged, hyper = load_mmrec_yaml(src, model, name)
    if not os.path.isfile(os.path.join(src, "configs", "model", f"{model}.yaml")):
        print(f"warning: MMRec has no configs/model/{model}.yaml; using overall.yaml only", file=sys.stderr)
    config = {"gpu_id": 0}
    grid = []
    for key in hyper:
        if key == "seed" or key in config:
            continue
        value = sets.get(key, merged.get(key))
        if isinstance(value, list) and (args.grid or key in sets):
            grid.append(key)
            config[key] = [float_like(v) for v in value]
        elif isinstance(value, list):
            config[key] = float_like(value[0])
        else:
            config[key] = float_like(value)
    for key, value in sets.items():
        if key not in config:
            config[key] = value
    config["seed"] = [args.seed]
    config["hyper_parameters"] = ["seed"] + grid
    if args.epochs is not None:
        config["epochs"] = args.epochs
    if args.device == "cpu":
        config["use_gpu"] = False
    elif args.device == "cuda":
        config["use_gpu"] = True
    # Effective values of the model's own keys and the training keys, for the summary.
    effective = {}
    model_yaml = os.path.join(src, "configs", "model", f"{model}.yaml")
    model_keys = []
    if os.path.isfile(model_yaml):
        with open(model_yaml) as f:
            model_keys = [k for k in (yaml.load(f, Loader=_MMRecLoader) or {}) if k != "hyper_parameters"]
    for key in model_keys + ["embedding_size", "learning_rate", "learning_rate_scheduler", "train_batch_size",
                             "epochs", "stopping_step", "valid_metric", "weight_decay", "eval_batch_size",
                             "training_neg_sample_num", "filter_out_cod_start_users"] + list(sets):
        effective[key] = config.get(key, merged.get(key))
    effective["seed"] = args.seed
    return config, effective, grid


DRIVER = r'''# Written by mmgraph's bench/peers/mmrec_peer.py; runs MMRec's quick_start with a config dict.
import json, sys, types
import numpy as np
spec = json.load(open(sys.argv[1]))
patches = []
if not hasattr(np, "float"):          # removed in numpy 1.24; MMRec's utils/metrics.py uses it
    np.float = float
    patches.append("np.float = float (alias removed in numpy 1.24; used by MMRec's utils/metrics.py)")
import torch
if spec.get("threads"):
    torch.set_num_threads(spec["threads"])
if not (spec["config"].get("use_gpu", True) and torch.cuda.is_available()):
    # LATTICE and MGCN call tensor.cuda() unconditionally; on a CPU run it keeps the tensor where it is.
    torch.Tensor.cuda = lambda self, *a, **k: self
    patches.append("torch.Tensor.cuda is the identity (CPU run; LATTICE/MGCN call .cuda() unconditionally)")
try:
    import torch_scatter  # noqa: F401
except ImportError:
    # MMRec's utils.get_sparse_laplacian (MGCN) needs only torch_scatter.scatter_add: same sum in plain torch.
    def scatter_add(src, index, dim=-1, out=None, dim_size=None):
        dim = dim + src.dim() if dim < 0 else dim
        if index.dim() == 1:
            shape = [1] * src.dim()
            shape[dim] = -1
            index = index.view(shape).expand_as(src)
        if out is None:
            size = list(src.size())
            size[dim] = dim_size if dim_size is not None else (int(index.max()) + 1 if index.numel() else 0)
            out = src.new_zeros(size)
        return out.scatter_add_(dim, index, src)
    shim = types.ModuleType("torch_scatter")
    shim.scatter_add = scatter_add
    sys.modules["torch_scatter"] = shim
    patches.append("torch_scatter.scatter_add in plain torch (torch_scatter not installed)")
import common.trainer as mmrec_trainer
_orig = mmrec_trainer.Trainer._generate_train_loss_output
def _timed(self, epoch_idx, s_time, e_time, losses):
    self.logger.info("[mmrec_peer] epoch %d train_seconds %.6f" % (epoch_idx, e_time - s_time))
    return _orig(self, epoch_idx, s_time, e_time, losses)
mmrec_trainer.Trainer._generate_train_loss_output = _timed
patches.append("one extra log line per epoch with MMRec's own training time")
import time
_start = time.time()
_orig_epoch = mmrec_trainer.Trainer._train_epoch
def _counted_epoch(self, train_data, epoch_idx, loss_func=None):
    inner = loss_func or self.model.calculate_loss
    state = {"done": 0, "start": time.time()}
    def counting(interaction):
        if state["done"] % spec["progress_every"] == 0:
            now = time.time()
            self.logger.info("[mmrec_peer] epoch %d steps %d of %d in %.3f s (%.3f s since start)"
                             % (epoch_idx, state["done"], len(train_data), now - state["start"], now - _start))
        state["done"] += 1
        return inner(interaction)
    return _orig_epoch(self, train_data, epoch_idx, counting)
mmrec_trainer.Trainer._train_epoch = _counted_epoch
patches.append("a log line every %d training steps with the steps done and the seconds (progress; "
               "an epoch's time extrapolated from it when a run is stopped)" % spec["progress_every"])
json.dump(patches, open(sys.argv[2], "w"))
def blas_report():
    """Which BLAS this torch calls, and which kernels it chose (a GEMM first, so that it is loaded)."""
    import ctypes
    torch.randn(256, 256) @ torch.randn(256, 256)
    libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.split()[-1].lower()})
    info = {"torch_blas_info": re.search(r"BLAS_INFO=([^,]*)", torch.__config__.show()).group(1),
            "torch_cpu_capability": torch.backends.cpu.get_cpu_capability()
            if hasattr(torch.backends, "cpu") else None,
            "torch_threads": torch.get_num_threads(), "libraries": libs}
    for lib in libs:
        try:
            handle = ctypes.CDLL(lib)
            for fn in ("openblas_get_corename", "openblas_get_config"):
                getattr(handle, fn).restype = ctypes.c_char_p
                info[fn] = getattr(handle, fn)().decode()
            break
        except (OSError, AttributeError):
            continue
    return info
import re
json.dump(blas_report(), open(sys.argv[3], "w"))
from utils.quick_start import quick_start
quick_start(model=spec["model"], dataset=spec["dataset"], config_dict=spec["config"], save_model=True)
'''

RUN_RE = re.compile(r"=========(\d+)/(\d+): Parameters:(.*)=======")
STEP_RE = re.compile(r"\[mmrec_peer\] epoch (\d+) steps (\d+) of (\d+) in ([0-9.]+) s \(([0-9.]+) s since start\)")
TIME_RE = re.compile(r"\[mmrec_peer\] epoch (\d+) train_seconds ([0-9.eE+-]+)")
EVAL_RE = re.compile(r"epoch (\d+) evaluating \[time: ([0-9.]+)s, valid_score: ([0-9.]+)\]")
TRAIN_RE = re.compile(r"epoch (\d+) training \[(.*)\]")
METRIC_RE = re.compile(r"([a-z0-9]+@\d+): ([0-9.]+)")
STOP_RE = re.compile(r"Finished training, best eval result in epoch (\d+)")
USERS_RE = re.compile(r"The number of users: (\d+)")


def parse_log(path):
    """Per run (one per grid point): epochs with train seconds, valid/test metrics, best epoch."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    runs, run, pending, section, users = [], None, None, None, {}
    for line in lines:
        if "====Validation====" in line:
            section = "valid"
        elif "====Testing====" in line:
            section = "test"
        elif "====Training====" in line:
            section = "train"
        m = USERS_RE.search(line)
        if m and section and section not in users:
            users[section] = int(m.group(1))
        m = RUN_RE.search(line)
        if m:
            run = {"parameters": m.group(3).strip(), "epochs": {}, "stopped_at": None}
            runs.append(run)
            continue
        if run is None:
            continue
        m = STEP_RE.search(line)
        if m:
            if "first_step_after_seconds" not in run:
                run["first_step_after_seconds"] = float(m.group(5))   # set-up: data, model, graphs
            run["progress"] = {"epoch": int(m.group(1)), "steps_done": int(m.group(2)),
                               "steps_per_epoch": int(m.group(3)), "epoch_seconds": float(m.group(4)),
                               "seconds_since_start": float(m.group(5))}
            continue
        m = TIME_RE.search(line)
        if m:
            run["epochs"].setdefault(int(m.group(1)), {})["train_seconds"] = float(m.group(2))
            continue
        m = TRAIN_RE.search(line)
        if m:
            ep = run["epochs"].setdefault(int(m.group(1)), {})
            loss = re.search(r"train loss: ([0-9.eE+-]+|nan)", m.group(2))
            ep["loss"] = float(loss.group(1)) if loss else m.group(2)
            continue
        m = EVAL_RE.search(line)
        if m:
            current = int(m.group(1))
            ep = run["epochs"].setdefault(current, {})
            ep["valid_seconds"] = float(m.group(2))
            run["current"] = current
            continue
        if line.rstrip().endswith("valid result:"):
            pending = "valid"
            continue
        if line.rstrip().endswith("test result:") and "current" in run and pending is None:
            pending = "test"
            continue
        if pending:
            metrics = {k: float(v) for k, v in METRIC_RE.findall(line)}
            if metrics:
                run["epochs"][run["current"]][pending] = metrics
            pending = None
            continue
        if "Best validation results updated" in line and "current" in run:
            run["best"] = run["current"]
            continue
        if "best valid result:" in line or ("test result:" in line and "current" not in run):
            metrics = {k: float(v) for k, v in METRIC_RE.findall(line)}
            if metrics:   # MMRec's own end-of-run summary of this run (not an epoch)
                run["final_valid" if "best valid" in line else "final_test"] = metrics
                run.pop("current", None)
            continue
        m = STOP_RE.search(line)
        if m:
            run["stopped_at"] = int(m.group(1))
    return runs, users


def summarise_run(run):
    eps = run["epochs"]
    order = sorted(eps)
    train_s = [eps[e]["train_seconds"] for e in order if "train_seconds" in eps[e]]
    valid_s = [eps[e]["valid_seconds"] for e in order if "valid_seconds" in eps[e]]
    best = run.get("best")

    def pick(metrics):
        if not metrics:
            return None
        return {k: v for k, v in metrics.items() if k.split("@")[0] in REPORT_METRICS}

    out = {
        "parameters": run["parameters"],
        "epochs_run": len(order),
        "train_seconds_mean": round(sum(train_s) / len(train_s), 4) if train_s else None,
        "train_seconds_mean_after_first": round(sum(train_s[1:]) / len(train_s[1:]), 4) if len(train_s) > 1 else None,
        "train_seconds": [round(s, 4) for s in train_s],
        "valid_eval_seconds_mean": round(sum(valid_s) / len(valid_s), 4) if valid_s else None,
        "stopped_early": run["stopped_at"] is not None,
        "best_epoch_mmrec": best,                      # MMRec's 0-based epoch index, as in its log
        "best_epoch": None if best is None else best + 1,  # 1-based: epochs trained at the best validation
        "valid": pick(eps.get(best, {}).get("valid")),
        "test": pick(eps.get(best, {}).get("test")),
        "valid_recall@20_by_epoch": [eps[e].get("valid", {}).get("recall@20") for e in order],
    }
    problems = []
    if run["stopped_at"] is not None and best is not None and run["stopped_at"] != best:
        problems.append(f"MMRec reports best epoch {run['stopped_at']}, its update lines say {best}")
    for split in ("valid", "test"):
        final, at_best = run.get("final_" + split), eps.get(best, {}).get(split)
        if final is not None and final != at_best:
            problems.append(f"MMRec's end-of-run {split} result differs from the parsed epoch {best}")
    out["consistent_with_mmrec_summary"] = not problems and "final_test" in run
    out["first_step_after_seconds"] = run.get("first_step_after_seconds")
    progress = run.get("progress")
    if progress:
        out["last_progress"] = progress
        if progress["steps_done"] > 0:
            out["epoch_seconds_extrapolated"] = round(
                progress["epoch_seconds"] * progress["steps_per_epoch"] / progress["steps_done"], 1)
    if problems:
        out["warning"] = "; ".join(problems)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="See the module docstring (head of this file) for details.")
    ap.add_argument("--mmrec", required=True, help="root of an MMRec checkout (has src/main.py)")
    ap.add_argument("--data", required=True, help="directory with train.json, val.json, test.json [+ *_feat.npy]")
    ap.add_argument("--model", required=True, help="MMRec model class name: LightGCN, FREEDOM, VBPR, LATTICE, MGCN ...")
    ap.add_argument("--name", help="data set name inside MMRec (default: the data directory's name)")
    ap.add_argument("--epochs", type=int, help="cap on training epochs (MMRec's default: 1000)")
    ap.add_argument("--seed", type=int, default=999, help="random seed (MMRec's default: 999)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override an MMRec config key (repeatable); a list value for a grid key makes a grid")
    ap.add_argument("--grid", action="store_true", help="keep MMRec's hyper-parameter lists (its grid search)")
    ap.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                    help="auto: MMRec's default (GPU 0 if torch sees one)")
    ap.add_argument("--threads", type=int, help="torch.set_num_threads in the MMRec process")
    ap.add_argument("--work", help="scratch directory (default: a new temporary one, removed unless --keep)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary scratch directory")
    ap.add_argument("--log-copy", help="copy MMRec's log file here")
    ap.add_argument("--python", default=sys.executable, help="interpreter for MMRec (default: this one)")
    ap.add_argument("--verbose", "-v", action="store_true", help="stream MMRec's output to stderr")
    ap.add_argument("--time-limit", type=float, help="stop MMRec after this many seconds (the summary then says "
                    "so, with its progress and an epoch time extrapolated from it)")
    ap.add_argument("--memory-limit", type=float, help="address-space limit of the MMRec process in GiB "
                    "(RLIMIT_AS): an allocation past it fails inside MMRec, which is then reported")
    ap.add_argument("--progress-every", type=int, default=50, help="log a progress line every N training steps")
    args = ap.parse_args()

    try:
        if args.epochs is not None and args.epochs < 1:
            raise InputError("--epochs must be >= 1")
        sets = parse_sets(args.set)
        mmrec = os.path.abspath(args.mmrec)
        if not os.path.isdir(mmrec):
            raise InputError(f"MMRec directory {mmrec} does not exist; clone https://github.com/enoche/MMRec")
        mmrec_src = check_mmrec(mmrec, args.model)
        data_dir = os.path.abspath(args.data)
        name = args.name or os.path.basename(data_dir.rstrip("/"))
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise InputError(f"data set name {name!r}: use letters, digits, '_' or '-' (--name)")

        temp = args.work is None
        work = tempfile.mkdtemp(prefix="mmrec_peer_") if temp else os.path.abspath(args.work)
    except InputError as e:
        print(f"mmrec_peer: error: {e}", file=sys.stderr)
        return 2
    try:
        src = os.path.join(work, "src")
        if os.path.exists(src):
            shutil.rmtree(src)
        shutil.copytree(mmrec_src, src, ignore=shutil.ignore_patterns("__pycache__", "log", "saved",
                                                                       "recommend_topk"))
        data_out = os.path.join(work, "data", name)
        if os.path.exists(data_out):
            shutil.rmtree(data_out)      # also drops FREEDOM/LATTICE's cached kNN graphs of an earlier run
        converted = convert(data_dir, name, data_out)
        dataset_yaml = {
            "USER_ID_FIELD": "userID", "ITEM_ID_FIELD": "itemID", "TIME_FIELD": "timestamp",
            "filter_out_cod_start_users": True, "inter_file_name": f"{name}.inter",
            "vision_feature_file": "image_feat.npy", "text_feature_file": "text_feat.npy",
            "user_graph_dict_file": "user_graph_dict.npy", "field_separator": "\t",
        }
        with open(os.path.join(src, "configs", "dataset", f"{name}.yaml"), "w") as f:
            yaml.safe_dump(dataset_yaml, f, sort_keys=False)
        config, effective, grid = build_config_dict(src, args.model, name, args, sets)
    except InputError as e:
        print(f"mmrec_peer: error: {e}", file=sys.stderr)
        if temp:
            shutil.rmtree(work, ignore_errors=True)
        return 2

    spec = {"model": args.model, "dataset": name, "config": config, "threads": args.threads,
            "progress_every": max(1, args.progress_every)}
    with open(os.path.join(work, "spec.json"), "w") as f:
        json.dump(spec, f, indent=1)
    with open(os.path.join(src, "mmrec_peer_driver.py"), "w") as f:
        f.write(DRIVER)
    log_dir = os.path.join(src, "log")
    before = set(os.listdir(log_dir)) if os.path.isdir(log_dir) else set()
    patches_path = os.path.join(work, "patches.json")
    blas_path = os.path.join(work, "blas.json")
    cmd = [args.python, "mmrec_peer_driver.py", os.path.join(work, "spec.json"), patches_path, blas_path]
    print(f"mmrec_peer: {args.model} on {name}, work dir {work}; MMRec log in {log_dir}/", file=sys.stderr)
    print(f"mmrec_peer: config_dict {json.dumps(config)}", file=sys.stderr)
    out_path = os.path.join(work, "mmrec_output.txt")
    start = time.time()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    limit_bytes = int(args.memory_limit * 2**30) if args.memory_limit else None

    def limit_memory():
        if limit_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    timed_out = threading.Event()
    with open(out_path, "w") as out:
        proc = subprocess.Popen(cmd, cwd=src, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                preexec_fn=limit_memory)

        def stop():
            timed_out.set()
            proc.kill()
        timer = threading.Timer(args.time_limit, stop) if args.time_limit else None
        if timer:
            timer.start()
        for line in proc.stdout:
            out.write(line)
            if args.verbose:
                sys.stderr.write(line)
        rc = proc.wait()
        if timer:
            timer.cancel()
    wall = time.time() - start
    peak_rss_mib = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    logs = sorted(set(os.listdir(log_dir)) - before) if os.path.isdir(log_dir) else []
    log_path = os.path.join(log_dir, logs[-1]) if logs else None
    runs, users = parse_log(log_path) if log_path else ([], {})
    if rc != 0 or not runs:
        with open(out_path) as f:
            tail = f.read().splitlines()[-25:]
        status = "time limit" if timed_out.is_set() else f"failed (exit {rc})"
        print(f"mmrec_peer: MMRec {status}; output tail:\n" + "\n".join(tail), file=sys.stderr)
        failure = {"peer": "MMRec", "model": args.model, "dataset": name, "status": status,
                   "time_limit_seconds": args.time_limit, "memory_limit_gib": args.memory_limit,
                   "wall_seconds": round(wall, 2), "peak_rss_mib": peak_rss_mib, "hyper_parameters": effective,
                   "output_tail": tail}
        if runs:
            failure.update(summarise_run(runs[-1]))
        if args.log_copy and log_path:
            shutil.copyfile(log_path, args.log_copy)
        print(json.dumps(failure, indent=1))
        if temp and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        return 1
    if args.log_copy:
        shutil.copyfile(log_path, args.log_copy)
    with open(out_path) as f:
        device = "cuda" if re.search(r"^device=cuda", f.read(), re.M) else "cpu"
    summary = {
        "peer": "MMRec", "mmrec_commit": mmrec_commit(mmrec), "model": args.model, "dataset": name,
        "data": data_dir, "device": device, "torch_threads": args.threads, "seed": args.seed,
        "hyper_parameters": effective, "grid": grid or None, "converted": converted,
        "evaluated_users": {k: users.get(k) for k in ("valid", "test")},
        "status": "finished", "wall_seconds": round(wall, 2), "peak_rss_mib": peak_rss_mib,
        "memory_limit_gib": args.memory_limit, "log": args.log_copy or log_path,
        "runtime_patches": json.load(open(patches_path)) if os.path.isfile(patches_path) else None,
        "blas": json.load(open(blas_path)) if os.path.isfile(blas_path) else None,
        "environment": {k: os.environ[k] for k in sorted(os.environ) if k.startswith(("OPENBLAS_", "OMP_"))},
    }
    summaries = [summarise_run(r) for r in runs]
    if len(summaries) == 1:
        summary.update(summaries[0])
    else:
        summary["runs"] = summaries
    if temp and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        if not args.log_copy:
            summary["log"] = None   # removed with the scratch directory (use --log-copy or --keep)
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
