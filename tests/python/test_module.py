"""The Python module against the CLI and against NumPy: the synthetic default
trains to the CLI's metrics, arrays are checked, the callback runs once per epoch
and can stop training, the GIL is released, representations are not copied, and
recommendations match a NumPy brute force.

Run with PYTHONPATH=build/python (CTest sets it, and MMGRAPH_CLI to the mmgraph
executable)."""
import gc
import json
import os
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import mmgraph

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(os.environ.get("MMGRAPH_CLI", ROOT / "build" / "mmgraph"))
QUICK = ROOT / "configs" / "synthetic_quick.yaml"
SMALL = "synthetic:users=300,items=200,interactions=6000"


def run_cli(*args):
    if not CLI.exists():
        pytest.skip(f"the mmgraph executable is not built ({CLI})")
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def small():
    return mmgraph.load_dataset(SMALL)


@pytest.fixture(scope="module")
def small_result(small):
    return mmgraph.train(small, mmgraph.Config(epochs=3, embedding_size=16, n_layers=2, topk=[5, 20]))


# --- the CLI's metrics and messages -------------------------------------------------

def test_trains_the_synthetic_default_to_the_clis_metrics(tmp_path):
    log = tmp_path / "cli.jsonl"
    cli = run_cli("train", "--config", QUICK, "-q", "--log", log)
    assert cli.returncode == 0, cli.stderr
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    summary, epochs = lines[-1], lines[:-1]

    py_log = tmp_path / "py.jsonl"
    records = []
    result = mmgraph.train(mmgraph.load_dataset("synthetic:"), mmgraph.Config.from_yaml(QUICK),
                           on_epoch=records.append, log_path=py_log)

    # Same seed, same device, same thread count: the same run, bit for bit.
    assert result.best_epoch == summary["best_epoch"] > 0
    assert result.best_valid == summary["best_valid"]
    assert result.test == summary["test"]
    assert result.epochs_run == len(epochs)
    assert [r["loss"] for r in result.history] == [e["loss"] for e in epochs]
    assert [r["valid"] for r in records if r["evaluated"]] == [e["valid"] for e in epochs if "valid" in e]
    # The CLI's printed summary (4 decimals) agrees too.
    test_line = next(line for line in cli.stdout.splitlines() if line.startswith("test:"))
    printed = dict(item.split("=") for item in test_line.split()[1:])
    assert {k: float(v) for k, v in printed.items()} == {k: round(v, 4) for k, v in result.test.items()}
    # The module's JSONL log is the CLI's, times aside.
    py_lines = [json.loads(line) for line in py_log.read_text().splitlines()]
    strip = lambda d: {k: v for k, v in d.items() if "seconds" not in k}  # noqa: E731
    assert [strip(d) for d in py_lines] == [strip(d) for d in lines]


@pytest.mark.parametrize("cli_args, call", [
    (["--set", "epochs=abc"], lambda: mmgraph.Config(epochs="abc")),
    (["--set", "no_such_key=1"], lambda: mmgraph.Config(no_such_key=1)),
    (["--set", "valid_metric=Recall@7"], lambda: mmgraph.Config(valid_metric="Recall@7")),
    (["--data", "no_such_file.csv"], lambda: mmgraph.load_dataset("no_such_file.csv")),
    (["--data", "synthetic:users=10,bogus=1"], lambda: mmgraph.load_dataset("synthetic:users=10,bogus=1")),
])
def test_input_errors_carry_the_clis_message(cli_args, call):
    cli = run_cli("train", "-q", *cli_args)
    assert cli.returncode == 2
    expected = cli.stderr.strip().splitlines()[-1].removeprefix("mmgraph: error: ")
    with pytest.raises(mmgraph.InputError) as err:
        call()
    assert str(err.value) == expected
    assert isinstance(err.value, ValueError)


def test_yaml_config_with_overrides(tmp_path):
    config = mmgraph.Config.from_yaml(QUICK, epochs=7, topk=[5, 20], modalities={"text": "t.npy"})
    assert config.epochs == 7 and config.topk == [5, 20] and config.model == "lightgcn"
    assert config.learning_rate == 5e-3 and config.deterministic is False
    assert config.modalities == {"text": "t.npy"}
    assert config == mmgraph.Config(**{**config.to_dict()})
    assert config.replace(epochs=8).epochs == 8 and config.epochs == 7
    bad = tmp_path / "bad.yaml"
    bad.write_text("epochs: 3\nlearning_rat: 0.1\n")
    with pytest.raises(mmgraph.InputError, match=r"bad.yaml:line 2: key 'learning_rat': unknown key"):
        mmgraph.Config.from_yaml(bad)


