"""Formatting: the value re-serialised with 2 or 4 spaces, key order kept (or sorted)."""

from __future__ import annotations

from lsprotocol import types

from ..services.documents import JsonDocument
from .diagnostics import lsp_range


def format_document(document: JsonDocument, tab_size: int, sort_keys: bool) -> list[types.TextEdit]:
    if not document.is_valid_json:
        return []  # never rewrite what we cannot parse
    import json

    text = json.dumps(document.value, indent=tab_size, ensure_ascii=False, sort_keys=sort_keys)
    text += "\n"
    if text == document.text:
        return []
    return [types.TextEdit(lsp_range(document.full_range), text)]
