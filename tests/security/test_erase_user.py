"""``dsm erase-user``: finds a player's entries by key, user ids and patterns; deletes them
on confirmation, as admin only, and audits every delete."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json

from datastore_manager.backends import open_backend
from datastore_manager.services import entries

from .conftest import Workspace

USER = 2425654247
DESCRIPTION = (
    f"You have received a new notification for Right to Erasure for the User Id: {USER} in "
    "the game(s) with Ids: 10539205763, 13260950955"
)


def _seed(ws: Workspace) -> None:
    async def seed() -> None:
        async with open_backend(ws.target) as backend:
            await entries.write_entry(backend, "PlayerData", f"Player_{USER}", {"Coins": 1})
            await entries.write_entry(backend, "Inventory", f"{USER}", ["sword"], scope="s2")
            await entries.write_entry(backend, "Trades", "trade-77", {"a": 1}, user_ids=[USER, 5])
            await entries.write_entry(backend, "PlayerData", f"Player_{USER}0", {"Coins": 9})
            await entries.write_entry(backend, "Guilds", "g1", {"members": 3}, user_ids=[5])
            await entries.set_ordered(backend, "Leaderboard", f"lb-{USER}", 500)

    asyncio.run(seed())


def _configure(ws: Workspace, role: str) -> None:
    pattern = {"store": "Leaderboard", "key": "lb-{userId}", "ordered": True}
    ws.configure(
        {"dev": {"target": "local:game.db", "role": role}},
        security={"erasure": {"patterns": [pattern]}},
    )


EXPECTED = {
    ("PlayerData", "global", f"Player_{USER}", False, "key"),
    ("Inventory", "s2", f"{USER}", False, "key"),
    ("Trades", "global", "trade-77", False, "userIds"),
    ("Leaderboard", "global", f"lb-{USER}", True, "pattern"),
}


def _found(document: dict) -> set[tuple]:
    return {
        (f["store"], f["scope"], f["key"], f["ordered"], f["matchedBy"]) for f in document["found"]
    }


def test_dry_run_lists_and_changes_nothing(workspace: Workspace) -> None:
    _seed(workspace)
    _configure(workspace, "viewer")  # a dry run only reads
    before = workspace.store_dump()
    result = workspace.dsm(
        "erase-user", str(USER), "--dry-run", "--json", "--target", workspace.target
    )
    assert result.code == 0, result.stderr
    assert _found(result.json) == EXPECTED
    assert workspace.store_dump() == before


def test_editor_cannot_erase(workspace: Workspace) -> None:
    _seed(workspace)
    _configure(workspace, "editor")
    before = workspace.store_dump()
    result = workspace.dsm("erase-user", str(USER), "--yes", "--target", workspace.target)
    assert result.code == 5 and "admin" in result.stderr
    assert workspace.store_dump() == before


def test_unconfirmed_erasure_deletes_nothing(workspace: Workspace) -> None:
    _seed(workspace)
    _configure(workspace, "admin")
    before = workspace.store_dump()
    result = workspace.dsm("erase-user", str(USER), "--target", workspace.target, stdin="n\n")
    assert result.code == 2 and "nothing was deleted" in result.stderr
    assert workspace.store_dump() == before


def test_erase_from_signed_webhook(workspace: Workspace) -> None:
    _seed(workspace)
    _configure(workspace, "admin")
    secret, stamp = "hook-secret", "1683927229"
    signature = base64.b64encode(
        hmac.new(secret.encode(), f"{stamp}.{DESCRIPTION}".encode(), hashlib.sha256).digest()
    ).decode()
    payload = {
        "embeds": [
            {
                "title": "RightToErasureRequest",
                "description": DESCRIPTION,
                "footer": {"text": f"Roblox-Signature: {signature}, Timestamp: {stamp}"},
            }
        ]
    }
    hook = workspace.root / "hook.json"
    hook.write_text(json.dumps(payload), "utf-8")

    workspace.env["DSM_WEBHOOK_SECRET"] = "wrong"
    forged = workspace.dsm(
        "erase-user", "--from-webhook", str(hook), "--yes", "--target", workspace.target
    )
    assert forged.code == 2 and "Roblox-Signature does not match" in forged.stderr

    workspace.env["DSM_WEBHOOK_SECRET"] = secret
    done = workspace.dsm(
        "erase-user", "--from-webhook", str(hook), "--yes", "--json", "--target", workspace.target
    )
    assert done.code == 0, done.stderr
    assert done.json["gameIds"] == [10539205763, 13260950955]
    assert len(done.json["deleted"]) == 4 and done.json["failed"] == []

    again = workspace.dsm(
        "erase-user", str(USER), "--dry-run", "--json", "--target", workspace.target
    )
    assert again.json["found"] == []
    # Other players' data stays.
    kept = workspace.dsm("get", "PlayerData", f"Player_{USER}0", "--target", workspace.target)
    assert kept.code == 0
    records = workspace.audit_records()
    deletes = [r for r in records if r["outcome"] == "ok" and "delete" in r["operation"]]
    assert {(r["operation"], r["reason"]) for r in deletes} == {
        ("delete", f"right to erasure: user {USER}"),
        ("ordered.delete", f"right to erasure: user {USER}"),
    }
    assert len(deletes) == 4
    _assert_one_job(records, deletes, f"right to erasure: user {USER}")


def _assert_one_job(records: list[dict], deletes: list[dict], reason: str) -> None:
    """The deletes ran as ONE erase-user job: framed by job.start/job.end, carrying its id."""
    starts = [r for r in records if r["operation"] == "job.start"]
    ends = [r for r in records if r["operation"] == "job.end"]
    assert len(starts) == 1 and len(ends) == 1
    assert starts[0]["jobKind"] == "erase-user" and starts[0]["reason"] == reason
    assert starts[0]["outcome"] == ends[0]["outcome"] == "ok"
    job = starts[0]["job"]
    assert ends[0]["job"] == job and {r["job"] for r in deletes} == {job}
    position = {id(r): i for i, r in enumerate(records)}
    assert position[id(starts[0])] < min(position[id(r)] for r in deletes)
    assert max(position[id(r)] for r in deletes) < position[id(ends[0])]


def test_erasure_on_a_protected_connection_is_one_confirmed_job(workspace: Workspace) -> None:
    _seed(workspace)
    pattern = {"store": "Leaderboard", "key": "lb-{userId}", "ordered": True}
    workspace.configure(
        {"prod": {"target": "local:game.db", "role": "admin", "protected": True}},
        security={"erasure": {"patterns": [pattern]}},
    )
    done = workspace.dsm(
        "erase-user",
        str(USER),
        "--yes",
        "--reason",
        "ticket RTBF-12",
        "--json",
        "--target",
        workspace.target,
    )
    assert done.code == 0, done.stderr
    assert len(done.json["deleted"]) == 4 and done.json["failed"] == []
    records = workspace.audit_records()
    deletes = [r for r in records if "delete" in r["operation"]]
    assert len(deletes) == 4 and {r["outcome"] for r in deletes} == {"ok"}
    assert {r["reason"] for r in deletes} == {"ticket RTBF-12"}
    _assert_one_job(records, deletes, "ticket RTBF-12")
    assert [r for r in records if r["outcome"] == "refused"] == []


def test_bad_user_id_is_refused(workspace: Workspace) -> None:
    result = workspace.dsm("erase-user", "12abc", "--dry-run", "--target", workspace.target)
    assert result.code == 2 and "not a positive whole number" in result.stderr
