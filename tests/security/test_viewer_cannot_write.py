"""Acceptance: a viewer connection writes NOTHING, whatever the path.

To cover a new write path, add one entry to CLI_WRITES (a dsm command line) or SERVICE_WRITES
(an async call on a bound backend) or lsp_writes (a dataStore/* request or command sent to the
real ``dsm serve``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from datastore_manager.backends import DataStoreBackend, open_backend
from datastore_manager.services import entries, guard
from datastore_manager.services.audit import AuditTrail
from datastore_manager.services.roles import (
    ConnectionPolicy,
    Role,
    RoleForbidsWrite,
    WriteAccess,
)

from .conftest import DSM, Workspace

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


async def _seed_store(ws: Workspace) -> str:
    """Two versions of Players/p1, a counter and an ordered entry (no gate: unbound backend)."""
    async with open_backend(ws.target) as backend:
        first = await entries.write_entry(backend, "Players", "p1", {"coins": 1})
        await entries.write_entry(backend, "Players", "p1", {"coins": 2})
        await entries.increment_entry(backend, "Counters", "c1", 1)
        await entries.set_ordered(backend, "Board", "o1", 10)
        return first.version


def _seed(ws: Workspace) -> str:
    return asyncio.run(_seed_store(ws))


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


# ---- the language server: the same gate through every dataStore/* write -------------------

SERVE = [str(DSM), "serve"]
P1 = "datastore://dev/Players/global/p1.json"
BOARD = "datastore://dev/%3Aordered/Board/global/o1.json"


@asynccontextmanager
async def serving(ws: Workspace, **options: Any) -> AsyncIterator[LanguageClient]:
    """The real ``dsm serve`` (the venv's script) in the workspace's environment."""
    client = await ClientServerConfig(SERVE, server_env=ws.env).start()
    assert isinstance(client, LanguageClient)
    await client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=ws.root.as_uri(),
            initialization_options=options,
        )
    )
    try:
        yield client
    finally:
        await client.shutdown_session()


def plain(value: Any) -> Any:
    """pygls hands custom results back as namedtuples: turn them into JSON values."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


async def rpc(client: LanguageClient, method: str, params: dict[str, Any]) -> Any:
    if method.startswith("dataStore."):  # a command
        return plain(
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(method, [params])
            )
        )
    return plain(await client.protocol.send_request_async(method, params))


async def refused(client: LanguageClient, method: str, params: dict[str, Any]) -> tuple[int, Any]:
    with pytest.raises(JsonRpcException) as caught:
        await rpc(client, method, params)
    return caught.value.code, plain(caught.value.data)


def lsp_writes(version: str, first_version: str) -> dict[str, tuple[str, dict[str, Any]]]:
    sneaky = {"force": True, "confirmed": True, "reason": "trying to sneak past"}
    content = '{"coins": 999}'
    return {
        "write": ("dataStore/write", {"uri": P1, "content": content, "expectedVersion": version}),
        "write-forced-confirmed": (
            "dataStore/write",
            {"uri": P1, "content": content, "expectedVersion": version} | sneaky,
        ),
        "write-override-alias": (
            "dataStore/write",
            {"uri": P1, "content": "0", "expectedVersion": version, "overrideSessionLock": True},
        ),
        "write-create": (
            "dataStore/write",
            {"uri": P1.replace("p1", "new"), "content": "1", "expectedVersion": None},
        ),
        "delete": ("dataStore/delete", {"uri": P1, "expectedVersion": version}),
        "delete-unconditional": ("dataStore/delete", {"uri": P1} | sneaky),
        "updateMetadata": (
            "dataStore/updateMetadata",
            {"uri": P1, "expectedVersion": version, "attributes": {"Tier": "Gold"}},
        ),
        "orderedSet": ("dataStore/orderedSet", {"uri": BOARD, "value": 77, "mode": "upsert"}),
        "orderedSet-create": (
            "dataStore/orderedSet",
            {"uri": BOARD.replace("o1", "o2"), "value": 1, "mode": "create"},
        ),
        "orderedIncrement": ("dataStore/orderedIncrement", {"uri": BOARD, "amount": 3}),
        "ordered-delete": ("dataStore/delete", {"uri": BOARD}),
        "rollback": (
            "dataStore.rollback",
            {"uri": f"{P1}?version={first_version}", "expectedVersion": version} | sneaky,
        ),
    }


