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

    @property
    def ok(self) -> bool:
        return self.broken is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "log": str(self.log),
            "ok": self.ok,
            "records": self.records,
            "broken": None if self.broken is None else self.broken.to_dict(),
        }


def verify_log(log: Path) -> VerifyReport:
    """Check every link of ``log`` and its head; never raises for a damaged file."""
    data = log.read_bytes() if log.exists() else b""
    head = read_head(log)
    if data and not data.endswith(b"\n"):
        # A cut inside the last record, or a removed final newline.
        lines = data.split(b"\n")
        return _walk(log, lines[:-1]) or VerifyReport(
            log, len(lines) - 1, BrokenLink(len(lines), "the last record is incomplete")
        )
    lines = data.split(b"\n")[:-1] if data else []
    broken = _walk(log, lines)
    if broken is not None:
        return broken
    tail = line_hash(lines[-1]) if lines else GENESIS
    return VerifyReport(log, len(lines), _check_head(head, len(lines), tail, bool(data)))


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


def _check_head(head: Head | None, records: int, tail: str, has_data: bool) -> BrokenLink | None:
    if head is None:
        if not has_data:
            return None
        return BrokenLink(records + 1, "the head file is missing: cannot prove no records were cut")
    if head.records != records:
        return BrokenLink(
            records + 1, f"the head records {head.records} entries but the log holds {records}"
        )
    if head.last != tail:
        return BrokenLink(records, "the last record does not match the head (changed)")
    return None
