#!/usr/bin/env bash
# Builds the .vsix and opens VS Code on a demo workspace with the demo store connected:
# the local `code` when present, otherwise code-server (../shared/recipes/real-vscode) in the
# browser, whose URL is printed. For `make demo`. Usage: scripts/demo.sh [WORKSPACE_DIR]
set -euo pipefail
EXT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$EXT/.." && pwd)"
RECIPE="$REPO/../shared/recipes/real-vscode"
PY="${PYTHON:-$REPO/.venv/bin/python}"
WS="${1:-$REPO/.dsm/vscode-demo}"
[ -x "$PY" ] || { echo "demo: $PY missing; run make demo (it creates .venv)" >&2; exit 2; }

cd "$EXT"
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
PYTHON="$PY" npm run -s package >/tmp/dsm-demo-vsce.log 2>&1 || { cat /tmp/dsm-demo-vsce.log >&2; exit 1; }
VSIX="$EXT/dist/datastore-manager.vsix"

mkdir -p "$WS"
[ -f "$WS/demo.db" ] || "$PY" -m datastore_manager.cli.main demo "$WS/demo.db" >/dev/null
cp "$REPO/schemas/demo/player-data.schema.json" "$WS/"
cat > "$WS/.datastore-manager.json" <<JSON
{
  "connections": { "demo": { "target": "local:demo.db", "description": "Demo universe" } },
  "schemas": [ { "fileMatch": ["demo/PlayerData/*/*"], "url": "./player-data.schema.json" } ]
}
JSON
mkdir -p "$WS/.vscode"
printf '{ "datastoreManager.pythonPath": "%s" }\n' "$PY" > "$WS/.vscode/settings.json"

if command -v code >/dev/null 2>&1; then
  code --install-extension "$VSIX" --force >/dev/null
  code "$WS"
  echo "Opened VS Code on $WS (DataStores in the activity bar)."
  exit 0
fi
bash "$RECIPE/setup.sh" >/tmp/dsm-demo-setup.log 2>&1 || { tail -20 /tmp/dsm-demo-setup.log >&2; exit 1; }
STATE="$REPO/.dsm/code-server"
[ -f "$STATE/code-server.pid" ] && "$RECIPE/stop.sh" "$STATE" >/dev/null 2>&1 || true
URL="$("$RECIPE/start.sh" --folder "$WS" --state-dir "$STATE" --install-extension "$VSIX" --grace 10800)"
echo "VS Code (code-server) with DataStore Manager and the demo store: $URL"
echo "Stop it with: $RECIPE/stop.sh $STATE"
