"""What the server knows between requests: settings, open backends, parsed documents."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..backends import DataStoreBackend
from ..model import Entry, InvalidArgument, NotFound, TargetKind, parse_target
from ..services import guard, roles
from ..services.audit import AuditTrail, audit_directory
from ..services.config import (
    CONFIG_FILE_NAME,
    CONFIG_SCHEMA_PATH,
    Settings,
    load_workspace_config,
    merge_settings,
)
from ..services.documents import JsonDocument, Position
from ..services.masking import SensitivePath, check_reveal, config_rules
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
        # The safety gate (services/guard.py): one session per connection, bound to its backend.
        self.safety_config = roles.WorkspaceConfig()
        self.safety_error: str | None = None  # the config could not be read: writes fail closed
        self.sessions: dict[str, guard.GuardSession] = {}
        self._closing: set[asyncio.Task[None]] = set()  # backends of changed connections

    # ---- settings ------------------------------------------------------------------

    def reload_settings(self) -> None:
        before = self.settings
        workspace: dict[str, Any] = {}
        self.config_error = None
        if self.root is not None:
            try:
                workspace = load_workspace_config(self.root)
            except InvalidArgument as error:
                self.config_error = error.message
        try:
            self.settings = merge_settings(self.root, workspace, self.client_settings)
        except InvalidArgument as error:  # a bad client setting: say so, keep the workspace's
            self.config_error = "; ".join(filter(None, (self.config_error, error.message)))
            keys_only = {"apiKeys": self.client_settings.get("apiKeys")}
            self.settings = merge_settings(self.root, workspace, keys_only)
        self._forget_changed_backends(before)
        self._reload_safety()
        config_file = SchemaAssociation((CONFIG_FILE_NAME,), url=CONFIG_SCHEMA_PATH.as_uri())
        self.schemas.set_associations([*self.settings.schemas, config_file])

    # ---- the safety gate ------------------------------------------------------------

    @property
    def config_path(self) -> Path | None:
        if self.root is None:
            return None
        path = self.root / CONFIG_FILE_NAME
        return path if path.is_file() else None

    def _reload_safety(self) -> None:
        """Re-read roles / protected / sensitive paths and re-resolve every open session
        (a role lowered in the config applies to the next request, without a reload)."""
        self.safety_error = None
        try:
            self.safety_config = roles.load_workspace_config(self.config_path)
        except InvalidArgument as error:
            self.safety_config = roles.WorkspaceConfig(self.config_path)
            self.safety_error = error.message
        audit = AuditTrail(audit_directory(self.config_path))
        for name, session in list(self.sessions.items()):
            if name not in self.settings.connections:
                continue
            try:
                session.policy = self.policy(name)
            except InvalidArgument:  # e.g. an unknown role asked for: fail closed
                target = self.settings.connections[name].target
                session.policy = roles.ConnectionPolicy(name, target, roles.Role.VIEWER)
            session.actor = self.actor()
            if session.audit is None or session.audit.directory != audit.directory:
                session.audit = audit

    def actor(self) -> guard.Actor:
        identity = self.client_settings.get("identity")
        return guard.Actor.current(identity if isinstance(identity, str) and identity else None)

    def requested_role(self, connection: str) -> str | None:
        """The lowest role asked for at run time: ``$DSM_ROLE``, the client's ``role`` and its
        ``connections.<name>.role``. It can only lower the configured role."""
        asked: list[str] = []
        client_connection = (self.client_settings.get("connections") or {}).get(connection)
        for value in (
            os.environ.get(roles.ROLE_ENV),
            self.client_settings.get("role"),
            client_connection.get("role") if isinstance(client_connection, dict) else None,
        ):
            if isinstance(value, str) and value:
                asked.append(value)
        if not asked:
            return None
        return min(asked, key=lambda text: roles.parse_role(text).rank)

    def policy(self, connection: str) -> roles.ConnectionPolicy:
        """The connection's policy: by name in the workspace config, else by target (so a
        client-side alias of a protected target is still protected); fails closed (viewer)
        when the workspace config cannot be read."""
        config = self.settings.connections.get(connection)
        if config is None:
            raise NotFound(f"No connection named {connection!r}.")
        if self.safety_error is not None:
            return roles.ConnectionPolicy(connection, config.target, roles.Role.VIEWER)
        requested = self.requested_role(connection)
        named = self.safety_config.data.get("connections") or {}
        target = connection if connection in named else config.target
        policy = roles.resolve_policy(
            target,
            self.safety_config,
            requested_role=requested,
            default_idle_minutes=self.settings.idle_write_timeout_minutes,
        )
        if policy.name == config.target:  # matched no workspace connection
            policy = dataclasses.replace(policy, name=connection)
        return policy

    def session(self, connection: str) -> guard.GuardSession:
        session = self.sessions.get(connection)
        if session is None:
            session = guard.GuardSession(
                self.policy(connection),
                self.actor(),
                AuditTrail(audit_directory(self.config_path)),
                roles.WriteAccess(),  # protected connections: granted by dataStore/enableWrites
            )
            self.sessions[connection] = session
        return session

    def touch(self, session: guard.GuardSession) -> None:
        """Activity keeps granted write access alive, but never revives lapsed access."""
        try:
            session.access.check(session.policy)
        except roles.WriteAccessExpired:
            return
        session.access.touch()

    def reveal(self, connection: str | None) -> bool:
        """Whether hovers show ``x-sensitive`` values: the client's ``reveal`` setting, honoured
        for editors and admins only."""
        if self.client_settings.get("reveal") is not True:
            return False
        if connection is None or connection not in self.settings.connections:
            return True  # a file:// document: already on this user's disk
        try:
            check_reveal(self.policy(connection).role, connection)
        except (roles.RoleForbidsWrite, InvalidArgument):
            return False
        return True

    def sensitive_rules(self) -> list[SensitivePath]:
        try:
            return config_rules(self.safety_config)
        except InvalidArgument:
            return []

    # ---- backends ------------------------------------------------------------------

    def backend(self, connection: str) -> DataStoreBackend:
        backend = self.backends.get(connection)
        if backend is not None:
            self.touch(self.session(connection))
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
        backend = open_backend(target, **self._backend_options(connection))
        if config.read_only:
            backend.read_only = True
        guard.bind(backend, self.session(connection))  # every write passes the gate
        self.backends[connection] = backend
        return backend

    def _forget_changed_backends(self, before: Settings) -> None:
        """A connection whose definition (target, baseUrl, ...) or API key changed opens a new
        backend on its next use, e.g. after re-adding an emulator connection with another URL."""
        for name in list(self.backends):
            same = before.connections.get(name) == self.settings.connections.get(name)
            if same and before.api_keys.get(name) == self.settings.api_keys.get(name):
                continue
            backend = self.backends.pop(name)
            prefix = f"datastore://{name}/"
            for uri in [u for u in self.entries if u.startswith(prefix)]:
                del self.entries[uri]
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop: nothing can be using it
                continue
            task = loop.create_task(backend.close())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def _backend_options(self, connection: str) -> dict[str, Any]:
        """Open Cloud options of a connection: its API key, base URL and the cache size."""
        config = self.settings.connections[connection]
        options: dict[str, Any] = {}
        key = self.settings.api_keys.get(connection)
        if key:
            options["api_key"] = key
        if config.target.startswith("opencloud:"):
            if config.base_url:
                options["base_url"] = config.base_url
            if self.settings.cache_max_size_mb is not None:
                options["cache_max_size_mb"] = self.settings.cache_max_size_mb
        return options

    async def close(self) -> None:
        for backend in self.backends.values():
            await backend.close()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        self.backends.clear()
        self.sessions.clear()

    # ---- documents -----------------------------------------------------------------

    def set_text(self, uri: str, version: int | None, text: str) -> None:
        """A new version; when its text equals the current one (a no-op edit, a resent
        text) the parsed document's work is kept: only the version changes."""
        key = normalise_url(uri)
        current = self.texts.get(key)
        parsed = self.parsed.pop(key, None)
        if current is not None and current[1] is not text and current[1] == text:
            text = current[1]  # one object: identity says "unchanged" to every cache
        if parsed is not None and parsed.text is text:
            self.parsed[key] = parsed.with_version(version)
        self.texts[key] = (version, text)

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
