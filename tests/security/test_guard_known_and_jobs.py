"""The gate without its pre-read (caller-held entry), rollback records, one gate per job."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from datastore_manager.backends.local import LocalBackend
from datastore_manager.model import PreconditionFailed, Unavailable
from datastore_manager.services import entries, guard
from datastore_manager.services.audit import AuditTrail, iter_records, verify_log
from datastore_manager.services.roles import (
    ConfirmationRequired,
    ConnectionPolicy,
    ReasonRequired,
    Role,
    WriteAccess,
)


def _bind(backend: LocalBackend, audit: Path, *, protected: bool = False) -> AuditTrail:
    trail = AuditTrail(audit)
    policy = ConnectionPolicy("prod" if protected else "dev", "local:x", Role.EDITOR, protected)
    session = guard.GuardSession(policy, guard.Actor("tester"), trail, WriteAccess(granted=True))
    guard.bind(backend, session)
    return trail


def _records(trail: AuditTrail) -> list[dict[str, Any]]:
    return list(iter_records(trail.workspace_log))


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[LocalBackend]:
    async with LocalBackend(tmp_path / "game.db") as opened:
        yield opened


async def test_a_caller_held_entry_skips_the_read_and_keeps_version_before_exact(
    backend: LocalBackend, tmp_path: Path
) -> None:
    trail = _bind(backend, tmp_path / "audit")
    first = await entries.write_entry(
        backend, "S", "k", {"n": 1}, precondition=entries.MUST_NOT_EXIST
    )
    held = await entries.read_entry(backend, "S", "k")
    second = await entries.write_entry(
        backend,
        "S",
        "k",
        {"n": 2},
        precondition=entries.Precondition.match(held.version),
        current=held,
    )
    # Someone writes meanwhile: the held entry is stale, the conditional write is refused.
    await entries.write_entry(backend, "S", "k", {"n": 3})
    with pytest.raises(PreconditionFailed):
        await entries.write_entry(
            backend,
            "S",
            "k",
            {"n": 4},
            precondition=entries.Precondition.match(held.version),
            current=held,
        )
    assert (await entries.read_entry(backend, "S", "k")).value == {"n": 3}
    records = _records(trail)
    assert [r["versionBefore"] for r in records] == [None, first.version, second.version]
    assert [r["versionAfter"] for r in records[:2]] == [first.version, second.version]


async def test_a_held_locked_profile_is_still_refused_without_force(
    backend: LocalBackend, tmp_path: Path
) -> None:
    trail = _bind(backend, tmp_path / "audit")
    locked = {
        "Data": {},
        "MetaData": {"ActiveSession": [1, "job", "id"], "LastUpdate": time.time()},
    }
    await entries.write_entry(backend, "S", "p", locked)
    held = await entries.read_entry(backend, "S", "p")
    with pytest.raises(guard.SessionLocked):
        await entries.write_entry(
            backend,
            "S",
            "p",
            {"Data": {}},
            precondition=entries.Precondition.match(held.version),
            current=held,
        )
    assert (await entries.read_entry(backend, "S", "p")).value == locked
    refused = _records(trail)[-1]
    assert refused["outcome"] == "refused" and refused["refusal"] == "session_lock"
    assert refused["versionBefore"] == held.version and refused["lock"]["live"] is True


async def test_rollback_is_audited_as_rollback_with_its_version(
    backend: LocalBackend, tmp_path: Path
) -> None:
    trail = _bind(backend, tmp_path / "audit")
    v1 = await entries.write_entry(backend, "S", "k", {"n": 1})
    v2 = await entries.write_entry(backend, "S", "k", {"n": 2})
    v3 = await entries.rollback_entry(backend, "S", "k", v1.version)
    last = _records(trail)[-1]
    assert last["operation"] == "rollback"
    assert last["rollbackTo"] == v1.version
    assert (last["versionBefore"], last["versionAfter"]) == (v2.version, v3.version)
    assert (await entries.read_entry(backend, "S", "k")).value == {"n": 1}


async def test_a_protected_job_asks_once_and_tags_every_record(
    backend: LocalBackend, tmp_path: Path
) -> None:
    trail = _bind(backend, tmp_path / "audit", protected=True)
    with pytest.raises(ConfirmationRequired), guard.job_scope(backend, "bulk"):
        await entries.write_entry(backend, "S", "never", 1)
    confirmed = guard.WriteIntent(confirmed=True)
    with (
        pytest.raises(ReasonRequired),
        guard.write_intent(confirmed),
        guard.job_scope(backend, "bulk"),
    ):
        await entries.write_entry(backend, "S", "never", 1)
    assert [r["outcome"] for r in _records(trail)] == ["refused", "refused"]
    intent = guard.WriteIntent(reason="fix coins", confirmed=True)
    with guard.write_intent(intent), guard.job_scope(backend, "bulk", job_id="bulk-1") as job_id:
        for i in range(5):
            await entries.write_entry(backend, "S", f"k{i}", i)
            guard.checkpoint(backend)
    assert job_id == "bulk-1"
    records = _records(trail)[2:]
    assert [r["operation"] for r in records] == ["job.start", *["set"] * 5, "job.end"]
    assert all(r["job"] == "bulk-1" and r["reason"] == "fix coins" for r in records)
    assert records[0]["jobKind"] == "bulk" and records[-1]["outcome"] == "ok"
    assert all(verify_log(log).ok for log in trail.logs())
    # Outside the job the protected connection asks again, per write.
    with pytest.raises(ConfirmationRequired):
        await entries.write_entry(backend, "S", "k9", 9)


class _LostAnswers(LocalBackend):
    """Applies each set, then loses the answer — as Open Cloud's "outcome unknown"."""

    async def set_entry(self, *args: Any, **kwargs: Any) -> Any:
        await super().set_entry(*args, **kwargs)
        raise Unavailable("Outcome unknown for the write of S/k: an attempt failed mid-request.")


async def test_a_write_of_unknown_outcome_is_on_record(tmp_path: Path) -> None:
    async with _LostAnswers(tmp_path / "game.db") as backend:
        trail = _bind(backend, tmp_path / "audit")
        with pytest.raises(Unavailable):
            await entries.write_entry(backend, "S", "k", {"n": 1})
        assert (await backend.get_entry("S", "k")).value == {"n": 1}  # it did happen
    (record,) = _records(trail)
    assert (record["operation"], record["key"], record["outcome"]) == ("set", "k", "unknown")
    assert "Outcome unknown" in record["error"]
    assert verify_log(trail.workspace_log).ok
