"""Shared parts of the item feature encoders (encode_text.py, encode_images.py):
input errors, delimited tables, item id maps and dense ids, and .npy output (the
pooled features and the component files) that is written whole or not at all."""
import csv
import gzip
import json
import os
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print(f"{os.path.splitext(os.path.basename(sys.argv[0]))[0]}: error: numpy is missing: run "
          "tools/setup_python_env.sh and use build/venv/bin/python (or activate build/venv)", file=sys.stderr)
    sys.exit(2)


class InputError(Exception):
    """A problem with the input: printed as one line, exit code 2. An empty source
    leaves the position alone (e.g. the path of an image file)."""

    def __init__(self, source, position, problem):
        where = ":".join(str(p) for p in (source, position) if p)
        super().__init__(f"{where}: {problem}")


def run_tool(prog, parse_args, run, argv):
    """The exit code of run(parse_args(argv)): 0, or 2 after an InputError, whose lines are printed as
    "<prog>: error: <line>" on stderr."""
    args = parse_args(argv)
    try:
        run(args)
    except InputError as e:
        for line in str(e).splitlines():
            print(f"{prog}: error: {line}", file=sys.stderr)
        return 2
    return 0


def format_from_extension(path, forced, formats):
    """forced, else the format that formats ({extension: format}) gives path's extension (before a .gz)."""
    if forced:
        return forced
    name = path[:-3] if path.endswith(".gz") else path
    ext = os.path.splitext(name)[1].lower()
    if ext not in formats:
        raise InputError(path, "", f"cannot tell the format from the extension ({', '.join(formats)}, optionally "
                         f".gz): give --format {'|'.join(dict.fromkeys(formats.values()))}")
    return formats[ext]


def open_binary(path):
    try:
        return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")
    except OSError as e:
        raise InputError(path, "", f"cannot read: {e.strerror or e}") from None


def decoded_lines(raw, path):
    """The lines of a binary file as text, a line that is not UTF-8 being an error naming it."""
    for number, data in enumerate(raw, start=1):
        try:
            yield data.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise InputError(path, f"line {number}", "not valid UTF-8 text") from None


def read_delimited(path, delimiter, id_column, value_columns):
    """[(item id, [stripped value of each value column], "line N")] of a CSV or TSV
    file with a header line, N being the line where the record starts."""
    records = []
    with open_binary(path) as raw:
        reader = csv.reader(decoded_lines(raw, path), delimiter=delimiter, strict=True)
        line = 1  # where the record being read starts
        try:
            header = next(reader, None)
            if header is None:
                raise InputError(path, "", "empty file (expected a header line)")
            header = [h.strip() for h in header]
            for column in [id_column] + value_columns:
                if column not in header:
                    raise InputError(path, "line 1", f"no column '{column}' in the header (columns: {', '.join(header)})")
            id_at = header.index(id_column)
            value_at = [header.index(c) for c in value_columns]
            line = reader.line_num + 1
            for fields in reader:
                where = f"line {line}"
                line = reader.line_num + 1
                if not fields:
                    continue
                if len(fields) != len(header):
                    raise InputError(path, where, f"expected {len(header)} fields, found {len(fields)}")
                records.append((fields[id_at].strip(), [fields[i].strip() for i in value_at], where))
        except csv.Error as e:
            raise InputError(path, f"line {line}", f"malformed {'CSV' if delimiter == ',' else 'TSV'}: {e}") from None
        except (OSError, EOFError) as e:
            raise InputError(path, f"line {line}", f"cannot read: {e}") from None
    return records


