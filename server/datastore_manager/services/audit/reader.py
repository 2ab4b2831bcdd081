"""Reading an audit log back (``dsm audit log``, the extension's audit view)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

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


_BLOCK = 64 * 1024


@dataclass(frozen=True, slots=True)
class NewestPage:
    """One page of :func:`read_newest`: records newest first, each with the byte offset where
    its line starts; ``before`` is where the next page starts (None: no older records)."""

    records: list[tuple[int, dict[str, Any]]]
    before: int | None


def read_newest(
    log: Path, where: AuditFilter | None = None, *, before: int | None = None, limit: int = 100
) -> NewestPage:
    """Up to ``limit`` records of ``log`` that match ``where``, newest first, among the lines
    that end before byte ``before`` (default: the whole file). The log is read backwards in
    blocks, so the newest page of a long log costs a block, not the file; lines that do not
    parse are skipped (as :func:`iter_records` does) and a partial last line is ignored.
    Offsets stay valid while the log grows: it is append-only."""
    if not log.exists():
        return NewestPage([], None)
    where = where or AuditFilter()
    needles = _needles(where)
    found: list[tuple[int, dict[str, Any]]] = []
    with open(log, "rb") as handle:
        end = handle.seek(0, 2) if before is None else min(before, handle.seek(0, 2))
        for offset, line in _lines_backwards(handle, end):
            if not all(needle in line for needle in needles):
                continue  # cheap: the canonical line must hold each exact-match field
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict) or not where.matches(record):
                continue
            if len(found) == limit:
                return NewestPage(found, found[-1][0])
            found.append((offset, record))
    return NewestPage(found, None)


def _needles(where: AuditFilter) -> list[bytes]:
    """``"name":<value>`` as the canonical encoding (chain.encode_record) writes it."""
    fields = {"key": where.key, "store": where.store, "connection": where.connection}
    return [
        f'"{name}":{json.dumps(value, ensure_ascii=False)}'.encode()
        for name, value in fields.items()
        if value is not None
    ]


def _lines_backwards(handle: IO[bytes], end: int) -> Iterator[tuple[int, bytes]]:
    """Complete lines ending before ``end``, last first, with their start offsets.

    Bytes after the last newline before ``end`` (a partial line, or a cursor inside a line)
    are never returned."""
    position, tail, dropping = end, b"", True
    while position > 0:
        start = max(0, position - _BLOCK)
        handle.seek(start)
        data = handle.read(position - start) + tail
        position = start
        if dropping:  # still looking for the last newline before ``end``
            cut = data.rfind(b"\n")
            if cut < 0:
                tail = b""
                continue
            data, dropping = data[: cut + 1], False
        pieces = data.split(b"\n")
        tail = pieces.pop(0) if start > 0 else b""
        offset = start + len(tail) + 1 if start > 0 else 0
        starts = []
        for piece in pieces:
            starts.append(offset)
            offset += len(piece) + 1
        for line_start, piece in zip(reversed(starts), reversed(pieces), strict=True):
            if piece:
                yield line_start, piece
