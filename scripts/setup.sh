#!/usr/bin/env bash
# Create .venv (if needed) and install gdcli with its test, cluster (Dask) and fast (numba) extras, torch pinned to
# the CPU wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,cluster,fast]'
