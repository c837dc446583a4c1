"""Runs pytest on the given arguments, or exits with 77 (CTest: skipped) when
this interpreter has no pytest or numpy."""
import importlib.util
import sys

missing = [m for m in ("pytest", "numpy") if importlib.util.find_spec(m) is None]
if missing:
    print(f"skipped: {sys.executable} has no {' or '.join(missing)} (Debian: python3-pytest python3-numpy)")
    sys.exit(77)
import pytest  # noqa: E402

sys.exit(int(pytest.main(["-q", "-p", "no:cacheprovider", *sys.argv[1:]])))
