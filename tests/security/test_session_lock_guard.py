"""Acceptance: saving over a fresh ProfileStore session lock is refused without force and
accepted with force + reason; both outcomes are in the audit log."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from datastore_manager.backends import open_backend
from datastore_manager.services import entries

from .conftest import Workspace

KEY = "Player_2425654247"


def _profile(coins: int, *, last_update: float) -> dict[str, Any]:
    return {
        "Data": {"Coins": coins},
        "MetaData": {
            "ProfileCreateTime": 1_700_000_000,
            "SessionLoadCount": 3,
            "ActiveSession": [10539205763, "job-1", "5B8E3C1A-0C1D-4E5F-9A8B-7C6D5E4F3A2B"],
            "LastUpdate": int(last_update),
            "MetaTags": {},
        },
        "GlobalUpdates": [0, []],
        "UserIds": [2425654247],
    }


def _seed(ws: Workspace, value: dict[str, Any]) -> None:
    async def seed() -> None:
        async with open_backend(ws.target) as backend:
            await entries.write_entry(backend, "PlayerData", KEY, value, user_ids=[2425654247])

    asyncio.run(seed())


def _stored(ws: Workspace) -> Any:
    return ws.dsm("get", "PlayerData", KEY, "--target", ws.target, "--json").json["value"]


def test_live_lock_refused_then_forced_with_reason(workspace: Workspace) -> None:
    ws = workspace
    locked = _profile(10, last_update=time.time())
    _seed(ws, locked)
    edited = ws.root / "edited.json"
    edited.write_text(json.dumps(_profile(5000, last_update=time.time())), "utf-8")
    save = ["set", "PlayerData", KEY, "--file", str(edited), "--target", ws.target]

    refused = ws.dsm(*save)
    assert refused.code == 5
    assert "ProfileStore session lock is live" in refused.stderr
    assert "--force" in refused.stderr and "Nothing was written" in refused.stderr
    assert _stored(ws) == locked

    no_reason = ws.dsm(*save, "--force", "--json")
    assert no_reason.code == 5
    assert no_reason.json["error"]["details"]["refusal"] == "reason"
    assert _stored(ws) == locked

    forced = ws.dsm(*save, "--force", "--reason", "support ticket 4711: restore coins")
    assert forced.code == 0, forced.stderr
    assert _stored(ws)["Data"] == {"Coins": 5000}

    records = [r for r in ws.audit_records() if r["key"] == KEY]
    assert [(r["outcome"], r.get("refusal"), r["forced"]) for r in records] == [
        ("refused", "session_lock", False),
        ("refused", "reason", False),
        ("ok", None, True),
    ]
    accepted = records[-1]
    assert accepted["reason"] == "support ticket 4711: restore coins"
    assert accepted["lock"]["library"] == "ProfileStore" and accepted["lock"]["live"] is True
    assert accepted["versionBefore"] and accepted["versionAfter"] != accepted["versionBefore"]
    assert records[0]["lock"]["sessionId"] == "5B8E3C1A-0C1D-4E5F-9A8B-7C6D5E4F3A2B"
    assert ws.dsm("audit", "verify").code == 0


def test_lock_refusal_details_for_editors(workspace: Workspace) -> None:
    """The JSON error carries the lock so the extension can show who holds it."""
    _seed(workspace, _profile(1, last_update=time.time() - 60))
    result = workspace.dsm("delete", "PlayerData", KEY, "--target", workspace.target, "--json")
    assert result.code == 5
    error = result.json["error"]
    assert error["error"] == "SessionLocked"
    assert error["details"]["refusal"] == "session_lock"
    assert error["details"]["lock"]["jobId"] == "job-1"
    assert 50 <= error["details"]["lock"]["ageSeconds"] < 600


def test_stale_lock_needs_no_force(workspace: Workspace) -> None:
    # ProfileStore assumes a lock dead after 630 s without a save (FACTS §19).
    _seed(workspace, _profile(1, last_update=time.time() - 700))
    result = workspace.dsm(
        "set",
        "PlayerData",
        KEY,
        "--value",
        json.dumps(_profile(2, last_update=0)),
        "--target",
        workspace.target,
    )
    assert result.code == 0, result.stderr
    assert workspace.audit_records()[-1]["forced"] is False
