# DataStore Manager: `make demo` runs the product on a demo game, `make test` runs every check.
# Needs only python3 (3.11+) with venv and pip; node and npm for the VS Code extension tests.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The demo universe (a local SQLite store); `make demo` creates it once and reuses it.
DEMO_DB := .dsm/demo.db
DSM := $(BIN)/dsm --target local:$(DEMO_DB)
# Most tests wait on subprocesses and loopback HTTP, so more workers than cores pays off.
PYTEST_WORKERS ?= 4

.PHONY: demo demo-cli test bench lint clean-demo

# Reinstall when the dependency list changes.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo-cli: $(BIN)/.installed
	@mkdir -p $(dir $(DEMO_DB))
	@if [ -f $(DEMO_DB) ]; then echo "Using the existing demo store $(DEMO_DB) (make clean-demo to recreate it)"; \
	 else $(BIN)/dsm demo $(DEMO_DB); fi
	$(DSM) stores list
	$(DSM) keys list PlayerData --limit 5
	$(DSM) get PlayerData "$$($(DSM) --json keys list PlayerData --limit 1 | $(BIN)/python -c 'import json,sys; print(json.load(sys.stdin)["keys"][0]["key"])')"
	$(DSM) ordered list Leaderboard --descending --limit 5
	@echo
	@echo "Try it yourself:  export DSM_TARGET=local:$(DEMO_DB) && $(BIN)/dsm --help"

# The CLI tour above, then VS Code with the extension and the demo store connected: the
# local `code`, or code-server in the browser (its URL is printed). Needs node and npm.
demo: demo-cli
	@echo
	@if command -v npm >/dev/null 2>&1; then bash vscode-extension/scripts/demo.sh; \
	 else echo "VS Code part skipped: install node and npm, then run make demo again."; fi

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	@# pytest exits 5 when it collects no tests: that is a failure too.
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS); status=$$?; \
	 if [ $$status -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; \
	 exit $$status
	@if [ -f vscode-extension/scripts/test.sh ]; then bash vscode-extension/scripts/test.sh; \
	 else echo "vscode-extension/scripts/test.sh not present: no extension tests to run"; fi

bench: $(BIN)/.installed
	@set -e; for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script; done

clean-demo:
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