def load_item_map(path):
    """({original id: dense id}, n_items) from the data set's item2id.json (a JSON object
    original id -> dense id; n_items = largest dense id + 1) or from the item_ids.txt of
    `mmgraph prepare` (the original ids, one a line, in item order; n_items = its lines)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputError(path, "", f"cannot read: {e.strerror or e}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(path, "", "not valid UTF-8 text") from None
    if path.endswith(".txt"):
        mapping = {}
        lines = text.splitlines()
        for number, key in enumerate(lines, start=1):
            if key in mapping:
                raise InputError(path, f"line {number}", f"item '{key}' again (first at line {mapping[key] + 1})")
            if key:
                mapping[key] = number - 1
        if not mapping:
            raise InputError(path, "", "no item ids (expected one original item id per line)")
        return mapping, len(lines)
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(path, f"{e.lineno}:{e.colno}", f"invalid JSON: {e.msg}") from None
    if not isinstance(mapping, dict) or not mapping:
        raise InputError(path, "", "expected a non-empty JSON object: original item id -> dense item id")
    owner = {}
    for key, value in mapping.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(path, "", f"item '{key}' maps to {json.dumps(value)}; dense ids are integers >= 0")
        if value in owner:
            raise InputError(path, "", f"items '{owner[value]}' and '{key}' both map to {value}")
        owner[value] = key
    return mapping, max(owner) + 1


def dense_ids(rows, path, item_map, n_items, skip_unknown):
    """The dense id of each row (None for a skipped unknown id) and the number of items.
    A row has .item_id (as read) and .where; errors name path:where."""
    if item_map is not None:
        mapping, n = item_map
        ids = []
        for row in rows:
            if not row.item_id:
                raise InputError(path, row.where, "empty item id")
            dense = mapping.get(row.item_id)
            if dense is None and not skip_unknown:
                raise InputError(path, row.where, f"unknown item id '{row.item_id}' (not in the item map; "
                                 "--skip-unknown drops such rows)")
            ids.append(dense)
        return ids, n
    ids = []
    for row in rows:
        text = row.item_id
        if not (text.isascii() and text.isdigit()):
            raise InputError(path, row.where, f"item id '{text}' is not a dense id (an integer >= 0)")
        value = int(text)
        if n_items is not None and value >= n_items:
            raise InputError(path, row.where, f"item id {value} is out of range: --n-items is {n_items}")
        ids.append(value)
    if n_items is None:
        if not ids:
            raise InputError(path, "", "no rows, and no --n-items to size the output")
        n_items = max(ids) + 1
    return ids, n_items


def values_by_item(rows, ids, path, values, what):
    """{dense id: (value, where)} for rows with dense ids (ids[k] None: row k skipped), values[k] being
    row k's value; an id seen twice must carry the same value, else an error names both places."""
    found = {}
    for row, dense, value in zip(rows, ids, values):
        if dense is None:
            continue
        first = found.get(dense)
        if first is None:
            found[dense] = (value, row.where)
        elif first[0] != value:
            raise InputError(path, row.where, f"item '{row.item_id}' occurs again with a different {what} "
                             f"(first at {first[1]})")
    return found


def add_id_options(parser, what):
    """The options that map the input's item ids to rows: --item-map or --dense-ids,
    --n-items and --skip-unknown; what names the input's rows (e.g. "rows", "images")."""
    ids = parser.add_mutually_exclusive_group(required=True)
    ids.add_argument("--item-map", metavar="PATH",
                     help="the data set's item2id.json (JSON object: original id -> dense id; the output has "
                          "largest id + 1 rows), or the item_ids.txt of `mmgraph prepare` (the original ids, one "
                          "a line, in item order)")
    ids.add_argument("--dense-ids", action="store_true", help="the item ids are dense ids 0..n-1")
    parser.add_argument("--n-items", type=int, metavar="N",
                        help="with --dense-ids: rows of the output (default: largest id + 1)")
    parser.add_argument("--skip-unknown", action="store_true",
                        help=f"with --item-map: drop {what} whose id is not in the map (default: error)")


def check_id_options(parser, args):
    if args.n_items is not None and (not args.dense_ids or args.n_items < 1):
        parser.error("--n-items needs --dense-ids and a value >= 1")
    if args.skip_unknown and not args.item_map:
        parser.error("--skip-unknown needs --item-map")


def warn_items_without(prog, n_items, found, source, item_map, what, empty_means):
    """One warning line counting the items that get a zero row, with the first few ids: those of the id
    range that found ({dense id: (value, where)}) lacks, and those whose value is empty."""
    missing = [i for i in range(n_items) if i not in found]
    empty = [i for i, (value, _) in sorted(found.items()) if not value]
    if not missing and not empty:
        return
    names = {dense: key for key, dense in item_map[0].items()} if item_map else {}
    shown = ", ".join(names.get(i, str(i)) for i in sorted(missing + empty)[:5])
    print(f"{prog}: warning: {len(missing) + len(empty)} of {n_items} items have no {what} and get a zero row "
          f"({len(missing)} not in {source}, {len(empty)} {empty_means}); first: {shown}", file=sys.stderr)


def progress_bar(total, enabled, prog, unit):
    """A tqdm bar on stderr, or None when disabled or tqdm is missing."""
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit=unit, desc=prog, file=sys.stderr)


