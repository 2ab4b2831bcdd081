"""The hash chain of one audit log: an append-only JSONL file plus a small head file.

Each line is one JSON object holding ``seq`` (0-based position) and ``prev`` (the SHA-256 of
the previous line's exact bytes; 64 zeros for the first). Any changed byte, removed or swapped
line therefore breaks a link. Dropping the *last* lines leaves a valid chain, so the head file
(``<log>.head``: record count, hash of the last record and the log's size in bytes at that
point) anchors the tail: everything up to the head is *committed*.

Durability: a line is written to the file (one ``write``) while the log's file lock is held;
the head is only moved forward after the log was fsynced, with write-then-rename. An
interactive append does both at once (:func:`append_record`). A group commit
(:mod:`.batch`) writes each line at once but fsyncs and moves the head once per checkpoint, so
after a crash the log may hold complete, correctly chained lines *beyond* the head: an
interrupted batch. Those lines are kept: the next append under the lock adopts them
(:func:`locked_tail`), and ``verify`` reports them as uncommitted rather than broken. A partial
last line beyond the head (a write cut by power loss) is removed by the next append. Nothing
before the head is ever rewritten, and a log shorter than its head is always reported.

Appends take an exclusive file lock, so the CLI and the language server can share a log.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

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
    size: int | None = None  # bytes of the log up to the last record (None: older heads)


def read_head(log: Path) -> Head | None:
    """The head of ``log``, or None when missing or unreadable (verify reports which)."""
    try:
        data = json.loads(head_path(log).read_text("utf-8"))
        size = data.get("bytes")
        return Head(int(data["records"]), str(data["last"]), None if size is None else int(size))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_head(log: Path, head: Head) -> None:
    """Write-then-rename, so a crash never leaves a half-written head. Call it only after the
    log's lines up to ``head`` were fsynced."""
    tmp = head_path(log).with_suffix(".tmp")
    tmp.write_text(
        json.dumps({"records": head.records, "last": head.last, "bytes": head.size}), "utf-8"
    )
    os.replace(tmp, head_path(log))


@contextmanager
def locked(log: Path) -> Iterator[None]:
    """The log's exclusive file lock (``<log>.lock``); every append holds it."""
    with open_lock(log) as handle, holding(handle):
        yield


def open_lock(log: Path) -> IO[bytes]:
    """Open (creating the folder when needed) the lock file of ``log``."""
    lock_file = log.with_name(log.name + ".lock")
    try:
        return open(lock_file, "a+b")
    except FileNotFoundError:
        log.parent.mkdir(parents=True, exist_ok=True)
        return open(lock_file, "a+b")


@contextmanager
def holding(handle: IO[bytes]) -> Iterator[None]:
    """Hold the exclusive lock on an open lock file for the block."""
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


def _complete_lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")[:-1] if data else []


def locked_tail(log: Path, handle: IO[bytes]) -> Head:
    """Where the next record goes; call with the lock held and ``handle`` open for appending.

    Starts from the head and adopts complete lines written after it (an interrupted batch);
    a partial line after the head is cut off. Without a head (first write, or a head deleted
    by hand) the whole file is read. A log shorter than its head (cut: tampering) is left as
    it is and chained from the head, so ``verify`` keeps reporting the cut.
    """
    head = read_head(log)
    end = os.fstat(handle.fileno()).st_size
    if head is None or head.size is None:
        data = log.read_bytes() if end else b""
        lines = _complete_lines(data)
        if head is not None and head.records > len(lines):
            return Head(head.records, head.last, end)
        return Head(len(lines), line_hash(lines[-1]) if lines else GENESIS, end)
    if end <= head.size:
        return head
    with open(log, "rb") as reader:
        reader.seek(head.size)
        extra = reader.read(end - head.size)
    cut = extra.rfind(b"\n") + 1
    if cut < len(extra):  # a partial, uncommitted last line: remove it
        os.truncate(log, head.size + cut)
        extra = extra[:cut]
    lines = _complete_lines(extra)
    if not lines:
        return Head(head.records, head.last, head.size + cut)
    return Head(head.records + len(lines), line_hash(lines[-1]), head.size + cut)


def append_lines(
    log: Path, records: Sequence[Mapping[str, Any]], handle: IO[bytes], tail: Head
) -> tuple[Head, list[dict[str, Any]]]:
    """Chain ``records`` after ``tail`` and write them in one call (lock held); no fsync."""
    written: list[dict[str, Any]] = []
    lines: list[bytes] = []
    count, last = tail.records, tail.last
    for record in records:
        full = dict(record) | {"seq": count, "prev": last}
        line = encode_record(full)
        written.append(full)
        lines.append(line)
        count, last = count + 1, line_hash(line)
    data = b"".join(line + b"\n" for line in lines)
    handle.write(data)
    handle.flush()
    return Head(count, last, (tail.size or 0) + len(data)), written


def append_record(log: Path, record: Mapping[str, Any]) -> dict[str, Any]:
    """Append ``record`` durably (fsync, then the head) and return it as written."""
    with locked(log), open(log, "ab") as handle:
        head, written = append_lines(log, [record], handle, locked_tail(log, handle))
        os.fsync(handle.fileno())
        write_head(log, head)
    return written[0]
