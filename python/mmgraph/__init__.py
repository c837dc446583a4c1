"""mmgraph from Python: multimodal graph recommenders (LightGCN family and image,
text, audio item features) trained by mmgraph's C++ engine.

    >>> import mmgraph
    >>> data = mmgraph.load_dataset("synthetic:users=500,items=300")
    >>> config = mmgraph.Config(model="lightgcn", epochs=5, embedding_size=32)
    >>> result = mmgraph.train(data, config, on_epoch=lambda rec: print(rec["epoch"], rec["loss"]))
    >>> result.test["Recall@20"]
    >>> items, scores = result.recommend(users=[0, 1, 2], k=10)

Everything the command line does is here, with the same messages: an input the
user can fix (a file, a config key, an array) raises :class:`InputError`, a
subclass of ``ValueError``; an internal failure raises ``RuntimeError``.
Training releases the GIL, so other Python threads run meanwhile.
"""
import json
import os
import re

import numpy as np

from . import _mmgraph
from ._mmgraph import InputError, __version__, built_with_cuda

InputError.__module__ = __name__

__all__ = ["Config", "Dataset", "InputError", "TrainResult", "load_dataset", "recommend", "train",
           "built_with_cuda", "__version__"]


class Dataset:
    """An in-memory data set: dense user and item ids, the train / valid / test
    interactions and the items' modality features (``"image"``, ``"text"``, ...).

    Make one with :func:`load_dataset` or :meth:`Dataset.from_arrays`.
    """

    def __init__(self, handle):
        """Internal: wraps the engine's data set; use load_dataset or from_arrays."""
        self._d = handle

    @classmethod
    def from_arrays(cls, n_users, n_items, train, valid=None, test=None, features=None, name="arrays"):
        """A data set from NumPy arrays.

        Each split is ``(users, items)``, a tuple of two 1-D arrays of equal length
        (any integer dtype; ids in ``[0, n_users)`` and ``[0, n_items)``), or an
        ``[n x 2]`` integer array of (user, item) rows. Repeated pairs count once.
        ``valid`` and ``test`` may be omitted (then nothing is evaluated on them).
        ``features`` maps a modality name to an ``[n_items x d]`` float16, float32
        or float64 array whose row i describes item i (stored as float32).

        A wrong dtype or shape, an id out of range or a non-finite feature value
        raises :class:`InputError` (a ``ValueError``) naming the array and the
        position, e.g. ``Dataset.from_arrays:train pair 7: item id 300 outside [0, 300)``.
        """
        splits = {}
        for split, value in (("train", train), ("valid", valid), ("test", test)):
            if value is not None:
                splits[split] = _pair(split, value)
        return cls(_mmgraph.dataset_from_arrays(int(n_users), int(n_items), splits, dict(features or {}), name))

    @property
    def name(self):
        return self._d.name

    @property
    def n_users(self):
        return self._d.n_users

    @property
    def n_items(self):
        return self._d.n_items

    @property
    def kg_triples(self):
        """Triples of the data set's knowledge graph (0 without one)."""
        return self._d.kg_triples

    @property
    def n_interactions(self):
        """``{"train": n, "valid": n, "test": n}``."""
        return dict(zip(("train", "valid", "test"), self._d.nnz()))

    @property
    def user_ids(self):
        """The source's user ids by dense id (empty when the source had dense ids)."""
        return self._d.user_ids

    @property
    def item_ids(self):
        """The source's item ids by dense id (empty when the source had dense ids)."""
        return self._d.item_ids

    @property
    def features(self):
        """``{name: [n_items x d] float32 array}`` (copies: the data set's own
        features change only through add_feature / add_modality)."""
        return {name: self._d.feature(name) for name in self._d.feature_names()}

    def interactions(self, split="train"):
        """``(users, items)`` int32 arrays of a split (``"train"``, ``"valid"``,
        ``"test"``), sorted by user, then item."""
        return self._d.interactions(split)

    def add_feature(self, name, values):
        """Adds (or replaces, by name) a modality from an ``[n_items x d]`` float array."""
        self._d.add_feature(name, values)

    def add_modality(self, name, npy_path):
        """Adds (or replaces, by name) a modality read from an ``.npy`` file."""
        self._d.add_modality(name, os.fspath(npy_path))

    def save(self, directory):
        """Writes the binary format (manifest.json + raw arrays) that loads fastest;
        ``load_dataset(directory)`` reads it back."""
        self._d.save(os.fspath(directory))

    def __repr__(self):
        n = self.n_interactions
        feats = "".join(f", {k} {v.shape[0]}x{v.shape[1]}" for k, v in self.features.items())
        return (f"<mmgraph.Dataset {self.name!r}: {self.n_users} users, {self.n_items} items, "
                f"{n['train']} train / {n['valid']} valid / {n['test']} test interactions{feats}>")


