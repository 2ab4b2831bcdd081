"""Diagnostics are computed once per text: a new version with the same text (a no-op edit, a
resent document) reuses the parse and the result; a real change recomputes."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from datastore_manager.lsp.diagnostics import DiagnosticsRunner
from datastore_manager.lsp.state import ServerState

URI = "file:///tmp/dsm-cache-test/doc.json"


def _runner() -> tuple[DiagnosticsRunner, ServerState]:
    state = ServerState()
    server: Any = SimpleNamespace(state=state, generation=0, client_pulls=True)
    return DiagnosticsRunner(server), state


def test_same_text_at_a_new_version_reuses_parse_and_diagnostics() -> None:
    runner, state = _runner()
    text = '{"a": [1, 2'  # a syntax error: one diagnostic
    state.set_text(URI, 1, text)
    first = runner.diagnostics(URI)
    assert [d.code for d in first] == ["json-syntax"]
    parsed = state.document(URI)
    assert parsed is not None
    state.set_text(URI, 2, "".join(list(text)))  # equal, but another string object
    again = state.document(URI)
    assert again is not None and again.version == 2 and again.text is parsed.text
    assert again.__dict__["_decoded"] is parsed.__dict__["_decoded"]  # not parsed again
    assert runner.diagnostics(URI) is first  # the cached list itself: nothing recomputed
    state.set_text(URI, 3, json.dumps({"a": [1, 2]}))
    assert runner.diagnostics(URI) == []
