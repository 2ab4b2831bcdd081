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
cleanup() {
  "$RECIPE/stop.sh" "$STATE" >/dev/null 2>&1 || true
  if [ -n "${EMU_PID:-}" ]; then kill "$EMU_PID" 2>/dev/null || true; wait "$EMU_PID" 2>/dev/null || true; fi
  cp "$WORK/emulator.log" "$ART/" 2>/dev/null || true
  cp "$STATE/code-server.log" "$ART/" 2>/dev/null || true
  find "$STATE/user-data/logs" -path '*datastore-manager*' -name '*.log' -exec cp {} "$ART/" \; 2>/dev/null || true
  [ -n "${KEEP_E2E_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

# An Open Cloud emulator (the real `dsm emulator`) for the status bar and Test Connection steps:
# every universe from its own file in $WORK/emulator; universe 1001 ("emu") is a copy of the demo
# with a tiny read budget (3 per minute) so a few opened entries exhaust it for real; 1002
# ("reader") is empty. One API key, with read/list scopes only (no writes, no ordered stores):
# the language server finds it in ROBLOX_API_KEY and the emulator URL in DSM_BASE_URL.
mkdir -p "$WORK/emulator"
cp "$WS/demo.db" "$WORK/emulator/universe-1001.db"
echo '{"requests_per_minute": {"standard.read": 3}, "window_seconds": 60}' > "$WORK/rate-limits.json"
# (versions:list is needed: dataStore/stat lists versions to open an entry; see the e2e report)
READER_SCOPES="universe-datastores.control:list,universe-datastores.objects:list,universe-datastores.objects:read,universe-datastores.versions:list"
"$PY" -m datastore_manager.cli.main emulator --data "$WORK/emulator" --rate-limits "$WORK/rate-limits.json" \
  --api-key "e2e-reader=$READER_SCOPES" > "$WORK/emulator.url" 2> "$WORK/emulator.log" &
EMU_PID=$!
for _ in $(seq 1 300); do [ -s "$WORK/emulator.url" ] && break; kill -0 "$EMU_PID" 2>/dev/null || break; sleep 0.1; done
EMU_URL="$(head -n1 "$WORK/emulator.url")"
case "$EMU_URL" in http://*) ;; *) echo "e2e: the emulator did not start:" >&2; cat "$WORK/emulator.log" >&2; exit 1 ;; esac
export DSM_BASE_URL="$EMU_URL" ROBLOX_API_KEY="e2e-reader" DSM_CACHE_DIR=off
echo "e2e: emulator at $EMU_URL after $(( $(ms) - t0 )) ms" >&2

cat > "$WS/.datastore-manager.json" <<JSON
{
  "connections": {
    "demo": { "target": "local:demo.db", "description": "e2e demo universe" },
    "emu": { "target": "opencloud:1001", "description": "emulator, 3 reads a minute" },
    "reader": { "target": "opencloud:1002", "description": "emulator, read-only key" }
  },
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

URL="$("$RECIPE/start.sh" --folder "$WS" --state-dir "$STATE" --install-extension "$VSIX" --settings "$WORK/settings.json")"
echo "e2e: code-server ready after $(( $(ms) - t0 )) ms at $URL" >&2

rc=0
E2E_URL="$URL" E2E_WS="$WS" E2E_STATE="$STATE" E2E_ART="$ART" E2E_PY="$PY" E2E_DEMO="$WORK/demo.json" E2E_EMU_PID="$EMU_PID" E2E_EMU_URL="$EMU_URL" \
  "$REAL_VSCODE_NODE" --test --test-concurrency=1 "${E2E_TEST_FILE:-$HERE/extension.e2e.test.mjs}" || rc=$?
echo "e2e: finished rc=$rc in $(( $(ms) - t0 )) ms" >&2
exit "$rc"
