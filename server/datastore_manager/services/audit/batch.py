"""Group commit: many audit records, one fsync and one head update per checkpoint.

An interactive append (:func:`.chain.append_record`) costs a lock, a head read, a write, an
fsync and a head rename — per log, and every record goes to two logs. A bulk job writes
thousands of records, so it opens a group commit instead (through
:meth:`.trail.AuditTrail.batch`):

* each record is chained and written to the file at once, under the log's lock, so a killed
  process loses nothing it has audited (the lines are in the OS's page cache);
* every ``max_records`` records, after ``max_seconds``, at :meth:`GroupCommit.commit` and when
  the batch closes, each log is fsynced once and its head moved forward once;
* between two commits the new lines are *uncommitted*: a power loss may drop them (never a
  committed line), a crash leaves them chained after the head, and the next append by anyone
  adopts them (:func:`.chain.locked_tail`). ``verify`` reports them as uncommitted, not broken.

The lock is taken per record, never held between records, so a language server and a CLI job
can share a log while a batch is open.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from .chain import Head, append_lines, holding, locked_tail, open_lock, read_head, write_head

DEFAULT_MAX_RECORDS: Final = 256
DEFAULT_MAX_SECONDS: Final = 1.0


@dataclass(slots=True)
class _OpenLog:
    lock: IO[bytes]
    handle: IO[bytes]
    tail: Head  # after our last line
    pending: int = 0  # lines written since the last commit


class GroupCommit:
    """Appends records now and makes them durable (fsync + head) once per checkpoint."""

    def __init__(
        self, max_records: int = DEFAULT_MAX_RECORDS, max_seconds: float = DEFAULT_MAX_SECONDS
    ) -> None:
        self.max_records = max(1, max_records)
        self.max_seconds = max_seconds
        self._logs: dict[Path, _OpenLog] = {}
        self._first_pending: float | None = None
        self.commits = 0  # how many checkpoints made something durable (for tests/benches)

    def append(self, log: Path, record: Mapping[str, Any]) -> dict[str, Any]:
        opened = self._logs.get(log) or self._open(log)
        with holding(opened.lock):
            if os.fstat(opened.handle.fileno()).st_size != opened.tail.size:
                opened.tail = locked_tail(log, opened.handle)  # someone else appended
            opened.tail, written = append_lines(log, [record], opened.handle, opened.tail)
            opened.pending += 1
        if self._first_pending is None:
            self._first_pending = time.monotonic()
        return written[0]

    def _open(self, log: Path) -> _OpenLog:
        lock = open_lock(log)
        with holding(lock):
            handle = open(log, "ab")  # noqa: SIM115 - kept open until close()
            opened = self._logs[log] = _OpenLog(lock, handle, locked_tail(log, handle))
        return opened

    def due(self) -> bool:
        """True when a commit is due (enough records, or the oldest has waited long enough)."""
        if self._first_pending is None:
            return False
        waited = time.monotonic() - self._first_pending
        most = max((opened.pending for opened in self._logs.values()), default=0)
        return most >= self.max_records or waited >= self.max_seconds

    def commit(self) -> None:
        """fsync every log with new lines, then move its head forward (never backward)."""
        for log, opened in self._logs.items():
            if not opened.pending:
                continue
            with holding(opened.lock):
                os.fsync(opened.handle.fileno())
                head = read_head(log)
                ours = opened.tail.size or 0
                if head is None or head.size is None or head.size < ours:
                    write_head(log, opened.tail)
            opened.pending = 0
            self.commits += 1
        self._first_pending = None

    def close(self) -> None:
        try:
            self.commit()
        finally:
            for opened in self._logs.values():
                opened.handle.close()
                opened.lock.close()
            self._logs.clear()
