#!/usr/bin/env bash
# Installs everything calmap needs on a Debian machine; safe to run again.
#   apt: PostgreSQL + PostGIS (the embedded database), Chromium (browser tests),
#        DejaVu fonts (Polish diacritics in maps and posters)
#   pip: a virtual environment in .venv with calmap and its test tools
#   npm: Leaflet.draw (drawing area boundaries) and Leaflet.markercluster (many pins),
#        pinned, into .npm-vendor
#   the map's JavaScript and CSS (Leaflet from PyPI, the rest from npm, calmap-pins.js) copied
#   into static/vendor
#   the translations (mapping/i18n/locale/*/LC_MESSAGES/calmap.po) compiled to .mo
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(postgresql postgresql-postgis postgresql-15-pgrouting chromium fonts-dejavu-core)

pick_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# npm brings Leaflet.draw and Leaflet.markercluster (not on PyPI); Debian's npm
# package brings Node.js with it.
command -v npm >/dev/null 2>&1 || missing+=(npm)
PY=$(pick_python || true)
if [ -z "$PY" ] || ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing+=(python3 python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  PY=$(pick_python)
fi

# The Debian package starts a system-wide cluster on port 5432; calmap does not use it.

stamp=.venv/.calmap-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[test]"
  echo "$want" > "$stamp"
fi

LEAFLET_DRAW_VERSION=1.0.4  # keep equal to mapping/maps/assets.py LEAFLET_DRAW_VERSION
MARKERCLUSTER_VERSION=1.5.3  # keep equal to mapping/maps/assets.py MARKERCLUSTER_VERSION
if ! grep -qs "\"version\": \"$LEAFLET_DRAW_VERSION\"" .npm-vendor/node_modules/leaflet-draw/package.json ||
   ! grep -qs "\"version\": \"$MARKERCLUSTER_VERSION\"" .npm-vendor/node_modules/leaflet.markercluster/package.json; then
  echo "setup: installing leaflet-draw $LEAFLET_DRAW_VERSION and leaflet.markercluster" \
       "$MARKERCLUSTER_VERSION from npm into .npm-vendor"
  # Both in one command: without a package.json, npm removes what an install does not name.
  npm install --prefix .npm-vendor --no-save --no-package-lock --no-audit --no-fund \
    --loglevel=error "leaflet-draw@$LEAFLET_DRAW_VERSION" \
    "leaflet.markercluster@$MARKERCLUSTER_VERSION" >/dev/null
fi

.venv/bin/python -c 'from pathlib import Path; from mapping.maps import assets; assets.install_static(Path("static"))'
# The same as `pybabel compile -d mapping/i18n/locale -D calmap`, for the stale catalogues
# only; the app would compile them on first use as well, but a read-only install cannot.
.venv/bin/python scripts/messages.py compile
echo "setup: ready"