def test_internal_errors_are_runtime_errors(small):
    with pytest.raises(RuntimeError, match="training diverged") as err:
        mmgraph.train(small, mmgraph.Config(epochs=2, learning_rate=1e30))
    assert not isinstance(err.value, ValueError)


# --- arrays in ----------------------------------------------------------------------

def test_from_arrays_accepts_any_integer_dtype_and_float_features():
    users = np.array([0, 2, 1, 2, 2], dtype=np.uint8)
    items = np.array([3, 1, 0, 1, 4], dtype=np.int16)
    image = np.arange(10, dtype=np.float16).reshape(5, 2) / 4
    data = mmgraph.Dataset.from_arrays(3, 5, train=(users, items), valid=[[0, 1], [1, 4]],
                                       test=(np.array([2], np.uint64), np.array([0], np.int64)),
                                       features={"image": image, "text": np.ones((5, 3))})
    assert (data.n_users, data.n_items) == (3, 5)
    assert data.n_interactions == {"train": 4, "valid": 2, "test": 1}  # (2, 1) repeated: counted once
    u, i = data.interactions("train")
    assert u.tolist() == [0, 1, 2, 2] and i.tolist() == [3, 0, 1, 4]
    assert u.dtype == np.int32
    assert data.features["image"].dtype == np.float32
    np.testing.assert_array_equal(data.features["image"], image.astype(np.float32))
    assert data.features["text"].shape == (5, 3)
    data.add_feature("text", np.zeros((5, 4), np.float32))  # replaces
    assert sorted(data.features) == ["image", "text"] and data.features["text"].shape == (5, 4)


BAD_ARRAYS = [
    (dict(train=(np.array([0.0, 1.0]), np.array([0, 1]))), r"train users: expected integer ids, got an array of float64"),
    (dict(train=(np.array([True]), np.array([0]))), r"train users: expected integer ids, got an array of bool"),
    (dict(train=(np.zeros((2, 2), int), np.array([0, 1]))), r"train users: expected a 1-D array, got shape \(2, 2\)"),
    (dict(train=(np.array([0, 1]), np.array([0, 1, 2]))), r"train: 2 users but 3 items"),
    (dict(train=(np.array([0, 4]), np.array([0, 1]))), r"train pair 1: user id 4 outside \[0, 4\)"),
    (dict(train=(np.array([0]), np.array([-1]))), r"train pair 0: item id -1 outside \[0, 5\)"),
    (dict(train=np.zeros((3, 3), int)), r"train: expected \(users, items\) or an \[n x 2\] array"),
    (dict(train=([0], [1]), features={"image": np.ones((5, 2), np.int32)}),
     r"features\['image'\]: expected float16, float32 or float64 values, got an array of int32"),
    (dict(train=([0], [1]), features={"image": np.ones((4, 2))}), r"shape \(4, 2\) has 4 rows, expected 5"),
    (dict(train=([0], [1]), features={"image": np.ones(5)}), r"expected a 2-D array \[rows x columns\], got shape \(5,\)"),
    (dict(train=([0], [1]), features={"image": np.full((5, 2), np.nan)}), r"value nan at row 0, column 0 is not finite"),
]


@pytest.mark.parametrize("arrays, message", BAD_ARRAYS)
def test_from_arrays_rejects_wrong_dtype_shape_and_ids(arrays, message):
    with pytest.raises(ValueError, match=message) as err:
        mmgraph.Dataset.from_arrays(4, 5, **arrays)
    assert isinstance(err.value, mmgraph.InputError)
    assert str(err.value).startswith("Dataset.from_arrays:")


def test_trains_on_arrays():
    # Users u, u + 40 and u + 80 like the same 6 items; each holds one of them out.
    rng = np.random.default_rng(5)
    n_users, n_items = 120, 40
    liked = (7 * np.arange(n_users)[:, None] + np.arange(6)) % n_items
    held = rng.integers(0, 6, n_users)
    keep = np.arange(6) != held[:, None]
    users = np.repeat(np.arange(n_users), 5)
    data = mmgraph.Dataset.from_arrays(n_users, n_items, train=(users, liked[keep]),
                                       valid=(np.arange(n_users), liked[np.arange(n_users), held]))
    result = mmgraph.train(data, mmgraph.Config(epochs=10, embedding_size=16, learning_rate=0.02, topk=[5],
                                                valid_metric="Recall@5"))
    assert result.best_valid["Recall@5"] > 0.9  # chance: 5 of the 35 unmasked items


