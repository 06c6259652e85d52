#!/usr/bin/env bash
# Set up (if needed) and run the main job: the seed experiments, or a short demo until they exist.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
G=.venv/bin/gdcli
if "$G" --help | grep -q ' run '; then
    exec "$G" run experiments/ "$@"
fi
"$G" grad "2*w0**2 + 3*w1**2" --at w0=3,w1=4 --step 0.0003,0.0004
"$G" hessian "w0**2 + 2*w0*w1 + 3*w1**2" --at 0,0 --step 0.1,0.1
