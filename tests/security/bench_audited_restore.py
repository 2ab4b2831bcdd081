"""Audited restore throughput through the real CLI (not collected by pytest).

Usage: .venv/bin/python tests/security/bench_audited_restore.py [ENTRIES] [SCRATCH_DIR]

Builds a local store of ENTRIES player entries (default 2,000), ``dsm backup`` of it, then
times ``dsm restore`` into an empty store with the audit log on (every write audited, so
each restore write costs a guard pass and two audit appends). SCRATCH_DIR defaults to a
folder under the current directory, so fsync costs are those of a real disk, not tmpfs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from datastore_manager.backends.local.engine import LocalEngine
from datastore_manager.model import EntryWrite
from datastore_manager.services.audit import verify_log

DSM = Path(sys.executable).with_name("dsm")


def dsm(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(DSM), *args], env=env, check=True, capture_output=True)


def main(count: int, scratch_parent: Path) -> None:
    scratch_parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="dsm-bench-", dir=scratch_parent))
    try:
        source, archive, target = scratch / "src.db", scratch / "b.dsm", scratch / "dst.db"
        engine = LocalEngine(source)
        engine.set_entries(
            [
                EntryWrite("PlayerData", f"Player_{i}", {"coins": i, "pad": "x" * 200})
                for i in range(count)
            ]
        )
        engine.close()
        env = dict(os.environ, DSM_AUDIT_DIR=str(scratch / "audit"), DSM_CONFIG="")
        dsm(env, "--target", f"local:{source}", "backup", "--out", str(archive), "--quiet")
        started = time.perf_counter()
        dsm(env, "--target", f"local:{target}", "restore", str(archive), "--quiet")
        elapsed = time.perf_counter() - started
        log = scratch / "audit" / "workspace.jsonl"
        lines = [json.loads(line) for line in log.open("rb")]
        records = len(lines)
        kinds = Counter(f"{r['operation']}:{r['outcome']}" for r in lines)
        keys = Counter(r["key"] for r in lines)
        report = verify_log(log)
        print(
            json.dumps(
                {
                    "entries": count,
                    "restoreSeconds": round(elapsed, 2),
                    "entriesPerSecond": round(count / elapsed, 1),
                    "auditRecords": records,
                    "auditVerifies": report.ok,
                    "auditKinds": dict(kinds),
                    "keysAuditedTwice": [k for k, n in keys.items() if n > 1][:5],
                }
            )
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 2_000,
        Path(sys.argv[2]) if len(sys.argv) > 2 else Path.cwd() / ".bench",
    )
