#!/usr/bin/env bash
# Creates (or completes) the Python environment of tools/encode_text.py,
# tools/encode_images.py and tests/python: a venv at build/venv that sees
# Debian's packages (--system-site-packages), so torch is Debian's CPU build of
# python3-torch and numpy stays Debian's 1.x, plus the pinned PyPI packages of
# tools/requirements-text.txt and tools/requirements-images.txt, installed with
# `pip install --no-deps` so that pip never pulls torch, CUDA wheels or numpy 2.
# Installs the missing Debian packages first (with apt-get, as root). Safe to run
# again: it installs only what is missing. Prints the venv's python path as its
# only line on stdout:
#
#   py=$(tools/setup_python_env.sh) && "$py" -m pytest tests/python
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian 12: the interpreter and venv support, torch, and every dependency of the
# PyPI packages that Debian has (numpy, scipy, scikit-learn, Pillow for
# sentence-transformers and the image decoding of encode_images.py; PyYAML,
# requests, packaging, filelock, regex, tqdm, typing-extensions for
# transformers and huggingface-hub), plus pytest.
packages=(python3 python3-venv python3-torch python3-numpy python3-scipy python3-sklearn python3-pil
          python3-yaml python3-requests python3-packaging python3-filelock python3-regex python3-tqdm
          python3-typing-extensions python3-pytest)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  if ((EUID != 0)); then
    echo "setup_python_env.sh: missing Debian packages; as root run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

venv=build/venv
py=$venv/bin/python
requirements=(tools/requirements-text.txt tools/requirements-images.txt)
# A venv made by another python than Debian's, or without --system-site-packages,
# is made again.
if ! { [[ -x $py ]] && grep -qx 'home = /usr/bin' $venv/pyvenv.cfg &&
       grep -qx 'include-system-site-packages = true' $venv/pyvenv.cfg; }; then
  rm -rf "$venv"
  mkdir -p build
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi

# The pinned requirements whose exact version the venv does not have yet.
mapfile -t todo < <("$py" - "${requirements[@]}" <<'EOF'
import importlib.metadata as md
import sys
for path in sys.argv[1:]:
    for line in open(path):
        pin = line.split("#")[0].strip()
        if not pin:
            continue
        name, version = pin.split("==")
        try:
            if md.version(name) == version:
                continue
        except md.PackageNotFoundError:
            pass
        print(pin)
EOF
)
if ((${#todo[@]})); then
  echo "pip install --no-deps ${todo[*]}" >&2
  "$py" -m pip install --no-deps --disable-pip-version-check --no-input -q "${todo[@]}" >&2
fi

# Every requirement of our packages must be met (pip check also reports Debian's
# own packages, e.g. python3-gi without python3-cairo: those are not ours).
ours=$(sed -e 's/#.*//' -e 's/==.*//' "${requirements[@]}" | tr 'A-Z_' 'a-z-' | grep -v '^$' || true)
problems=$("$py" -m pip check --disable-pip-version-check 2>&1 || true)
bad=$(awk 'NR == FNR { ours[$1] = 1; next }
           { name = tolower($1); gsub("_", "-", name); if (name in ours) print }' <(echo "$ours") <(echo "$problems"))
if [[ -n $bad ]]; then
  echo "setup_python_env.sh: pip check:" >&2
  echo "$bad" >&2
  exit 1
fi
"$py" -c 'import sys, numpy, torch
if not torch.__file__.startswith("/usr/lib/python3/"):
    sys.exit(f"torch comes from {torch.__file__}, not from Debian")
if int(numpy.__version__.split(".")[0]) >= 2:
    sys.exit(f"numpy {numpy.__version__}: need < 2 (Debian torch is built against numpy 1)")'
echo "$(pwd)/$py"
