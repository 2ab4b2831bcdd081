"""Acceptance: a viewer connection writes NOTHING, whatever the path.

To cover a new write path, add one entry to CLI_WRITES (a dsm command line) or SERVICE_WRITES
(an async call on a bound backend); the language server's request path plugs in the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from datastore_manager.backends import DataStoreBackend, open_backend
from datastore_manager.services import entries, guard
from datastore_manager.services.audit import AuditTrail
from datastore_manager.services.roles import (
    ConnectionPolicy,
    Role,
    RoleForbidsWrite,
    WriteAccess,
)

from .conftest import Workspace

CLI_WRITES: dict[str, list[str]] = {
    "set": ["set", "Players", "p1", "--value", '{"coins": 999}'],
    "set-new-key": ["set", "Players", "new", "--value", "1"],
    "set-exclusive": ["set", "Players", "new", "--value", "1", "--exclusive-create"],
    "delete": ["delete", "Players", "p1"],
    "increment": ["increment", "Counters", "c1", "--by", "5"],
    "rollback": ["rollback", "Players", "p1", "--to", "{first_version}"],
    "ordered-set": ["ordered", "set", "Board", "o1", "--value", "77"],
    "ordered-increment": ["ordered", "increment", "Board", "o1", "--by", "3"],
    "ordered-delete": ["ordered", "delete", "Board", "o1"],
    "forced-with-reason": [
        "set",
        "Players",
        "p1",
        "--value",
        "0",
        "--force",
        "--yes",
        "--reason",
        "trying to sneak past",
    ],
}


def _seed(ws: Workspace) -> str:
    """Two versions of Players/p1, a counter and an ordered entry (no gate: unbound backend)."""

    async def seed() -> str:
        async with open_backend(ws.target) as backend:
            first = await entries.write_entry(backend, "Players", "p1", {"coins": 1})
            await entries.write_entry(backend, "Players", "p1", {"coins": 2})
            await entries.increment_entry(backend, "Counters", "c1", 1)
            await entries.set_ordered(backend, "Board", "o1", 10)
            return first.version

    return asyncio.run(seed())


@pytest.fixture
def viewer_workspace(workspace: Workspace) -> tuple[Workspace, str]:
    first_version = _seed(workspace)
    workspace.configure({"dev": {"target": "local:game.db", "role": "viewer"}})
    return workspace, first_version


@pytest.mark.parametrize("name", sorted(CLI_WRITES))
def test_cli_write_as_viewer_changes_nothing(
    viewer_workspace: tuple[Workspace, str], name: str
) -> None:
    ws, first_version = viewer_workspace
    before = ws.store_dump()
    args = [a.replace("{first_version}", first_version) for a in CLI_WRITES[name]]
    result = ws.dsm(*args, "--target", ws.target)
    assert result.code == 5, (result.stdout, result.stderr)
    assert "viewer" in result.stderr and "Nothing was written" in result.stderr
    assert ws.store_dump() == before
    refused = ws.audit_records()[-1]
    assert (refused["outcome"], refused["refusal"], refused["connection"]) == (
        "refused",
        "role",
        "dev",
    )


def test_cli_refusal_under_json_names_the_refusal(viewer_workspace: tuple[Workspace, str]) -> None:
    ws, _ = viewer_workspace
    result = ws.dsm("set", "Players", "p1", "--value", "1", "--target", ws.target, "--json")
    assert result.code == 5
    error = result.json["error"]
    assert error["code"] == "PERMISSION_DENIED" and error["error"] == "RoleForbidsWrite"
    assert error["details"] == {"refusal": "role", "connection": "dev", "role": "viewer"}


def test_a_requested_role_only_lowers(workspace: Workspace) -> None:
    _seed(workspace)
    workspace.configure({"dev": {"target": "local:game.db", "role": "viewer"}})
    # --role admin cannot promote a viewer...
    raised = workspace.dsm(
        "set", "Players", "p1", "--value", "5", "--role", "admin", "--target", workspace.target
    )
    assert raised.code == 5
    # ...but an editor can choose to act as a viewer.
    workspace.configure({"dev": {"target": "local:game.db", "role": "editor"}})
    before = workspace.store_dump()
    lowered = workspace.dsm(
        "set", "Players", "p1", "--value", "5", "--role", "viewer", "--target", workspace.target
    )
    assert lowered.code == 5 and workspace.store_dump() == before
    assert (
        workspace.dsm("set", "Players", "p1", "--value", "5", "--target", workspace.target).code
        == 0
    )


ServiceWrite = Callable[[DataStoreBackend, str], Awaitable[Any]]

SERVICE_WRITES: dict[str, ServiceWrite] = {
    "write_entry": lambda b, v: entries.write_entry(b, "Players", "p1", {"coins": 5}),
    "write_entry_exclusive": lambda b, v: entries.write_entry(
        b, "Players", "zz", 1, precondition=entries.MUST_NOT_EXIST
    ),
    "delete_entry": lambda b, v: entries.delete_entry(b, "Players", "p1"),
    "increment_entry": lambda b, v: entries.increment_entry(b, "Counters", "c1", 4),
    "rollback_entry": lambda b, v: entries.rollback_entry(b, "Players", "p1", v),
    "set_ordered": lambda b, v: entries.set_ordered(b, "Board", "o1", 1),
    "increment_ordered": lambda b, v: entries.increment_ordered(b, "Board", "o1", 1),
    "delete_ordered": lambda b, v: entries.delete_ordered(b, "Board", "o1"),
}


@pytest.mark.parametrize("name", sorted(SERVICE_WRITES))
def test_service_write_as_viewer_changes_nothing(
    viewer_workspace: tuple[Workspace, str], name: str
) -> None:
    ws, first_version = viewer_workspace
    before = ws.store_dump()

    async def attempt() -> None:
        async with open_backend(ws.target) as backend:
            policy = ConnectionPolicy("dev", ws.target, Role.VIEWER)
            session = guard.GuardSession(
                policy, guard.Actor("tester"), AuditTrail(Path(ws.audit_dir)), WriteAccess()
            )
            guard.bind(backend, session)
            with pytest.raises(RoleForbidsWrite):
                await SERVICE_WRITES[name](backend, first_version)

    asyncio.run(attempt())
    assert ws.store_dump() == before
    assert ws.audit_records()[-1]["outcome"] == "refused"
