"""The workspace configuration ``.datastore-manager.json`` and client settings, merged.

The file (validated against ``schemas/config.schema.json``) names connections and schema
mappings; it never holds secrets. The editor sends the same shape plus ``apiKeys`` at runtime;
keys stay in memory (:class:`Settings` never prints them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..model import InvalidArgument, parse_target
from ..model.uris import check_connection_name
from ..model.validation import check_scope
from .schemas import SchemaAssociation

CONFIG_FILE_NAME = ".datastore-manager.json"
#: The shipped schemas. ``datastore_manager/schemas`` is a symlink to the repository's top-level
#: ``schemas/`` (one copy, edited there); building a wheel copies the files in as package data.
SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "schemas"
CONFIG_SCHEMA_PATH = SCHEMAS_DIR / "config.schema.json"


@dataclass(frozen=True, slots=True)
class ConnectionConfig:
    name: str
    target: str
    read_only: bool = False
    description: str = ""
    source: str = "workspace"  # or "client"
    #: Open Cloud only: where the API is (e.g. a `dsm emulator` URL); None for Roblox's.
    base_url: str | None = None
    #: Ordered stores' scopes to show besides ``global`` where the backend cannot list them.
    ordered_scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(slots=True)
class Settings:
    connections: dict[str, ConnectionConfig] = field(default_factory=dict)
    schemas: list[SchemaAssociation] = field(default_factory=list)
    tab_size: int = 2
    sort_keys: bool = False
    debounce_ms: int = 150
    #: Open Cloud disk cache size in MB (``cache.maxSizeMB``; 0 disables it; None: default).
    cache_max_size_mb: float | None = None
    #: Idle minutes after which write access to a protected connection without its own
    #: ``idleTimeoutMinutes`` lapses (``protectedConnections.idleWriteTimeoutMinutes``).
    idle_write_timeout_minutes: float | None = None
    api_keys: dict[str, str] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:  # never show API keys
        return f"Settings(connections={sorted(self.connections)}, schemas={len(self.schemas)})"


#: Where automatic backups (``dsm apply``) go when the config sets no ``backups.folder``,
#: relative to the folder of ``.datastore-manager.json``.
DEFAULT_BACKUPS_FOLDER = Path(".dsm") / "backups"


def backups_folder(config_path: Path | None, document: Mapping[str, Any]) -> Path | None:
    """``backups.folder`` of the workspace config, resolved against the config's folder (the
    default :data:`DEFAULT_BACKUPS_FOLDER` there); None when there is no workspace config."""
    if config_path is None:
        return None
    section = document.get("backups")
    folder = section.get("folder") if isinstance(section, Mapping) else None
    chosen = Path(folder).expanduser() if isinstance(folder, str) and folder else None
    return config_path.parent / (chosen or DEFAULT_BACKUPS_FOLDER)


def config_problems(document: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """(path, message) for every way ``document`` breaks ``config.schema.json``."""
    import jsonschema_rs

    schema = json.loads(CONFIG_SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema_rs.validator_for(schema)
    return [(tuple(e.instance_path), e.message) for e in validator.iter_errors(document)]


def load_workspace_config(root: Path) -> dict[str, Any]:
    """The parsed, validated config file of a workspace root ({} when there is none)."""
    path = root / CONFIG_FILE_NAME
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InvalidArgument(f"{path} is not valid JSON ({exc}); fix it and save again.") from None
    problems = config_problems(document)
    if problems:
        for name, item in _connection_items(document):
            try:
                check_connection_options(name, item)
            except InvalidArgument as error:  # say what is wrong more plainly than the schema
                raise InvalidArgument(f"{path}: {error.message}") from None
        where, message = problems[0]
        at = "/".join(str(p) for p in where) or "(top level)"
        raise InvalidArgument(
            f"{path}: {message} at {at} ({len(problems)} problem(s)); see "
            "schemas/config.schema.json."
        )
    return dict(document)


def _connection_items(document: Any) -> list[tuple[str, Mapping[str, Any]]]:
    connections = document.get("connections") if isinstance(document, Mapping) else None
    if not isinstance(connections, Mapping):
        return []
    return [(str(n), item) for n, item in connections.items() if isinstance(item, Mapping)]


def check_base_url(connection: str, url: Any, target: str) -> str:
    """A connection's ``baseUrl``: an http(s) URL without credentials, for opencloud: only."""
    if not isinstance(url, str):
        raise InvalidArgument(f"Connection {connection!r}: baseUrl must be a string URL.")
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = urlsplit("")
    if parts.username is not None or parts.password is not None:  # never echo: it is a secret
        raise InvalidArgument(
            f"Connection {connection!r}: baseUrl must not contain a user name or password; "
            "keep the API key in the editor's secret storage (or ROBLOX_API_KEY)."
        )
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise InvalidArgument(
            f"Connection {connection!r}: baseUrl {url!r} is not an http(s) URL without query; "
            "use the URL `dsm emulator` prints, e.g. http://127.0.0.1:8787."
        )
    if not target.startswith("opencloud:"):
        raise InvalidArgument(
            f"Connection {connection!r}: baseUrl only applies to opencloud: targets, and the "
            f"target is {target!r}; remove baseUrl or use opencloud:UNIVERSE_ID."
        )
    return url.strip().rstrip("/")


