"""Opaque page cursors shared by backends that page with keysets.

A cursor carries the last row's sort key and a fingerprint of the query that produced it, so a
cursor replayed against a different query is refused (Roblox: "Altering any filter parameter
results in a 400 error").
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from ..model import InvalidCursor


def fingerprint(*parts: object) -> str:
    return hashlib.sha1(json.dumps(parts, default=str).encode()).hexdigest()[:12]


def encode_cursor(query: str, position: list[Any]) -> str:
    raw = json.dumps({"q": query, "p": position}, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, query: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        position = data["p"]
        produced_by = data["q"]
    except (ValueError, KeyError, TypeError):
        raise InvalidCursor(
            f"Invalid cursor {cursor[:24]!r}: it was not produced by this listing."
        ) from None
    if produced_by != query or not isinstance(position, list):
        raise InvalidCursor(
            "This cursor belongs to a different query; keep every other parameter the same "
            "across pages, or start again without a cursor."
        )
    return position
