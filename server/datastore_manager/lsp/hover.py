"""Hover: schema facts on a value; entry metadata and session-lock status on the top line."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ..model.limits import MAX_VALUE_LENGTH
from ..model.uris import EntryUri, is_datastore_uri, parse_uri
from ..services.documents import JsonDocument, JsonPath, Position
from ..services.masking import MASK, SENSITIVE_KEYWORD
from ..services.schemas import subschema_at
from ..services.session_locks import detect_session_lock
from .diagnostics import schema_for

if TYPE_CHECKING:
    from .server import DsmServer

_CONSTRAINTS = (
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "required",
    "format",
    "default",
)


def hover(server: DsmServer, uri: str, document: JsonDocument, at: types.Position) -> Any:
    node = document.node_at(Position(at.line, at.character))
    if at.line == 0 and is_datastore_uri(uri):
        parsed = parse_uri(uri)
        if isinstance(parsed, EntryUri):
            return _markdown(_entry_summary(server, parsed, document))
    # A key hovers as its value.
    if node.parent is not None and node.parent.type == "pair":
        node = node.parent.child_by_field_name("value") or node
    elif node.type == "string_content" and node.parent is not None:
        node = node.parent
        if node.parent is not None and node.parent.type == "pair":
            node = node.parent.child_by_field_name("value") or node
    schema = schema_for(server, uri, document)
    content = schema.content if schema is not None else None
    path = document.path_of(node)
    sub = subschema_at(content, path) if content is not None else None
    if not isinstance(sub, Mapping):
        sub = {}
    sensitive = _sensitive(server, uri, content, path)
    reveal = sensitive and server.state.reveal(_connection(uri))
    lines = []
    if sub.get("title"):
        lines.append(f"**{sub['title']}**")
    if sub.get("description"):
        lines.append(str(sub["description"]))
    if sub.get("type"):
        kinds = sub["type"] if isinstance(sub["type"], list) else [sub["type"]]
        lines.append("Type: " + " | ".join(f"`{k}`" for k in kinds))
    for name in _CONSTRAINTS:
        if name in sub:
            shown = MASK if sensitive and not reveal and name in _VALUES else json.dumps(sub[name])
            lines.append(f"{name}: `{shown}`")
    if sensitive:
        if reveal:
            lines.append(f"Sensitive value (revealed): `{_clip(document.text_of(node))}`")
        else:
            lines.append(
                f"Sensitive value: `{MASK}` (masked; an editor or admin can reveal it with "
                "the `reveal` setting)"
            )
    if not lines:
        return None
    return _markdown("\n\n".join(lines), document.node_range(node))


_VALUES = frozenset({"enum", "const", "default"})  # constraints that spell out values


def _connection(uri: str) -> str | None:
    if not is_datastore_uri(uri):
        return None
    parsed = parse_uri(uri)
    return parsed.connection if isinstance(parsed, EntryUri) else None


def _sensitive(server: DsmServer, uri: str, schema: Any, path: JsonPath) -> bool:
    """``x-sensitive`` on the value or an ancestor in the schema, or a config path rule."""
    if schema is not None:
        for depth in range(len(path) + 1):
            node = subschema_at(schema, path[:depth])
            if isinstance(node, Mapping) and node.get(SENSITIVE_KEYWORD) is True:
                return True
    parsed = parse_uri(uri) if is_datastore_uri(uri) else None
    if isinstance(parsed, EntryUri):
        for rule in server.state.sensitive_rules():
            if any(rule.matches(parsed.store, path[:depth]) for depth in range(len(path) + 1)):
                return True
    return False


def _clip(text: str, limit: int = 200) -> str:
    text = text.replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _entry_summary(server: DsmServer, uri: EntryUri, document: JsonDocument) -> str:
    entry = server.state.entries.get(str(uri))
    lines = [f"**{uri.store} / {uri.scope} / {uri.key}**"]
    if entry is not None:
        lines += [
            f"Version: `{entry.version}`" + (" (read-only)" if uri.read_only else ""),
            f"Created: {entry.created_time:%Y-%m-%d %H:%M:%S} UTC · "
            f"updated: {entry.updated_time:%Y-%m-%d %H:%M:%S} UTC",
            f"User ids: {', '.join(map(str, entry.user_ids)) or 'none'}",
            f"Attributes: `{json.dumps(entry.attributes)}`",
        ]
    if document.is_valid_json:
        from ..model import EncodedValue

        size = EncodedValue.from_value(document.value).size
        lines.append(
            f"Size: {size:,} / {MAX_VALUE_LENGTH:,} characters ({size / MAX_VALUE_LENGTH:.1%})"
        )
        lock = detect_session_lock(document.value, entry.attributes if entry else None)
        lines.append("Session lock: " + (lock.message if lock else "none"))
    return "\n\n".join(lines)


def _markdown(text: str, span: Any = None) -> types.Hover:
    from .diagnostics import lsp_range

    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
        range=lsp_range(span) if span is not None else None,
    )
