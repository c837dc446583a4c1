"""Shared parts of the item feature encoders (encode_text.py, encode_images.py):
input errors, delimited tables, item id maps and dense ids, and .npy output that
is written whole or not at all."""
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


def write_npy_atomic(path, array):
    """np.save to a temporary file beside path, then rename: path is whole or untouched."""
    f, tmp = temp_file_beside(path)
    try:
        with f:
            np.save(f, array)
            f.flush()
            os.fsync(f.fileno())
        publish(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
