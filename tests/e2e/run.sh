#!/usr/bin/env bash
# End-to-end test of the VS Code extension in a real VS Code (code-server) driven by headless
# Chromium, per ../shared/recipes/real-vscode. Needs: the recipe's setup.sh done, the packaged
# .vsix (vscode-extension/dist/datastore-manager.vsix) and <repo>/.venv with datastore-manager.
# Artifacts (screenshots of failures, code-server and extension logs) go to tests/e2e/artifacts/.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
RECIPE="$(cd "$REPO/../shared/recipes/real-vscode" && pwd)"
CACHE="${REAL_VSCODE_CACHE:-$HOME/.cache/real-vscode}"
export REAL_VSCODE_CACHE="$CACHE"
# shellcheck disable=SC1091
source "$CACHE/env.sh"
PY="${DSM_PYTHON:-$REPO/.venv/bin/python}"
VSIX="${DSM_VSIX:-$REPO/vscode-extension/dist/datastore-manager.vsix}"
[ -x "$PY" ] || { echo "e2e: $PY missing (make test creates <repo>/.venv)" >&2; exit 2; }
[ -f "$VSIX" ] || { echo "e2e: $VSIX missing (npm run package in vscode-extension)" >&2; exit 2; }

ART="$HERE/artifacts"; rm -rf "$ART"; mkdir -p "$ART"
WORK="$(mktemp -d /tmp/dsm-e2e.XXXXXX)"; WS="$WORK/workspace"; STATE="$WORK/state"; mkdir -p "$WS"
ms() { echo $(( $(date +%s%N) / 1000000 )); }
t0=$(ms)

# The demo universe from the real CLI, connected as "demo" with the PlayerData schema mapped.
"$PY" -m datastore_manager.cli.main demo "$WS/demo.db" --json > "$WORK/demo.json"
cp "$REPO/schemas/demo/player-data.schema.json" "$WS/player-data.schema.json"
cat > "$WS/.datastore-manager.json" <<JSON
{
  "connections": { "demo": { "target": "local:demo.db", "description": "e2e demo universe" } },
  "schemas": [ { "fileMatch": ["demo/PlayerData/*/*"], "url": "./player-data.schema.json" } ]
}
JSON
cat > "$WORK/settings.json" <<JSON
{
  "datastoreManager.pythonPath": "$PY",
  "editor.suggestOnTriggerCharacters": false,
  "editor.autoSurround": "never",
  "[json]": { "editor.autoClosingQuotes": "never", "editor.autoClosingBrackets": "never", "editor.formatOnType": false },
  "editor.hover.enabled": false,
  "editor.codeLens": false,
  "workbench.view.alwaysShowHeaderActions": true
}
JSON

cleanup() {
  "$RECIPE/stop.sh" "$STATE" >/dev/null 2>&1 || true
  cp "$STATE/code-server.log" "$ART/" 2>/dev/null || true
  find "$STATE/user-data/logs" -path '*datastore-manager*' -name '*.log' -exec cp {} "$ART/" \; 2>/dev/null || true
  [ -n "${KEEP_E2E_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

URL="$("$RECIPE/start.sh" --folder "$WS" --state-dir "$STATE" --install-extension "$VSIX" --settings "$WORK/settings.json")"
echo "e2e: code-server ready after $(( $(ms) - t0 )) ms at $URL" >&2

rc=0
E2E_URL="$URL" E2E_WS="$WS" E2E_STATE="$STATE" E2E_ART="$ART" E2E_PY="$PY" E2E_DEMO="$WORK/demo.json" \
  "$REAL_VSCODE_NODE" --test --test-concurrency=1 "$HERE/extension.e2e.test.mjs" || rc=$?
echo "e2e: finished rc=$rc in $(( $(ms) - t0 )) ms" >&2
exit "$rc"