async def test_lsp_write_as_viewer_changes_nothing(
    viewer_workspace: tuple[Workspace, str],
) -> None:
    ws, first_version = viewer_workspace
    before = ws.store_dump()
    # The client asks for admin: a requested role only lowers, so this stays a viewer.
    async with serving(ws, role="admin", identity="viewer@studio") as client:
        connection = (await rpc(client, "dataStore/listConnections", {}))["connections"][0]
        assert (connection["role"], connection["writesEnabled"]) == ("viewer", False)
        read = await rpc(client, "dataStore/read", {"uri": P1})  # reads are fine
        assert json.loads(read["content"]) == {"coins": 2}
        enabled = await rpc(client, "dataStore/enableWrites", {"connection": "dev"})
        assert enabled["writesEnabled"] is False  # enabling writes does not promote a viewer
        outcomes: dict[str, tuple[int, Any, Any, Any]] = {}
        for name, (method, params) in lsp_writes(read["version"], first_version).items():
            code, data = await refused(client, method, params)
            outcomes[name] = (code, data["refusal"], data["role"], data["connection"])
            assert "Nothing was written" in data["message"]
    assert outcomes == {name: (1010, "role", "viewer", "dev") for name in outcomes}
    assert len(outcomes) == 12
    assert ws.store_dump() == before  # 0 writes reached the store
    records = ws.audit_records()
    assert len(records) == 12
    assert {(r["outcome"], r["refusal"], r["identity"]) for r in records} == {
        ("refused", "role", "viewer@studio")
    }
    operations = sorted(r["operation"] for r in records)
    assert operations == sorted(
        ["set"] * 5
        + ["delete"] * 2
        + ["ordered.set"] * 2
        + ["ordered.increment"]
        + ["ordered.delete", "rollback"]
    )


def _profile_store_save(coins: int) -> dict[str, Any]:
    """A ProfileStore save whose lock a game server refreshed a minute ago (live)."""
    return {
        "Data": {"Coins": coins},
        "MetaData": {
            "ActiveSession": [1818, "job-7f3a", "9b2c1d6e-0000-4000-8000-1234567890ab"],
            "LastUpdate": int(time.time()) - 60,
            "ProfileCreateTime": 1700000000,
            "SessionLoadCount": 4,
        },
    }


async def test_lsp_profile_store_lock_needs_force_and_reason(workspace: Workspace) -> None:
    async def seed() -> None:
        async with open_backend(workspace.target) as backend:
            await entries.write_entry(backend, "Players", "p1", _profile_store_save(10))

    await seed()
    workspace.configure({"dev": {"target": "local:game.db"}})
    async with serving(workspace) as client:
        read = await rpc(client, "dataStore/read", {"uri": P1})
        assert read["sessionLock"]["library"] == "ProfileStore" and read["sessionLock"]["live"]
        edited = json.dumps(_profile_store_save(500))
        params = {"uri": P1, "content": edited, "expectedVersion": read["version"]}
        before = workspace.store_dump()
        code, data = await refused(client, "dataStore/write", params)
        assert (code, data["error"], data["refusal"]) == (1009, "SessionLocked", "session_lock")
        assert data["sessionLock"]["jobId"] == "job-7f3a"
        code, data = await refused(client, "dataStore/write", params | {"force": True})
        assert (code, data["refusal"]) == (1012, "reason")
        assert workspace.store_dump() == before
        written = await rpc(
            client, "dataStore/write", params | {"force": True, "reason": "refund ticket 991"}
        )
        again = await rpc(client, "dataStore/read", {"uri": P1})
    assert json.loads(again["content"])["Data"]["Coins"] == 500
    assert again["version"] == written["version"] != read["version"]
    records = workspace.audit_records()
    summary = [(r["outcome"], r.get("refusal"), r["forced"], r["reason"]) for r in records]
    assert summary == [
        ("refused", "session_lock", False, None),
        ("refused", "reason", False, None),
        ("ok", None, True, "refund ticket 991"),
    ]
    assert records[-1]["lock"]["library"] == "ProfileStore"
    assert (records[-1]["versionBefore"], records[-1]["versionAfter"]) == (
        read["version"],
        written["version"],
    )


async def test_lsp_protected_connection_needs_enabled_writes_and_confirmation(
    workspace: Workspace,
) -> None:
    await _seed_store(workspace)
    workspace.configure({"prod": {"target": "local:game.db", "protected": True}})
    uri = P1.replace("//dev/", "//prod/")
    async with serving(workspace) as client:
        read = await rpc(client, "dataStore/read", {"uri": uri})
        params = {"uri": uri, "content": "7", "expectedVersion": read["version"]}
        code, data = await refused(client, "dataStore/write", params)
        assert (code, data["refusal"], data["idleTimeoutMinutes"]) == (1013, "idle", 15)
        enabled = await rpc(client, "dataStore/enableWrites", {"connection": "prod"})
        assert (enabled["protected"], enabled["writesEnabled"]) == (True, True)
        code, data = await refused(client, "dataStore/write", params)
        assert (code, data["refusal"], data["needs"]) == (
            1011,
            "confirmation",
            ["confirmation", "reason"],
        )
        code, data = await refused(client, "dataStore/write", params | {"confirmed": True})
        assert (code, data["refusal"]) == (1012, "reason")
        written = await rpc(
            client, "dataStore/write", params | {"confirmed": True, "reason": "fix coins"}
        )
        assert written["version"] != read["version"]
    records = workspace.audit_records()
    assert [(r["outcome"], r.get("refusal")) for r in records] == [
        ("refused", "idle"),
        ("refused", "confirmation"),
        ("refused", "reason"),
        ("ok", None),
    ]