def _pair(split, value):
    if isinstance(value, tuple):
        if len(value) != 2:
            raise InputError(f"Dataset.from_arrays:{split}: expected (users, items), got a tuple of {len(value)}")
        return value
    rows = np.asarray(value)
    if rows.ndim != 2 or rows.shape[1] != 2:
        raise InputError(f"Dataset.from_arrays:{split}: expected (users, items) or an [n x 2] array of "
                         f"(user, item) rows, got shape {rows.shape}")
    return (rows[:, 0], rows[:, 1])


def load_dataset(spec, model=None, **load_options):
    """Loads a data set, as ``mmgraph train --data SPEC`` does.

    ``spec`` is one of:

    - a directory with ``train.json``/``val.json``/``test.json`` (LATTICE-style
      splits) and optional ``*_feat.npy`` features beside them;
    - a directory written by :meth:`Dataset.save` (``manifest.json``);
    - a ``.inter`` file (MMRec), or a ``.csv``/``.tsv``/``.txt`` of
      ``user,item[,rating][,timestamp]``;
    - ``"synthetic:key=value,..."``: the built-in generator (users, items,
      interactions, dim, alpha, temperature, image, text, noise, seed).

    ``load_options`` (for sources that must be split or filtered): ``kcore=0``,
    ``split="random"`` (or ``"time"``), ``train_ratio=0.8``, ``valid_ratio=0.1``,
    ``seed=2024``, ``load_features=True``, ``kg_path=""`` (a knowledge graph's
    triples in KGAT's ``kg_final.txt`` layout, for any source; its size is
    ``Dataset.kg_triples``). ``load_features=False`` reads no
    page of the item features (only their shapes), as ``model`` (a config name)
    does for a model that never reads them (``"bprmf"``, ``"lightgcn"``).
    """
    if model is not None and "load_features" not in load_options:
        load_options["load_features"] = _mmgraph.model_reads_features(str(model))
    return Dataset(_mmgraph.load_dataset(os.fspath(spec), load_options))


# Strings that YAML reads back as the same plain string go unquoted, so that
# messages quote them exactly as the CLI's --set key=value does.
_PLAIN_STRING = re.compile(r"[A-Za-z_][A-Za-z0-9_@.:/+-]*\Z")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def _yaml_value(value):
    if isinstance(value, str) and _PLAIN_STRING.match(value) and value.lower() not in _YAML_WORDS:
        return value

    def default(v):
        if isinstance(v, os.PathLike):
            return os.fspath(v)
        if isinstance(v, np.generic):
            return v.item()
        raise TypeError(f"cannot use {type(v).__name__} as a config value")
    # JSON is YAML: the engine parses it exactly as a --set value.
    return json.dumps(value, default=default)


def _assignments(options):
    return [f"{key}={_yaml_value(value)}" for key, value in options.items()]


class Config:
    """Training configuration: the keys of the CLI's YAML files (README,
    "Configuration"), as keyword arguments.

        >>> mmgraph.Config(model="freedom", epochs=50, topk=[10, 20], modalities={"text": "text.npy"})

    Unset keys keep their defaults. An unknown key or a bad value raises
    :class:`InputError` with the message ``--set key=value`` would print. Values
    read back as attributes (``config.epochs``) or with :meth:`to_dict`.
    """

    def __init__(self, **options):
        self._c = _mmgraph._Config().derive([], _assignments(options))

    @classmethod
    def from_yaml(cls, *paths, **overrides):
        """The config of one or more YAML files (later files override earlier ones),
        then ``overrides``: ``mmgraph train -c A -c B --set key=value``."""
        config = cls.__new__(cls)
        config._c = _mmgraph._Config().derive([os.fspath(p) for p in paths], _assignments(overrides))
        return config

    def replace(self, **overrides):
        """A copy with some keys changed."""
        config = Config.__new__(Config)
        config._c = self._c.derive([], _assignments(overrides))
        return config

    def to_dict(self):
        """Every key with its value."""
        return self._c.items()

    def __getattr__(self, key):
        if not key.startswith("_"):
            values = self.to_dict()
            if key in values:
                return values[key]
        raise AttributeError(f"Config has no key {key!r}")

    def __eq__(self, other):
        return isinstance(other, Config) and self.to_dict() == other.to_dict()

    def __repr__(self):
        return "mmgraph.Config(" + ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items()) + ")"


