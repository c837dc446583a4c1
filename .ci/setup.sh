#!/usr/bin/env bash
# Installs the Debian packages mmgraph needs (when missing) and builds the
# library and the mmgraph command into build/ (CUDA backend when the toolkit is
# at /usr/local/cuda, CPU-only otherwise), and with it the Python module into
# build/python/mmgraph (PYTHONPATH=build/python python3 -c "import mmgraph").
# Extra arguments go to cmake --build (.ci/test.sh passes nothing and builds
# the tests itself).
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(cmake ninja-build g++ git libcli11-dev libyaml-cpp-dev nlohmann-json3-dev libfmt-dev
          libopenblas-dev libopenblas0-openmp libgtest-dev libgmock-dev libbenchmark-dev
          python3-dev pybind11-dev python3-numpy python3-pytest libopenmpi-dev openmpi-bin libmetis-dev libfaiss-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The Python module (built with mmgraph_cli) is for Debian's python3, the
# interpreter that the packages above give numpy and pytest.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE=/usr/bin/python3
cmake --build build -j"$(nproc)" --target mmgraph_cli "$@"