def test_load_dataset_leaves_the_features_of_a_model_that_reads_none(small, tmp_path):
    small.save(tmp_path / "set")
    assert set(mmgraph.load_dataset(tmp_path / "set", model="vbpr").features) == set(small.features) != set()
    assert mmgraph.load_dataset(tmp_path / "set", model="bprmf").features == {}
    assert mmgraph.load_dataset(tmp_path / "set", model="lightgcn", load_features=True).features.keys() == \
        small.features.keys()


def test_load_dataset_reads_a_knowledge_graph_by_path(tmp_path):
    (tmp_path / "triples.txt").write_text("0 0 5\n1 1 5\n5 0 7\n")
    assert mmgraph.load_dataset(SMALL).kg_triples == 0
    assert mmgraph.load_dataset(SMALL, kg_path=str(tmp_path / "triples.txt")).kg_triples == 3
    (tmp_path / "bad.txt").write_text("0 0 5\n0 zero 5\n")
    with pytest.raises(ValueError, match="line 2"):
        mmgraph.load_dataset(SMALL, kg_path=str(tmp_path / "bad.txt"))


# --- training: callback, GIL ----------------------------------------------------------

def test_callback_is_called_once_per_epoch(small):
    records = []
    result = mmgraph.train(small, mmgraph.Config(epochs=4, eval_step=2, embedding_size=16, topk=[20]),
                           on_epoch=records.append)
    assert [r["epoch"] for r in records] == [1, 2, 3, 4]
    assert [r["evaluated"] for r in records] == [False, True, False, True]
    assert records[0]["valid"] is None and set(records[1]["valid"]) >= {"Recall@20", "NDCG@20"}
    assert all(np.isfinite(r["loss"]) for r in records)
    assert records == result.history


def test_an_exception_in_the_callback_stops_training(small):
    class Stop(Exception):
        pass

    seen = []

    def on_epoch(record):
        seen.append(record["epoch"])
        if record["epoch"] == 2:
            raise Stop("enough")

    with pytest.raises(Stop, match="enough"):
        mmgraph.train(small, mmgraph.Config(epochs=50, embedding_size=16), on_epoch=on_epoch)
    assert seen == [1, 2]


def test_the_gil_is_released_while_training():
    data = mmgraph.load_dataset("synthetic:")
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=count)
    thread.start()
    try:
        # No callback: the training thread takes the GIL only at the end of each
        # epoch, so the counter can advance only if it is released meanwhile.
        # Trains again until the run lasts long enough to be measured.
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 0.5:
            mmgraph.train(data, mmgraph.Config(epochs=2, eval_step=2))
        t1 = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    during = [t for t in ticks if t0 < t < t1]
    # Ticks spread over the run, not only between epochs: every tenth of it has some.
    buckets = {int((t - t0) / (t1 - t0) * 10) for t in during}
    assert len(during) > 50 and len(buckets) >= 8, (t1 - t0, len(during), sorted(buckets))


# --- arrays out -----------------------------------------------------------------------

def test_representations_are_zero_copy_views(small, small_result):
    r = small_result
    users, items = r.user_rep, r.item_rep
    assert users.shape == (small.n_users, r.dim) and items.shape == (small.n_items, r.dim)
    assert users.dtype == np.float32 and users.flags.c_contiguous
    for a in (users, items):
        assert a.base is not None and not a.flags.owndata and not a.flags.writeable
    assert np.shares_memory(users, r.user_rep)  # every access is a view of the same memory


def test_arrays_outlive_the_result(small):
    result = mmgraph.train(small, mmgraph.Config(epochs=1, embedding_size=8))
    reps = result.user_rep
    expected = reps.copy()
    del result
    gc.collect()
    np.testing.assert_array_equal(reps, expected)


def brute_force(user_rep, item_rep, users, k, masked):
    """float64 scores, masked items dropped, order (score desc, id asc)."""
    scores = user_rep.astype(np.float64) @ item_rep.astype(np.float64).T
    out_items, out_scores = [], []
    for u in users:
        cand = np.array([i for i in range(item_rep.shape[0]) if i not in masked[u]], dtype=np.int64)
        order = np.lexsort((cand, -scores[u, cand]))[:k]
        row = cand[order]
        out_items.append(np.pad(row, (0, k - row.size), constant_values=-1))
        out_scores.append(np.pad(scores[u, row], (0, k - row.size), constant_values=np.nan))
    return np.array(out_items), np.array(out_scores)


def split_sets(data, split):
    sets = [set() for _ in range(data.n_users)]
    for u, i in zip(*data.interactions(split)):
        sets[u].add(int(i))
    return sets


