"""Acceptance: 1,000 random tamperings of an audit-log copy are all caught by
``dsm audit verify``; the untouched log passes."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from datastore_manager.cli.main import main
from datastore_manager.services.audit import AuditTrail, head_path, verify_log

from .conftest import Workspace

TAMPERINGS = 1000


def _flip_byte(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + bytes([data[at] ^ rng.randrange(1, 256)]) + data[at + 1 :]


def _drop_line(data: bytes, rng: random.Random) -> bytes:
    lines = data.splitlines(keepends=True)
    del lines[rng.randrange(len(lines))]
    return b"".join(lines)


def _swap_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.splitlines(keepends=True)
    first, second = rng.sample(range(len(lines)), 2)
    lines[first], lines[second] = lines[second], lines[first]
    return b"".join(lines)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data))]


TAMPER: list[Callable[[bytes, random.Random], bytes]] = [
    _flip_byte,
    _drop_line,
    _swap_lines,
    _truncate,
]


@pytest.fixture
def audit_log(workspace: Workspace) -> Path:
    """A log of real CLI writes and refusals, then more records appended by the trail."""
    ws = workspace
    assert ws.dsm("set", "Players", "p1", "--value", '{"a": 1}', "--target", ws.target).code == 0
    assert ws.dsm("increment", "Counters", "c", "--by", "2", "--target", ws.target).code == 0
    ws.configure({"dev": {"target": "local:game.db", "role": "viewer"}})
    assert ws.dsm("delete", "Players", "p1", "--target", ws.target).code == 5
    trail = AuditTrail(ws.audit_dir)
    for n in range(37):
        trail.record(
            {
                "connection": "dev",
                "store": "S",
                "key": f"k{n}",
                "operation": "set",
                "outcome": "ok",
                "reason": "ünïcode ✓" if n % 5 == 0 else None,
            }
        )
    assert len(ws.audit_records()) == 40
    return ws.workspace_log


def _verify_in_process(log: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = main(["audit", "verify", "--file", str(log), "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_untouched_log_passes(workspace: Workspace, audit_log: Path) -> None:
    result = workspace.dsm("audit", "verify", "--json")
    assert result.code == 0, result.stdout
    reports = result.json["logs"]
    assert result.json["ok"] is True and len(reports) == 3  # workspace + two connections
    assert reports[0]["records"] == 40


def test_every_random_tampering_is_detected(
    tmp_path: Path, audit_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(20240508)
    original = audit_log.read_bytes()
    copy = tmp_path / "copy" / "audit.jsonl"
    copy.parent.mkdir()
    shutil.copy(head_path(audit_log), head_path(copy))
    copy.write_bytes(original)
    code, report = _verify_in_process(copy, capsys)
    assert code == 0 and report["ok"], report

    missed = []
    kinds: dict[str, int] = {}
    for trial in range(TAMPERINGS):
        tamper = TAMPER[trial % len(TAMPER)]
        damaged = tamper(original, rng)
        assert damaged != original
        copy.write_bytes(damaged)
        code, report = _verify_in_process(copy, capsys)
        broken = report["logs"][0]["broken"]
        if code != 1 or report["ok"] or broken is None:
            missed.append((tamper.__name__, trial))
        kinds[tamper.__name__] = kinds.get(tamper.__name__, 0) + 1
    assert missed == []
    assert kinds == {f.__name__: TAMPERINGS // len(TAMPER) for f in TAMPER}


def test_verify_names_the_first_broken_link(
    workspace: Workspace, audit_log: Path, tmp_path: Path
) -> None:
    lines = audit_log.read_bytes().splitlines(keepends=True)
    record = json.loads(lines[11])
    record["reason"] = "rewritten history"
    lines[11] = json.dumps(record, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    audit_log.write_bytes(b"".join(lines))
    result = workspace.dsm("audit", "verify")
    assert result.code == 1
    # Line 12 itself still parses and links back; line 13 no longer matches its hash.
    assert "BROKEN" in result.stdout and "line 13" in result.stdout
    assert verify_log(audit_log).records == 12


def test_cutting_the_tail_is_caught_by_the_head(audit_log: Path) -> None:
    lines = audit_log.read_bytes().splitlines(keepends=True)
    audit_log.write_bytes(b"".join(lines[:-3]))
    report = verify_log(audit_log)
    assert not report.ok and report.broken is not None
    assert "head records 40" in report.broken.problem


def test_audit_log_filters(workspace: Workspace, audit_log: Path) -> None:
    result = workspace.dsm("audit", "log", "--key", "p1", "--json")
    assert result.code == 0
    records = result.json["records"]
    assert [(r["operation"], r["outcome"]) for r in records] == [
        ("set", "ok"),
        ("delete", "refused"),
    ]
    assert records[0]["versionBefore"] is None and records[0]["versionAfter"]
    assert records[0]["size"] == len('{"a":1}')
    future = workspace.dsm("audit", "log", "--since", "2999-01-01T00:00:00Z", "--json")
    assert future.code == 0, (future.stdout, future.stderr)
    assert future.json["records"] == []
    bad = workspace.dsm("audit", "log", "--since", "yesterday")
    assert bad.code == 2 and "RFC 3339" in bad.stderr
    human = workspace.dsm("audit", "log", "--connection", "dev")
    assert human.code == 0 and "REFUSED (role)" in human.stdout
