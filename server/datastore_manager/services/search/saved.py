"""Saved searches in ``.datastore-manager.json`` (``savedSearches``: name → query)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ...model import InvalidArgument
from .query import SearchQuery, parse_condition

KEY = "savedSearches"


def load_saved(config: Path | None, name: str) -> SearchQuery:
    document = _read(config) if config is not None else {}
    item = (document.get(KEY) or {}).get(name)
    if not isinstance(item, dict):
        where = f" in {config}" if config else " (no .datastore-manager.json found)"
        raise InvalidArgument(f"No saved search {name!r}{where}; save one with --save NAME.")
    return SearchQuery(
        str(item.get("query", "")),
        item.get("store"),
        tuple(parse_condition(text) for text in item.get("where", [])),
    )


def save_search(config: Path, name: str, query: SearchQuery) -> None:
    """Add or replace one saved search; the rest of the file is kept as it is."""
    document = _read(config) if config.exists() else {}
    document.setdefault(KEY, {})[name] = query.to_json()
    temporary = config.with_name(config.name + ".tmp")
    temporary.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    os.replace(temporary, config)


def _read(config: Path) -> dict[str, Any]:
    try:
        document = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidArgument(f"Cannot read {config}: {error}") from None
    if not isinstance(document, dict):
        raise InvalidArgument(f"{config} must hold a JSON object.")
    return document
