#!/usr/bin/env bash
# Installs everything, creates the embedded database with the demo city and starts
# the app at http://localhost:8501 (Ctrl+C stops the app; `calmap db stop` the database).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/calmap db upgrade
.venv/bin/calmap demo
export CALMAP_AUTH="${CALMAP_AUTH:-none}"  # the demo is one person's machine: no login
exec .venv/bin/calmap serve --port "${PORT:-8501}" --address "${ADDRESS:-localhost}"
