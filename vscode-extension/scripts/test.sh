#!/usr/bin/env bash
# All tests of the VS Code extension; `make test` calls this after the Python tests.
# Installs what it needs itself: Chromium (apt) if missing, npm ci, the real-vscode recipe's
# setup.sh (code-server etc.; seconds when cached, ~13 min on a fresh machine).
# Steps: typecheck → unit (vitest) → build → webview (headless Chromium) → package (.vsix) →
# end-to-end in code-server (tests/e2e/run.sh). Fails loudly on the first failure.
set -euo pipefail
EXT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$EXT/.." && pwd)"
RECIPE="$REPO/../shared/recipes/real-vscode"
export PYTHON="${PYTHON:-$REPO/.venv/bin/python}"
ms() { echo $(( $(date +%s%N) / 1000000 )); }
T0=$(ms)
say() { echo "[vscode-extension +$(( ($(ms) - T0) / 1000 ))s] $*"; }
fail() { echo "[vscode-extension] FAILED: $*" >&2; exit 1; }
trap 'rc=$?; [ $rc -eq 0 ] || echo "[vscode-extension] FAILED (exit $rc) — see the output above; e2e artifacts in $REPO/tests/e2e/artifacts/" >&2' EXIT

[ -x "$PYTHON" ] || fail "$PYTHON missing: create <repo>/.venv with the package installed (make test does)"
if [ ! -x /usr/bin/chromium ]; then
  say "installing chromium (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
[ -f "$RECIPE/setup.sh" ] || fail "recipe not found at $RECIPE (expected <repo>/../shared/recipes/real-vscode)"
say "recipe setup.sh (code-server, node 24, playwright-core, vsce)"
bash "$RECIPE/setup.sh" > /tmp/dsm-real-vscode-setup.log 2>&1 || { tail -40 /tmp/dsm-real-vscode-setup.log >&2; fail "setup.sh"; }
# shellcheck disable=SC1091
source "${REAL_VSCODE_CACHE:-$HOME/.cache/real-vscode}/env.sh"
# node 24 from the recipe first on PATH: vitest and vsce want node >= 22 on a fresh machine.
export PATH="$(dirname "$REAL_VSCODE_NODE"):$PATH"

cd "$EXT"
say "npm ci"
npm ci --no-audit --no-fund --loglevel=error
say "typecheck"
npm run -s typecheck
say "unit tests (vitest)"
npx vitest run
say "build"
npm run -s build
say "webview tests (headless Chromium)"
node --test test/webview/*.test.mjs
say "package (.vsix)"
npm run -s package > /tmp/dsm-vsce.log 2>&1 || { cat /tmp/dsm-vsce.log >&2; fail "npm run package"; }
grep -q "Packaged" /tmp/dsm-vsce.log || fail "vsce did not package"
say "end-to-end in code-server"
bash "$REPO/tests/e2e/run.sh"
say "all extension tests passed"
