"""Completion of property names (required first, as snippets) and enum / const values."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ..services.documents import JsonDocument, Position
from .diagnostics import schema_for

if TYPE_CHECKING:
    from .server import DsmServer

_KEY_BEFORE_COLON = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*"?[^",{}\[\]]*$')
_SNIPPET_VALUE = {"object": "{$1}", "array": "[$1]", "string": '"$1"', "boolean": "${1:false}"}


def complete(
    server: DsmServer, uri: str, document: JsonDocument, at: types.Position
) -> types.CompletionList:
    empty = types.CompletionList(is_incomplete=False, items=[])
    schema = schema_for(server, uri, document) if document.is_valid_json else None
    if schema is None:
        schema = _last_good_schema(server, uri)
    if schema is None or schema.content is None:
        return empty
    offset = document.offset_at(Position(at.line, at.character))
    line_start = document.data.rfind(b"\n", 0, offset) + 1
    prefix = document.data[line_start:offset].decode("utf-8", "replace")
    node: Any = document.tree.root_node.descendant_for_byte_range(offset, offset)
    while node is not None and node.type != "object":
        node = node.parent
    container = document.path_of(node) if node is not None and node.parent else ()
    value_match = _KEY_BEFORE_COLON.search(prefix)
    if value_match:
        sub = schema.subschema_at((*container, json.loads(f'"{value_match.group(1)}"')))
        return types.CompletionList(is_incomplete=False, items=_values(sub))
    sub = schema.subschema_at(container)
    if not isinstance(sub, Mapping):
        return empty
    present = set()
    if node is not None:
        present = {document.key_text(p) for p in node.named_children if p.type == "pair"}
    required = list(sub.get("required", []))
    items = []
    in_quotes = prefix.rstrip().endswith('"') or prefix.count('"') % 2 == 1
    for name, prop in (sub.get("properties") or {}).items():
        if name in present:
            continue
        kind = prop.get("type") if isinstance(prop, Mapping) else None
        value = _SNIPPET_VALUE.get(kind, "$1") if isinstance(kind, str) else "$1"
        text = f'{name}": {value}' if in_quotes else f'"{name}": {value}'
        items.append(
            types.CompletionItem(
                label=name,
                kind=types.CompletionItemKind.Property,
                detail=("required · " if name in required else "") + str(kind or ""),
                documentation=(prop.get("description") if isinstance(prop, Mapping) else None),
                sort_text=("0" if name in required else "1") + name,
                insert_text=text,
                insert_text_format=types.InsertTextFormat.Snippet,
            )
        )
    return types.CompletionList(is_incomplete=False, items=items)


def _values(sub: Any) -> list[types.CompletionItem]:
    if not isinstance(sub, Mapping):
        return []
    options = list(sub.get("enum", []))
    if "const" in sub:
        options.append(sub["const"])
    if sub.get("type") == "boolean":
        options += [True, False]
    return [
        types.CompletionItem(
            label=json.dumps(option), kind=types.CompletionItemKind.Value, sort_text=f"{i:04}"
        )
        for i, option in enumerate(options)
    ]


def _last_good_schema(server: DsmServer, uri: str) -> Any:
    """While typing the document is often invalid JSON: use the mapping by path alone."""
    from .diagnostics import match_paths

    return server.state.schemas.for_document(match_paths(server, uri), None, server.state.root)
