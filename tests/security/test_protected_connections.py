"""Protected connections: confirmation + typed reason per write; idle write access lapses."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from datastore_manager.backends import open_backend
from datastore_manager.services import entries, guard
from datastore_manager.services.audit import AuditTrail
from datastore_manager.services.roles import (
    ConfirmationRequired,
    ConnectionPolicy,
    ReasonRequired,
    Role,
    WriteAccess,
    WriteAccessExpired,
)

from .conftest import Workspace


def test_cli_protected_write_needs_yes_and_reason(workspace: Workspace) -> None:
    ws = workspace
    ws.configure({"prod": {"target": "local:game.db", "protected": True}})
    write = ["set", "Players", "p1", "--value", "1", "--target", ws.target]

    unconfirmed = ws.dsm(*write, "--json")
    assert unconfirmed.code == 5
    assert unconfirmed.json["error"]["details"]["needs"] == ["confirmation", "reason"]
    no_reason = ws.dsm(*write, "--yes", "--json")
    assert no_reason.code == 5 and no_reason.json["error"]["details"]["refusal"] == "reason"
    too_short = ws.dsm(*write, "--yes", "--reason", "  x ")
    assert too_short.code == 5
    assert not ws.db.exists() or ws.dsm("get", "Players", "p1", "--target", ws.target).code == 4

    done = ws.dsm(*write, "--yes", "--reason", "seed the test player", "--identity", "ana@studio")
    assert done.code == 0, done.stderr
    last = ws.audit_records()[-1]
    assert (last["outcome"], last["reason"], last["identity"], last["connection"]) == (
        "ok",
        "seed the test player",
        "ana@studio",
        "prod",
    )
    assert [r["refusal"] for r in ws.audit_records()[:-1]] == ["confirmation", "reason", "reason"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_idle_write_access_lapses_and_reads_continue(tmp_path: Path) -> None:
    clock = FakeClock()
    target = f"local:{tmp_path / 'prod.db'}"
    policy = ConnectionPolicy("prod", target, Role.EDITOR, True, idle_timeout_minutes=1)
    access = WriteAccess(granted=True, clock=clock)
    session = guard.GuardSession(policy, guard.Actor("ana"), AuditTrail(tmp_path / "a"), access)
    ok = guard.WriteIntent(reason="hotfix for ticket 9", confirmed=True)

    async def scenario() -> None:
        async with open_backend(target) as backend:
            guard.bind(backend, session)
            with pytest.raises(ConfirmationRequired):
                await entries.write_entry(backend, "S", "k", 1)
            with (
                guard.write_intent(guard.WriteIntent(confirmed=True)),
                pytest.raises(ReasonRequired),
            ):
                await entries.write_entry(backend, "S", "k", 1)
            with guard.write_intent(ok):
                await entries.write_entry(backend, "S", "k", 1)
                clock.now += 50  # activity within the minute keeps access alive
                await entries.write_entry(backend, "S", "k", 2)
                clock.now += 61
                with pytest.raises(WriteAccessExpired) as lapsed:
                    await entries.write_entry(backend, "S", "k", 3)
                assert lapsed.value.details["refusal"] == "idle"
                assert (await entries.read_entry(backend, "S", "k")).value == 2  # reads go on
                access.grant()  # the user enables writes again
                await entries.write_entry(backend, "S", "k", 3)
            assert (await entries.read_entry(backend, "S", "k")).value == 3

    asyncio.run(scenario())