class TrainResult:
    """What :func:`train` returns.

    Attributes: ``best_epoch`` (the epoch of the best ``valid_metric``),
    ``epochs_run``, ``best_valid`` / ``test`` (``{"Recall@20": ..., ...}`` of that
    epoch; test is never used for selection), ``best_valid_warm`` / ``test_warm``
    and ``best_valid_cold`` / ``test_cold`` (the same over the held-out items seen
    in training and over those never seen in training; ``{}`` when there are none),
    ``best_valid_cold_among_cold`` / ``test_cold_among_cold`` (the cold ones ranked
    among the items without training interactions only), ``history`` (one dict per epoch, as ``on_epoch`` receives them),
    ``device``, ``seconds``, ``seconds_to_best``, ``dim``.
    """

    def __init__(self, handle, data):
        self._r = handle
        self._data = data
        for key in ("device", "epochs_run", "best_epoch", "seconds", "seconds_to_best", "dim",
                    "best_valid", "best_valid_warm", "best_valid_cold", "best_valid_cold_among_cold",
                    "test", "test_warm", "test_cold", "test_cold_among_cold", "history"):
            setattr(self, key, getattr(handle, key))

    @property
    def user_rep(self):
        """``[n_users x dim]`` float32 user representations of the best epoch: a
        read-only view of the result's memory (no copy; ``.copy()`` to modify)."""
        return self._r.user_rep

    @property
    def item_rep(self):
        """``[n_items x dim]`` float32 item representations of the best epoch (a
        read-only view, as ``user_rep``)."""
        return self._r.item_rep

    def recommend(self, users=None, k=20, *, exclude_train=True, exclude_valid=False, with_cold=False,
                  user_block=4096, device="auto"):
        """Top-``k`` items of each user by the model's scores; see :func:`recommend`."""
        return recommend(self._data, self.user_rep, self.item_rep, users, k, exclude_train=exclude_train,
                         exclude_valid=exclude_valid, with_cold=with_cold, user_block=user_block, device=device)

    def __repr__(self):
        metric = next(iter(self.test), None)
        shown = f", test {metric}={self.test[metric]:.4f}" if metric else ""
        return f"<mmgraph.TrainResult best epoch {self.best_epoch} of {self.epochs_run}{shown}>"


def train(data, config=None, *, on_epoch=None, progress=False, log_path=None):
    """Trains and evaluates a model, as ``mmgraph train`` does.

    ``config`` is a :class:`Config`, a dict of config keys, or None (defaults).
    ``on_epoch(record)`` is called after every epoch with a dict: ``epoch``,
    ``loss``, ``train_seconds``, ``eval_seconds``, ``evaluated``, ``valid``
    (metrics, or None when the epoch was not evaluated) and ``valid_cold``. An
    exception raised in it stops training and propagates; so does Ctrl-C, at the
    end of the epoch. ``progress=True`` draws the CLI's progress bar on stderr;
    ``log_path`` writes the CLI's JSONL log.

    The GIL is released while training: other Python threads keep running (but
    must not change ``data`` with add_feature / add_modality meanwhile).
    """
    if config is None:
        config = Config()
    elif isinstance(config, dict):
        config = Config(**config)
    elif not isinstance(config, Config):
        raise TypeError(f"config must be a mmgraph.Config or a dict, got {type(config).__name__}")
    handle = _mmgraph.train(data._d, config._c, on_epoch, bool(progress),
                            "" if log_path is None else os.fspath(log_path))
    return TrainResult(handle, data)


def recommend(data, user_rep, item_rep, users=None, k=20, *, exclude_train=True, exclude_valid=False,
              with_cold=False, user_block=4096, device="auto"):
    """Top-``k`` items per user by the dot product of ``user_rep`` ``[n_users x d]``
    and ``item_rep`` ``[n_items x d]`` rows.

    ``users``: dense user ids (an int or an array of any integer dtype; None: all
    users). Returns ``(items, scores)``: ``[len(users) x k]`` int32 item ids, best
    first (ties by lower id; -1 pads rows with fewer than k candidates) and their
    float32 scores (NaN where items is -1); with ``with_cold=True`` also ``cold``,
    a bool array marking the users with no training interaction, whose rows hold
    the most popular training items (scores: training counts) instead.
    ``exclude_train`` never recommends a user's training items, ``exclude_valid``
    nor their validation items (as the test evaluation does). ``device``: where
    users are scored, ``"auto"`` (the first GPU if any, else the CPU), ``"cpu"``,
    ``"cuda"`` or ``"cuda:N"``; the GPU's top-K takes ``k <= 100`` (``"auto"`` ranks a
    larger ``k`` on the CPU).
    """
    if users is not None and np.ndim(users) == 0:
        users = np.asarray(users).reshape(1)
    items, scores, cold = _mmgraph.recommend(data._d, user_rep, item_rep, users, int(k), bool(exclude_train),
                                             bool(exclude_valid), int(user_block), str(device))
    return (items, scores, cold) if with_cold else (items, scores)
