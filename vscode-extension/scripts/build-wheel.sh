#!/usr/bin/env bash
# Builds the server wheel into dist/wheels/ so the .vsix can create its private venv from it
# (dependencies still come from PyPI on first run). Builds in a temporary copy: setuptools
# would otherwise leave build/ and *.egg-info in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
OUT="$PWD/dist/wheels"
rm -rf "$OUT" && mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/dsm-wheel.XXXXXX)"
trap 'rm -rf "$TMP" "$TMP.log"' EXIT
cp ../pyproject.toml "$TMP/"
[ -f ../README.md ] && cp ../README.md "$TMP/"
cp -r ../server "$TMP/server"
find "$TMP/server" \( -name '*.egg-info' -o -name __pycache__ \) -prune -exec rm -rf {} +
if "$PY" -c 'import setuptools, wheel' 2>/dev/null; then
  (cd "$TMP" && "$PY" -m pip wheel --quiet --no-deps --no-build-isolation -w "$OUT" . >"$TMP.log" 2>&1) || { cat "$TMP.log" >&2; exit 1; }
else
  (cd "$TMP" && "$PY" -m pip wheel --quiet --no-deps -w "$OUT" . >"$TMP.log" 2>&1) || { cat "$TMP.log" >&2; exit 1; }
fi
ls "$OUT"/*.whl
