#!/usr/bin/env bash
# Installs everything and runs every check: lint, types, then all tests against a real
# PostgreSQL + PostGIS cluster the tests start themselves, and a real Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
# Types of every package, the pages and streamlit_app.py (configured in pyproject.toml);
# any error stops the run.
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
