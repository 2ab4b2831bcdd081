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

from ..model import InvalidArgument, parse_target
from ..model.uris import check_connection_name
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


@dataclass(slots=True)
class Settings:
    connections: dict[str, ConnectionConfig] = field(default_factory=dict)
    schemas: list[SchemaAssociation] = field(default_factory=list)
    tab_size: int = 2
    sort_keys: bool = False
    debounce_ms: int = 150
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
        where, message = problems[0]
        at = "/".join(str(p) for p in where) or "(top level)"
        raise InvalidArgument(
            f"{path}: {message} at {at} ({len(problems)} problem(s)); see "
            "schemas/config.schema.json."
        )
    return dict(document)


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
            settings.connections[name] = ConnectionConfig(
                name,
                target,
                bool(item.get("readOnly", False)),
                str(item.get("description", "")),
                source,
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
    keys = client.get("apiKeys") or {}
    settings.api_keys = {str(k): str(v) for k, v in keys.items() if isinstance(v, str) and v}
    return settings
