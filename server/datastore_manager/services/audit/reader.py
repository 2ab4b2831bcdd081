"""Reading an audit log back (``dsm audit log``, the extension's audit view)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ...model import InvalidArgument, parse_time


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which records to show; every field is optional and they combine with AND."""

    key: str | None = None
    store: str | None = None
    connection: str | None = None
    since: datetime | None = None

    def matches(self, record: dict[str, Any]) -> bool:
        if self.key is not None and record.get("key") != self.key:
            return False
        if self.store is not None and record.get("store") != self.store:
            return False
        if self.connection is not None and record.get("connection") != self.connection:
            return False
        if self.since is not None:
            try:
                return parse_time(str(record.get("time", ""))) >= self.since
            except InvalidArgument:  # a missing/damaged time never matches a --since
                return False
        return True


def iter_records(log: Path, where: AuditFilter | None = None) -> Iterator[dict[str, Any]]:
    """The records of ``log`` oldest first; lines that do not parse are skipped (verify
    reports them)."""
    if not log.exists():
        return
    where = where or AuditFilter()
    with open(log, "rb") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and where.matches(record):
                yield record
