#!/usr/bin/env bash
# Set up (if needed) and run the main job: every seed experiment in experiments/, results in results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/gdcli run experiments/ "$@"
