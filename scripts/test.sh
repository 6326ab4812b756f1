#!/usr/bin/env bash
# Installs everything and runs every check: lint, then all tests against a real
# PostgreSQL + PostGIS cluster the tests start themselves, and a real Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
