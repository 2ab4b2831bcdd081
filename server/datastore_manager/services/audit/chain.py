"""The hash chain of one audit log: an append-only JSONL file plus a small head file.

Each line is one JSON object holding ``seq`` (0-based position) and ``prev`` (the SHA-256 of
the previous line's exact bytes; 64 zeros for the first). Any changed byte, removed or swapped
line therefore breaks a link. Dropping the *last* lines leaves a valid chain, so the head file
(``<log>.head``: record count and hash of the last line) anchors the tail.

Appends take an exclusive file lock, so the CLI and the language server can share a log.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

GENESIS: Final = "0" * 64


def line_hash(line: bytes) -> str:
    """The link value of a record: SHA-256 of its line, without the newline."""
    return hashlib.sha256(line).hexdigest()


def encode_record(record: Mapping[str, Any]) -> bytes:
    """One record as its canonical line (sorted keys, no spaces, UTF-8)."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def head_path(log: Path) -> Path:
    return log.with_name(log.name + ".head")


@dataclass(frozen=True, slots=True)
class Head:
    records: int
    last: str  # line_hash of the last record, GENESIS when empty


def read_head(log: Path) -> Head | None:
    """The head of ``log``, or None when missing or unreadable (verify reports which)."""
    try:
        data = json.loads(head_path(log).read_text("utf-8"))
        return Head(int(data["records"]), str(data["last"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_head(log: Path, head: Head) -> None:
    # Write-then-rename so a crash never leaves a half-written head.
    tmp = head_path(log).with_suffix(".tmp")
    tmp.write_text(json.dumps({"records": head.records, "last": head.last}), "utf-8")
    os.replace(tmp, head_path(log))


def _head_from_log(log: Path) -> Head:
    """Rebuild a missing head from the file (first write, or a head deleted by hand)."""
    if not log.exists():
        return Head(0, GENESIS)
    lines = [line for line in log.read_bytes().split(b"\n") if line]
    return Head(len(lines), line_hash(lines[-1]) if lines else GENESIS)


@contextmanager
def _locked(log: Path) -> Iterator[None]:
    lock_file = log.with_name(log.name + ".lock")
    with open(lock_file, "a+b") as handle:
        if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def append_record(log: Path, record: Mapping[str, Any]) -> dict[str, Any]:
    """Append ``record`` (chained to the head) and return it as written (with seq/prev)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with _locked(log):
        head = read_head(log) or _head_from_log(log)
        written = dict(record) | {"seq": head.records, "prev": head.last}
        line = encode_record(written)
        with open(log, "ab") as handle:
            handle.write(line + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        _write_head(log, Head(head.records + 1, line_hash(line)))
    return written
