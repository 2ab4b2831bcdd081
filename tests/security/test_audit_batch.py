"""Group commit of the audit log: one fsync + head update per checkpoint, crash-safe."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from datastore_manager.services.audit import AuditTrail, append_record, verify_log
from datastore_manager.services.audit.chain import read_head

from .conftest import Workspace


def _record(i: int) -> dict[str, object]:
    return {"connection": "dev", "operation": "set", "key": f"k{i}", "outcome": "ok"}


def _lines(log: Path) -> int:
    return len(log.read_bytes().splitlines())


def test_a_batch_moves_the_head_once_per_checkpoint(tmp_path: Path) -> None:
    trail = AuditTrail(tmp_path)
    with trail.batch(max_records=100, max_seconds=3600):
        for i in range(250):
            trail.record(_record(i))
        head = read_head(trail.workspace_log)
        assert head is not None and head.records == 200  # committed at 100 and 200
        assert _lines(trail.workspace_log) == 250  # every line is already in the file
        report = verify_log(trail.workspace_log)
        assert report.ok and report.records == 250 and report.uncommitted == 50
        trail.checkpoint()
        assert read_head(trail.workspace_log).records == 250  # type: ignore[union-attr]
        trail.record(_record(250))
    for log in (trail.workspace_log, trail.connection_log("dev")):
        report = verify_log(log)
        assert (report.ok, report.records, report.uncommitted) == (True, 251, 0)
        assert read_head(log).records == 251  # type: ignore[union-attr]


def test_nested_batches_join_and_interactive_appends_interleave(tmp_path: Path) -> None:
    trail, other = AuditTrail(tmp_path), AuditTrail(tmp_path)
    with trail.batch(max_records=1000), trail.batch():
        trail.record(_record(0))
        other.record(_record(1))  # another writer (say the language server), not batched
        trail.record(_record(2))
        assert trail.batching
    assert not trail.batching
    keys = [json.loads(line)["key"] for line in trail.workspace_log.read_bytes().splitlines()]
    assert keys == ["k0", "k1", "k2"]
    report = verify_log(trail.workspace_log)
    assert (report.ok, report.records, report.uncommitted) == (True, 3, 0)


_KILLED_BATCH = """
import os, signal, sys
from pathlib import Path
from datastore_manager.services.audit import AuditTrail
trail = AuditTrail(Path(sys.argv[1]))
with trail.batch(max_records=1000, max_seconds=3600):
    for i in range(12):
        trail.record({"connection": "dev", "operation": "set", "key": f"k{i}"})
        if i == 6:
            trail.checkpoint()
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_batch_loses_no_record_and_the_next_append_adopts_them(
    tmp_path: Path, workspace: Workspace
) -> None:
    done = subprocess.run([sys.executable, "-c", _KILLED_BATCH, str(tmp_path)], check=False)
    assert done.returncode == -signal.SIGKILL
    log = tmp_path / "workspace.jsonl"
    report = verify_log(log)
    assert (report.ok, report.records, report.uncommitted) == (True, 12, 5)
    verified = workspace.dsm("audit", "verify", "--file", str(log), "--json")
    assert verified.code == 0, verified.stderr
    assert verified.json["logs"][0]["uncommitted"] == 5
    # A power cut could also leave half a line after the head: the next append drops it.
    with open(log, "ab") as handle:
        handle.write(b'{"connection":"dev","key":"half')
    assert verify_log(log).ok
    written = append_record(log, {"connection": "dev", "key": "after"})
    assert written["seq"] == 12
    report = verify_log(log)
    assert (report.ok, report.records, report.uncommitted) == (True, 13, 0)
    assert b"half" not in log.read_bytes()


def test_lines_cut_below_the_head_are_still_caught_after_batches(tmp_path: Path) -> None:
    trail = AuditTrail(tmp_path)
    with trail.batch(max_records=10):
        for i in range(30):
            trail.record(_record(i))
    log = trail.workspace_log
    data = log.read_bytes()
    log.write_bytes(data[: data.rstrip(b"\n").rfind(b"\n") + 1])  # drop the last record
    report = verify_log(log)
    assert not report.ok and report.broken is not None
    assert "head records 30" in report.broken.problem
    log.write_bytes(data[:-5])  # cut inside the last committed record
    assert not verify_log(log).ok
