"""Where audit records go: one log per workspace and one per connection.

``<audit dir>/workspace.jsonl`` holds everything; ``<audit dir>/connections/<name>.jsonl``
holds one connection's records, so a connection's history can be handed over on its own.

Durability policy (see docs/security.md, "Audit log cost"):

* Outside a batch, :meth:`AuditTrail.record` is interactive: each log is fsynced and its head
  moved per record (the language server's single saves).
* Inside ``with trail.batch():`` (bulk jobs; a whole ``dsm`` run) records are written to the
  files at once but fsynced and anchored in the heads once per checkpoint — every
  ``max_records`` records / ``max_seconds``, at :meth:`AuditTrail.checkpoint` (call it where
  the job saves its own checkpoint, *before* saving it) and when the outermost batch closes.
  Batches nest (the inner one joins the outer). Usage for a job::

      with trail.batch():              # or guard.job_scope(...), which also does this
          for entry in work:
              await entries.write_entry(...)   # the guard records through the batch
              if checkpoint_now:
                  trail.checkpoint()           # durable before the job's state file
                  save_state(...)
The directory is ``$DSM_AUDIT_DIR``, else ``.datastore-manager/audit`` beside the workspace's
``.datastore-manager.json``, else the user's state directory (never the current directory,
so running ``dsm`` in a source tree does not litter it).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from .batch import DEFAULT_MAX_RECORDS, DEFAULT_MAX_SECONDS, GroupCommit
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
        self._group: GroupCommit | None = None
        self._depth = 0
        self._mutex = threading.RLock()  # the language server records from several threads

    @property
    def workspace_log(self) -> Path:
        return self.directory / WORKSPACE_LOG

    def connection_log(self, connection: str) -> Path:
        return self.directory / "connections" / connection_log_name(connection)

    def record(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Append ``fields`` to the workspace log and to the log of the ``connection`` they
        name. A record whose ``connection`` is None (work on this machine that touches no
        connection, such as rotating the encryption keys) goes to the workspace log only."""
        connection = fields["connection"]
        connection_log = None if connection is None else self.connection_log(str(connection))
        with self._mutex:
            group = self._group
            if group is None:
                written = append_record(self.workspace_log, fields)
                if connection_log is not None:
                    append_record(connection_log, fields)
                return written
            written = group.append(self.workspace_log, fields)
            if connection_log is not None:
                group.append(connection_log, fields)
            if group.due():
                group.commit()
            return written

    @contextmanager
    def batch(
        self, max_records: int = DEFAULT_MAX_RECORDS, max_seconds: float = DEFAULT_MAX_SECONDS
    ) -> Iterator[AuditTrail]:
        """Group-commit the records made inside the block (see the module doc)."""
        with self._mutex:
            if self._group is None:
                self._group = GroupCommit(max_records, max_seconds)
            self._depth += 1
        try:
            yield self
        finally:
            with self._mutex:
                self._depth -= 1
                if self._depth == 0 and self._group is not None:
                    group, self._group = self._group, None
                    group.close()

    def checkpoint(self) -> None:
        """Make every record so far durable (fsync + head); a no-op outside a batch."""
        with self._mutex:
            if self._group is not None:
                self._group.commit()

    @property
    def batching(self) -> bool:
        return self._group is not None

    def logs(self) -> list[Path]:
        """Every log in the directory: the workspace log first."""
        found = sorted((self.directory / "connections").glob("*.jsonl"))
        return [self.workspace_log, *found] if self.workspace_log.exists() else found
