"""`mmgraph export` read back by Python's safetensors (NumPy and PyTorch), and
checkpoints readable by the same loaders.

Run with the venv of tools/setup_python_env.sh (it pins safetensors):

  py=$(tools/setup_python_env.sh) && "$py" -m pytest tests/python/test_export.py

The mmgraph binary is $MMGRAPH_BIN, or build/mmgraph.
"""
import csv
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

safetensors_numpy = pytest.importorskip("safetensors.numpy")

ROOT = Path(__file__).resolve().parents[2]
MMGRAPH = Path(os.environ.get("MMGRAPH_BIN", ROOT / "build" / "mmgraph"))
DATA = "synthetic:users=150,items=90,interactions=2500,seed=4"


def run(*args):
    r = subprocess.run([str(MMGRAPH), *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    if not MMGRAPH.exists():
        pytest.skip(f"{MMGRAPH} is not built")
    tmp = tmp_path_factory.mktemp("export")
    ck = tmp / "ck"
    run("train", "--data", DATA, "--device", "cpu", "--set", "epochs=3", "--set", "eval_step=1",
        "--set", "embedding_size=12", "--set", "threads=1", "-q", "--checkpoint-dir", str(ck))
    out = tmp / "reps.safetensors"
    run("export", "--checkpoint", str(ck / "best.safetensors"), "--out", str(out))
    return tmp, ck, out


def test_numpy_reads_the_export_and_it_equals_the_checkpoint(trained):
    _, ck, out = trained
    t = safetensors_numpy.load_file(str(out))
    assert t["user_embedding"].shape == (150, 12) and t["user_embedding"].dtype == np.float32
    assert t["item_embedding"].shape == (90, 12) and t["item_embedding"].dtype == np.float32
    ck_tensors = safetensors_numpy.load_file(str(ck / "best.safetensors"))
    np.testing.assert_array_equal(t["user_embedding"], ck_tensors["best.user_rep"])
    np.testing.assert_array_equal(t["item_embedding"], ck_tensors["best.item_rep"])
    assert np.isfinite(t["user_embedding"]).all() and np.abs(t["item_embedding"]).sum() > 0
    users = bytes(t["user_ids"]).decode().split("\n")
    items = bytes(t["item_ids"]).decode().split("\n")
    assert users == [str(u) for u in range(150)] and items == [str(i) for i in range(90)]


def test_the_export_metadata_names_model_and_epochs(trained):
    _, _, out = trained
    from safetensors import safe_open

    with safe_open(str(out), framework="numpy") as f:
        meta = f.metadata()
    assert meta["model"] == "lightgcn"
    assert int(meta["dim"]) == 12
    assert 1 <= int(meta["best_epoch"]) <= int(meta["epochs"]) == 3


def test_pytorch_reads_the_export(trained):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    _, _, out = trained
    t = safetensors_torch.load_file(str(out))
    n = safetensors_numpy.load_file(str(out))
    assert torch.equal(t["item_embedding"], torch.from_numpy(n["item_embedding"]))


def test_recommend_ranks_by_the_exported_dot_products(trained):
    tmp, ck, out = trained
    rec = tmp / "rec.csv"
    run("recommend", "--checkpoint", str(ck / "best.safetensors"), "--k", "5", "--out", str(rec),
        "--include-train")
    t = safetensors_numpy.load_file(str(out))
    scores = t["user_embedding"] @ t["item_embedding"].T
    rows = list(csv.DictReader(open(rec)))
    assert len(rows) == 150 * 5
    for row in rows:
        u, i = int(row["user"]), int(row["item"])
        assert abs(scores[u, i] - float(row["score"])) <= 1e-4 * max(1.0, abs(scores[u, i]))
        if row["rank"] == "1":
            assert scores[u, i] >= scores[u].max() - 1e-4 * max(1.0, abs(scores[u].max()))
