"""``dsm audit verify``: walk a log's hash chain and report the first broken link."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .chain import GENESIS, Head, line_hash, read_head


@dataclass(frozen=True, slots=True)
class BrokenLink:
    line: int  # 1-based line of the first record that does not fit (records + 1 for the tail)
    problem: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "problem": self.problem}


@dataclass(frozen=True, slots=True)
class VerifyReport:
    log: Path
    records: int  # records that chained correctly before the first break
    broken: BrokenLink | None
    uncommitted: int = 0  # chained records after the head: a batch cut short by a crash

    @property
    def ok(self) -> bool:
        return self.broken is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "log": str(self.log),
            "ok": self.ok,
            "records": self.records,
            "uncommitted": self.uncommitted,
            "broken": None if self.broken is None else self.broken.to_dict(),
        }


def verify_log(log: Path) -> VerifyReport:
    """Check every link of ``log`` and its head; never raises for a damaged file.

    Records after the head that chain correctly (and a partial line after the head) are what
    a crash during a group commit leaves; they are counted as ``uncommitted``, not broken.
    Everything up to the head must be intact.
    """
    data = log.read_bytes() if log.exists() else b""
    head = read_head(log)
    cut = data.rfind(b"\n") + 1
    lines = data[:cut].split(b"\n")[:-1] if cut else []
    partial = cut < len(data)
    if partial and (head is None or head.size is None or cut < head.size):
        # A cut inside a committed record, or a removed final newline.
        return _walk(log, lines) or VerifyReport(
            log, len(lines), BrokenLink(len(lines) + 1, "the last record is incomplete")
        )
    broken = _walk(log, lines)
    if broken is not None:
        return broken
    problem = _check_head(head, lines, bool(data))
    if problem is not None:
        return VerifyReport(log, len(lines), problem)
    committed = head.records if head is not None else 0
    return VerifyReport(log, len(lines), None, len(lines) - committed + int(partial))


def _walk(log: Path, lines: list[bytes]) -> VerifyReport | None:
    expected = GENESIS
    for index, line in enumerate(lines):
        problem = _check_line(line, index, expected)
        if problem is not None:
            return VerifyReport(log, index, BrokenLink(index + 1, problem))
        expected = line_hash(line)
    return None


def _check_line(line: bytes, index: int, expected_prev: str) -> str | None:
    try:
        record = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "not a valid JSON record (changed or cut)"
    if not isinstance(record, dict):
        return "not a JSON object"
    if record.get("seq") != index:
        return f"sequence number is {record.get('seq')!r}, expected {index} (lines removed/moved)"
    if record.get("prev") != expected_prev:
        what = "the first record" if index == 0 else "the previous record"
        return f"hash link does not match {what} (it was changed, removed or reordered)"
    return None


def _check_head(head: Head | None, lines: list[bytes], has_data: bool) -> BrokenLink | None:
    records = len(lines)
    if head is None:
        if not has_data:
            return None
        return BrokenLink(records + 1, "the head file is missing: cannot prove no records were cut")
    if head.records > records:
        return BrokenLink(
            records + 1, f"the head records {head.records} entries but the log holds {records}"
        )
    tail = line_hash(lines[head.records - 1]) if head.records else GENESIS
    if head.last != tail:
        return BrokenLink(
            max(head.records, 1), "the last committed record does not match the head (changed)"
        )
    if head.size is not None and head.size != sum(len(line) + 1 for line in lines[: head.records]):
        return BrokenLink(head.records, "the head's size does not match the log (changed)")
    return None