def test_recommend_matches_numpy(small, small_result):
    r = small_result
    train = split_sets(small, "train")
    users = np.array([5, 0, 299, 17, 5], dtype=np.int16)
    items, scores, cold = r.recommend(users=users, k=25, with_cold=True)
    assert not cold.any()
    assert items.shape == (5, 25) and items.dtype == np.int32 and scores.dtype == np.float32
    exp_items, exp_scores = brute_force(r.user_rep, r.item_rep, users, 25, train)
    # Values must match; ids may differ only among (near-)tied scores.
    np.testing.assert_allclose(scores, exp_scores, rtol=1e-5, atol=1e-6)
    full = r.user_rep.astype(np.float64) @ r.item_rep.astype(np.float64).T
    for row, u in enumerate(users):
        assert len(set(items[row])) == 25 and not set(items[row]) & train[u]
        np.testing.assert_allclose(full[u, items[row]], scores[row], rtol=1e-5, atol=1e-6)
    assert (items == exp_items).mean() > 0.95
    # All users by default; a single int works too.
    all_items, _ = r.recommend(k=3)
    assert all_items.shape == (small.n_users, 3)
    one, _ = r.recommend(users=17, k=25)
    np.testing.assert_array_equal(one[0], items[3])
    # The CPU named explicitly (the default, auto, takes a GPU when there is one; the GPU's path is
    # compared with the CPU's in tests/gpu/recommend_gpu_test.cpp).
    cpu_items, cpu_scores = r.recommend(users=users, k=25, device="cpu")
    np.testing.assert_allclose(cpu_scores, scores, rtol=1e-5, atol=1e-6)
    assert (cpu_items == items).mean() > 0.95


def test_recommend_exact_on_integer_representations():
    # Small integers: float32 scores are exact, so the order (ties by id) must match exactly.
    rng = np.random.default_rng(11)
    n_users, n_items, d = 23, 37, 4
    pairs = rng.integers(0, [n_users, n_items], size=(150, 2))
    pairs = pairs[pairs[:, 0] != 3]  # user 3: cold
    data = mmgraph.Dataset.from_arrays(n_users, n_items, train=pairs[:120], valid=pairs[120:])
    user_rep = rng.integers(-2, 3, (n_users, d)).astype(np.float64)  # converted to float32
    item_rep = rng.integers(-2, 3, (n_items, d)).astype(np.float32)
    train, valid = split_sets(data, "train"), split_sets(data, "valid")
    users = np.arange(n_users)
    for exclude_valid in (False, True):
        items, scores, cold = mmgraph.recommend(data, user_rep, item_rep, users, k=n_items + 2,
                                                exclude_valid=exclude_valid, with_cold=True)
        masked = [train[u] | (valid[u] if exclude_valid else set()) for u in users]
        exp_items, exp_scores = brute_force(user_rep, item_rep, users, n_items + 2, masked)
        warm = ~cold
        np.testing.assert_array_equal(cold, [not train[u] for u in users])
        np.testing.assert_array_equal(items[warm], exp_items[warm])
        np.testing.assert_array_equal(scores[warm], exp_scores[warm])
        # The cold user gets the training popularity ranking, without excluded items.
        counts = np.bincount(data.interactions("train")[1], minlength=n_items)
        popular = [i for i in np.lexsort((np.arange(n_items), -counts)) if counts[i] > 0 and i not in masked[3]]
        assert items[3][:len(popular)].tolist() == popular
        assert (items[3][len(popular):] == -1).all() and np.isnan(scores[3][len(popular):]).all()
        np.testing.assert_array_equal(scores[3][:len(popular)], counts[popular])


def test_recommend_rejects_bad_arguments(small, small_result):
    r = small_result
    with pytest.raises(mmgraph.InputError, match=r"recommend:user 1: user id 300 outside \[0, 300\)"):
        r.recommend(users=[0, 300])
    with pytest.raises(mmgraph.InputError, match=r"recommend:k: must be >= 1, got 0"):
        r.recommend(users=[0], k=0)
    with pytest.raises(mmgraph.InputError, match=r"--device:gpu: must be auto, cpu, cuda or cuda:N"):
        r.recommend(users=[0], device="gpu")
    with pytest.raises(ValueError, match=r"recommend:users: expected integer ids"):
        r.recommend(users=[0.5])
    with pytest.raises(ValueError, match=r"recommend:item_rep: expected shape \(200, dim\)"):
        mmgraph.recommend(small, r.user_rep, r.item_rep[:10], [0])
