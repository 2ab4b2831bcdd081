"""``dataStore/auditLog`` against the real ``dsm serve``: records of real writes (made through
``dataStore/write`` / ``delete``) newest first with their versions, filters, paging, bad params,
and the hash chain of a tampered log. Every params / result is checked against its schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pytest_lsp import LanguageClient

from .test_requests import ENTRY, failure, request

LOCKED = "datastore://local/PlayerData/global/Player_2.json"
OTHER = "datastore://local/PlayerData/global/Player_4.json"


async def edit(client: LanguageClient, uri: str, coins: int, **intent: Any) -> tuple[str, str]:
    """Write ``Data.Coins = coins`` over the latest version: (version before, version after)."""
    read = await request(client, "dataStore/read", {"uri": uri})
    value = json.loads(read["content"])
    value["Data"]["Coins"] = coins
    written = await request(
        client,
        "dataStore/write",
        {"uri": uri, "content": json.dumps(value), "expectedVersion": read["version"]} | intent,
    )
    return read["version"], written["version"]


async def audit(client: LanguageClient, **params: Any) -> Any:
    return await request(client, "dataStore/auditLog", params)


async def test_records_newest_first_with_versions_filters_and_pages(
    client: LanguageClient,
) -> None:
    empty = await audit(client)
    assert empty["records"] == [] and empty["nextCursor"] is None
    assert empty["chain"] == {"ok": True, "checked": 0, "uncommitted": 0}

    first = await edit(client, ENTRY, 21)
    other = await edit(client, OTHER, 99, reason="refund ticket 7")
    refused = await failure(
        client,
        "dataStore/write",
        {"uri": LOCKED, "content": "{}"}
        | {
            "expectedVersion": (await request(client, "dataStore/read", {"uri": LOCKED}))["version"]
        },
    )
    assert refused[0] == 1009
    deleted = await request(client, "dataStore/delete", {"uri": OTHER})
    second = await edit(client, ENTRY, 22)

    log = await audit(client)
    records = log["records"]
    assert [(r["operation"], r["key"], r["outcome"]) for r in records] == [
        ("set", "Player_1", "ok"),
        ("delete", "Player_4", "ok"),
        ("set", "Player_2", "refused"),
        ("set", "Player_4", "ok"),
        ("set", "Player_1", "ok"),
    ]
    assert [r["line"] for r in records] == [5, 4, 3, 2, 1]
    newest = records[0]
    assert (newest["versionBefore"], newest["versionAfter"]) == second
    assert newest["beforeUri"] == f"{ENTRY}?version={second[0]}"
    assert newest["afterUri"] == f"{ENTRY}?version={second[1]}"
    assert (records[4]["versionBefore"], records[4]["versionAfter"]) == first
    assert records[1]["versionAfter"] == deleted["version"]
    assert records[2]["refusal"] == "session_lock" and records[2]["versionAfter"] is None
    assert records[3]["reason"] == "refund ticket 7" and records[3]["size"] > 0
    assert (records[3]["versionBefore"], records[3]["versionAfter"]) == other
    assert {(r["connection"], r["store"], r["scope"]) for r in records} == {
        ("local", "PlayerData", "global")
    }
    assert all(r["user"] and r["time"] for r in records)
    assert log["chain"] == {"ok": True, "checked": 5, "uncommitted": 0}
    assert log["log"].endswith("workspace.jsonl")
    # the version URIs open read-only the values before and after the write
    before = await request(client, "dataStore/read", {"uri": newest["beforeUri"]})
    after = await request(client, "dataStore/read", {"uri": newest["afterUri"]})
    assert json.loads(before["content"])["Data"]["Coins"] == 21 and before["readOnly"]
    assert json.loads(after["content"])["Data"]["Coins"] == 22

    # filters
    by_key = await audit(client, key="Player_4")
    assert [r["operation"] for r in by_key["records"]] == ["delete", "set"]
    assert (await audit(client, store="Inventory"))["records"] == []
    by_connection = await audit(client, connection="local")
    assert by_connection["log"].endswith("local.jsonl")
    assert [r["line"] for r in by_connection["records"]] == [5, 4, 3, 2, 1]
    assert (await audit(client, connection="other"))["records"] == []
    assert (await audit(client, since="2999-01-01T00:00:00Z"))["records"] == []
    assert len((await audit(client, since="2000-01-01T00:00:00+02:00"))["records"]) == 5
    since_last = await audit(client, since=records[0]["time"])
    assert [r["line"] for r in since_last["records"]] == [5]

    # paging: newest first, pages never overlap, and new writes do not shift older pages
    page = await audit(client, limit=2)
    assert [r["line"] for r in page["records"]] == [5, 4] and page["nextCursor"]
    await edit(client, ENTRY, 23)
    page2 = await audit(client, limit=2, cursor=page["nextCursor"])
    assert [r["line"] for r in page2["records"]] == [3, 2]
    page3 = await audit(client, limit=2, cursor=page2["nextCursor"])
    assert [r["line"] for r in page3["records"]] == [1] and page3["nextCursor"] is None
    filtered = await audit(client, key="Player_1", limit=1)
    rest = await audit(client, key="Player_1", limit=1, cursor=filtered["nextCursor"])
    assert [r["line"] for r in filtered["records"] + rest["records"]] == [6, 5]

    # a cursor of another query, and malformed params: InvalidArgument (1001) naming the problem
    code, data = await failure(
        client, "dataStore/auditLog", {"key": "Player_4", "cursor": page["nextCursor"]}
    )
    assert code == 1001 and "different query" in data["message"]
    for bad, word in (
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"since": "yesterday"}, "yesterday"),
        ({"store": ""}, "store"),
        ({"user": "ana"}, "user"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ):
        code, data = await failure(client, "dataStore/auditLog", bad)
        assert code == 1001 and word in data["message"], (bad, data["message"])


async def test_tampered_log_reports_the_first_broken_line(
    client: LanguageClient, workspace: Path
) -> None:
    for coins in (30, 31, 32):
        await edit(client, ENTRY, coins)
    intact = await audit(client)
    assert intact["chain"] == {"ok": True, "checked": 3, "uncommitted": 0}
    log = Path(intact["log"])
    assert log.parent == workspace / ".datastore-manager" / "audit"

    lines = log.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"Player_1"', b'"Player_9"')  # someone rewrites history
    log.write_bytes(b"\n".join(lines))
    broken = await audit(client)
    assert broken["chain"]["ok"] is False and broken["chain"]["checked"] == 2
    assert broken["chain"]["firstBroken"]["line"] == 3
    assert "previous record" in broken["chain"]["firstBroken"]["reason"]
    # the records are still listed (the view shows what is there), the changed one included
    assert [r["key"] for r in broken["records"]] == ["Player_1", "Player_9", "Player_1"]
    # the connection's own log was not touched
    assert (await audit(client, connection="local"))["chain"]["ok"] is True