def check_ordered_scopes(connection: str, value: Any) -> dict[str, tuple[str, ...]]:
    """``orderedScopes``: ordered store name -> scope names (valid Roblox scope names)."""
    problem = f"Connection {connection!r}: orderedScopes must map store names to lists of scopes"
    if not isinstance(value, Mapping):
        raise InvalidArgument(f'{problem}, e.g. {{"Leaderboard": ["season-1"]}}.')
    scopes: dict[str, tuple[str, ...]] = {}
    for store, names in value.items():
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InvalidArgument(f"{problem}; {store!r} has {names!r}.")
        try:
            scopes[str(store)] = tuple(dict.fromkeys(check_scope(n) for n in names))
        except InvalidArgument as error:
            message = f"Connection {connection!r}: orderedScopes: {error.message}"
            raise InvalidArgument(message) from None
    return scopes


def check_connection_options(name: str, item: Mapping[str, Any]) -> None:
    """The options the schema cannot explain well (``baseUrl``, ``orderedScopes``)."""
    target = item.get("target")
    if "baseUrl" in item:
        check_base_url(name, item["baseUrl"], target if isinstance(target, str) else "")
    if "orderedScopes" in item:
        check_ordered_scopes(name, item["orderedScopes"])


def _number_setting(document: Mapping[str, Any], section: str, name: str) -> float | None:
    """A numeric client setting ``section.name`` (None when absent); a clear error when bad."""
    group = document.get(section)
    value = group.get(name) if isinstance(group, Mapping) else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidArgument(f"Setting {section}.{name} must be a number of 0 or more.")
    return float(value)


def merge_settings(
    root: Path | None, workspace: Mapping[str, Any], client: Mapping[str, Any]
) -> Settings:
    """Workspace file first, client settings over it (client connections win on a name)."""
    settings = Settings()
    for source, document in (("workspace", workspace), ("client", client)):
        for name, item in (document.get("connections") or {}).items():
            check_connection_name(name)
            if not isinstance(item, Mapping) or not isinstance(item.get("target"), str):
                raise InvalidArgument(f"Connection {name!r} needs a 'target' such as local:./a.db.")
            target = item["target"]
            parse_target(target)  # a clear error for a bad target, now rather than on use
            if target.startswith("local:") and root is not None and source == "workspace":
                location = Path(target[len("local:") :]).expanduser()
                target = f"local:{location if location.is_absolute() else root / location}"
            base_url = item.get("baseUrl")
            scopes = item.get("orderedScopes")
            settings.connections[name] = ConnectionConfig(
                name,
                target,
                bool(item.get("readOnly", False)),
                str(item.get("description", "")),
                source,
                base_url=None if base_url is None else check_base_url(name, base_url, target),
                ordered_scopes={} if scopes is None else check_ordered_scopes(name, scopes),
            )
        for item in document.get("schemas") or []:
            settings.schemas.append(SchemaAssociation.from_json(item, root))
        formatting = document.get("formatting") or {}
        if formatting.get("tabSize") in (2, 4):
            settings.tab_size = int(formatting["tabSize"])
        if "sortKeys" in formatting:
            settings.sort_keys = bool(formatting["sortKeys"])
        diagnostics = document.get("diagnostics") or {}
        if isinstance(diagnostics.get("debounceMs"), int):
            settings.debounce_ms = max(0, diagnostics["debounceMs"])
    settings.cache_max_size_mb = _number_setting(client, "cache", "maxSizeMB")
    idle = _number_setting(client, "protectedConnections", "idleWriteTimeoutMinutes")
    if idle == 0:
        raise InvalidArgument(
            "Setting protectedConnections.idleWriteTimeoutMinutes must be above 0 (minutes)."
        )
    settings.idle_write_timeout_minutes = idle
    keys = client.get("apiKeys") or {}
    settings.api_keys = {str(k): str(v) for k, v in keys.items() if isinstance(v, str) and v}
    return settings
