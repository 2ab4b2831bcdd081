"""Where audit records go: one log per workspace and one per connection.

``<audit dir>/workspace.jsonl`` holds everything; ``<audit dir>/connections/<name>.jsonl``
holds one connection's records, so a connection's history can be handed over on its own.
The directory is ``$DSM_AUDIT_DIR``, else ``.datastore-manager/audit`` beside the workspace's
``.datastore-manager.json``, else the user's state directory (never the current directory,
so running ``dsm`` in a source tree does not litter it).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from .chain import append_record

AUDIT_DIR_ENV: Final = "DSM_AUDIT_DIR"
WORKSPACE_LOG: Final = "workspace.jsonl"
_SAFE = re.compile(r"[^a-z0-9._-]+")


def audit_directory(
    workspace_config: Path | None, environ: Mapping[str, str] | None = None
) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get(AUDIT_DIR_ENV):
        return Path(environ[AUDIT_DIR_ENV]).expanduser()
    if workspace_config is not None:
        return workspace_config.parent / ".datastore-manager" / "audit"
    state = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "datastore-manager" / "audit"


def connection_log_name(connection: str) -> str:
    """A file name for a connection: readable, and unique even after unsafe characters go."""
    safe = _SAFE.sub("_", connection.lower()).strip("._")[:60] or "connection"
    if safe == connection:
        return f"{safe}.jsonl"
    digest = hashlib.sha256(connection.encode()).hexdigest()[:10]
    return f"{safe}-{digest}.jsonl"


class AuditTrail:
    """Appends each record to the workspace log and to its connection's log."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def workspace_log(self) -> Path:
        return self.directory / WORKSPACE_LOG

    def connection_log(self, connection: str) -> Path:
        return self.directory / "connections" / connection_log_name(connection)

    def record(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Append ``fields`` (which must name a ``connection``) to both logs."""
        written = append_record(self.workspace_log, fields)
        append_record(self.connection_log(str(fields["connection"])), fields)
        return written

    def logs(self) -> list[Path]:
        """Every log in the directory: the workspace log first."""
        found = sorted((self.directory / "connections").glob("*.jsonl"))
        return [self.workspace_log, *found] if self.workspace_log.exists() else found
