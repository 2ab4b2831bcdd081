"""What the server knows between requests: settings, open backends, parsed documents."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..backends import DataStoreBackend
from ..model import Entry, InvalidArgument, NotFound, TargetKind, parse_target
from ..services.config import (
    CONFIG_FILE_NAME,
    CONFIG_SCHEMA_PATH,
    Settings,
    load_workspace_config,
    merge_settings,
)
from ..services.documents import JsonDocument, Position
from ..services.schemas import SchemaAssociation, SchemaRegistry, normalise_url


@dataclass(slots=True)
class OpenDocument:
    uri: str
    document: JsonDocument


class ServerState:
    def __init__(self) -> None:
        self.root: Path | None = None
        self.client_settings: dict[str, Any] = {}
        self.config_error: str | None = None
        self.settings = Settings()
        self.backends: dict[str, DataStoreBackend] = {}
        self.texts: dict[str, tuple[int | None, str]] = {}  # open documents (normalised URI)
        self.parsed: dict[str, JsonDocument] = {}
        self.entries: dict[str, Entry] = {}  # last entry read or written, per entry URI
        self.schemas = SchemaRegistry(open_text=self._open_text)

    # ---- settings ------------------------------------------------------------------

    def reload_settings(self) -> None:
        workspace: dict[str, Any] = {}
        self.config_error = None
        if self.root is not None:
            try:
                workspace = load_workspace_config(self.root)
            except InvalidArgument as error:
                self.config_error = error.message
        self.settings = merge_settings(self.root, workspace, self.client_settings)
        config_file = SchemaAssociation((CONFIG_FILE_NAME,), url=CONFIG_SCHEMA_PATH.as_uri())
        self.schemas.set_associations([*self.settings.schemas, config_file])

    # ---- backends ------------------------------------------------------------------

    def backend(self, connection: str) -> DataStoreBackend:
        backend = self.backends.get(connection)
        if backend is not None:
            return backend
        config = self.settings.connections.get(connection)
        if config is None:
            known = ", ".join(sorted(self.settings.connections)) or "none"
            raise NotFound(
                f"No connection named {connection!r} (known: {known}); add it to "
                ".datastore-manager.json or the dataStoreManager.connections setting."
            )
        from ..backends import open_backend

        target = parse_target(config.target)
        if target.kind is not TargetKind.OPENCLOUD and not target.path.exists():
            raise NotFound(f"Connection {connection!r}: no store file at {target.path}.")
        key = self.settings.api_keys.get(connection)
        backend = open_backend(target, api_key=key) if key else open_backend(target)
        if config.read_only:
            backend.read_only = True
        self.backends[connection] = backend
        return backend

    async def close(self) -> None:
        for backend in self.backends.values():
            await backend.close()
        self.backends.clear()

    # ---- documents -----------------------------------------------------------------

    def set_text(self, uri: str, version: int | None, text: str) -> None:
        self.texts[normalise_url(uri)] = (version, text)
        self.parsed.pop(normalise_url(uri), None)

    def apply_changes(self, uri: str, version: int | None, changes: Sequence[Any]) -> None:
        """``didChange``: incremental changes applied in order (each with ``range``), or whole
        texts (without)."""
        document = self.document(uri)
        if document is None:
            return
        for change in changes:
            span = getattr(change, "range", None)
            if span is None:
                document = JsonDocument(change.text, version)
                continue
            start = Position(span.start.line, span.start.character)
            end = Position(span.end.line, span.end.character)
            document = JsonDocument(document.edited(start, end, change.text), version)
        self.set_text(uri, version, document.text)

    def close_text(self, uri: str) -> None:
        self.texts.pop(normalise_url(uri), None)
        self.parsed.pop(normalise_url(uri), None)

    def document(self, uri: str) -> JsonDocument | None:
        """The parsed document at its current version (parsed once per version)."""
        key = normalise_url(uri)
        current = self.texts.get(key)
        if current is None:
            return None
        parsed = self.parsed.get(key)
        if parsed is None or parsed.version != current[0] or parsed.text is not current[1]:
            parsed = JsonDocument(current[1], current[0])
            self.parsed[key] = parsed
        return parsed

    def _open_text(self, url: str) -> str | None:
        current = self.texts.get(normalise_url(url))
        return current[1] if current else None

    def format_value(self, value: Any, tab_size: int | None = None) -> str:
        indent = self.settings.tab_size if tab_size is None else tab_size
        text = json.dumps(
            value, indent=indent, ensure_ascii=False, sort_keys=self.settings.sort_keys
        )
        return text + "\n"