def check_output_dir(path):
    if os.path.isdir(path):
        raise InputError(path, "", "is a folder; --out names the .npy file to write")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(path, "", f"the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise InputError(path, "", f"the folder {folder} is not writable")


def temp_file_beside(path):
    """(open binary file object, its name): a new hidden file in path's folder, to become path."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    return os.fdopen(fd, "wb"), tmp


def publish(tmp, path):
    """Gives the finished temporary file tmp the usual permissions and renames it to path."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


def save_temp(path, array):
    """The name of a finished temporary file beside path that holds np.save(array)."""
    f, tmp = temp_file_beside(path)
    try:
        with f:
            np.save(f, array)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def default_components_out(out):
    """The component file that goes with the pooled file out: a trailing _feat.npy (else .npy) replaced
    by _components.npy, e.g. text_feat.npy -> text_components.npy."""
    for suffix in ("_feat.npy", ".npy"):
        if out.endswith(suffix):
            return out[:-len(suffix)] + "_components.npy"
    return out + "_components.npy"


def component_count_path(components_out):
    """The count file of a component file: its name with _count before .npy."""
    stem = components_out[:-4] if components_out.endswith(".npy") else components_out
    return stem + "_count.npy"


def add_component_options(parser, kinds, what):
    """--components (pooled, or one of kinds: {name: help}) and --components-out; what names a component
    (e.g. "regions")."""
    choices = "; ".join(f"{name}: {text}" for name, text in kinds.items())
    parser.add_argument("--components", choices=["pooled", *kinds], default="pooled",
                        help=f"pooled: only the pooled features; {choices} (default: pooled)")
    parser.add_argument("--components-out", metavar="PATH",
                        help=f"with --components {'|'.join(kinds)}: the {what}' .npy [items x N x dim] (default: "
                             "--out with _feat.npy or .npy replaced by _components.npy); the per-item counts go to "
                             "its name with _count before .npy")


def check_component_options(parser, args):
    """Sets args.components_out (None for pooled only) and checks that the three outputs differ."""
    if args.components == "pooled":
        if args.components_out:
            parser.error("--components-out needs --components other than pooled")
        return
    args.components_out = args.components_out or default_components_out(args.out)
    names = [os.path.abspath(p) for p in (args.out, args.components_out, component_count_path(args.components_out))]
    if len(set(names)) != len(names):
        parser.error("--out, --components-out and its count file must be three different files")


def check_output_paths(args):
    """The output folders of --out and, when written, of the component files exist and are writable."""
    check_output_dir(args.out)
    if args.components_out:
        check_output_dir(args.components_out)


class ComponentOutput:
    """The component file [n_items x n x dim] float32, filled in place in a temporary file beside its path
    through a memory map (rows stay zero until written), and the count of valid components of each item
    (.count, int32, 0 until set); publish() writes the count file and renames both."""

    def __init__(self, path, n_items, n, dim):
        self.path = path
        self.shape = (n_items, n, dim)
        f, self.tmp = temp_file_beside(path)
        f.close()
        try:
            self.rows = np.lib.format.open_memmap(self.tmp, mode="w+", dtype=np.float32, shape=self.shape)
        except BaseException:
            self.discard()
            raise
        self.count = np.zeros(n_items, dtype=np.int32)

    def describe(self):
        """What publish() writes, for a summary line."""
        return (f"{self.path}: {' x '.join(map(str, self.shape))} float32, counts in "
                f"{component_count_path(self.path)}")

    def publish(self):
        self.rows.flush()
        self.rows = None
        with open(self.tmp, "rb+") as f:
            os.fsync(f.fileno())
        count_path = component_count_path(self.path)
        count_tmp = save_temp(count_path, self.count)
        try:
            publish(self.tmp, self.path)
            self.tmp = None
            publish(count_tmp, count_path)
        except BaseException:
            os.unlink(count_tmp)
            raise

    def discard(self):
        """Removes the temporary file when publish() did not rename it."""
        self.rows = None
        if self.tmp is not None:
            os.unlink(self.tmp)
            self.tmp = None


def write_features(out, features, components):
    """Writes the pooled features [n_items x dim] to out and publishes components (a ComponentOutput, or
    None): every file goes to a temporary file first, and the pooled one is renamed last."""
    tmp = save_temp(out, features)
    try:
        if components is not None:
            components.publish()
        publish(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise
