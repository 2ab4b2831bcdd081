"""dataStore/stat, readDirectory, storeStats, testConnection, the dataStore/status
notification and the dataStore.export command, against the real ``dsm serve`` with the seeded
local store; every params / result checked against schemas/protocol/. Also: expected errors
are one log line, and VS Code's initialize capabilities match initialize_result.json."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from datastore_manager.lsp import boot
from datastore_manager.services.stats import distribution, size_histogram, size_label

from .test_acceptance import plain
from .test_requests import ENTRY, check, command, failure, request


def vscode_form(uri: str) -> str:
    base, sep, query = uri.partition("?")
    return f"{base}{sep}{quote(unquote(query), safe='')}" if sep else uri


async def test_stat_entries_and_folders(client: LanguageClient) -> None:
    read = await request(client, "dataStore/read", {"uri": ENTRY})
    stat = await request(client, "dataStore/stat", {"uri": ENTRY})
    assert stat["type"] == "file" and stat["version"] == read["version"]
    assert stat["size"] == read["metadata"]["size"] and not stat["readOnly"]
    assert stat["createdTime"] == read["metadata"]["createdTime"]
    assert stat["updatedTime"] == read["metadata"]["versionCreatedTime"]

    versions = await request(client, "dataStore/listVersions", {"uri": ENTRY})
    first = versions["items"][-1]
    pinned = await request(client, "dataStore/stat", {"uri": vscode_form(first["uri"])})
    assert pinned["version"] == first["version"] and pinned["readOnly"] is True
    assert pinned["size"] == first["contentLength"]

    folder = await request(client, "dataStore/stat", {"uri": "datastore://local/PlayerData"})
    assert folder["type"] == "directory" and folder["size"] == 0

    code, data = await failure(
        client, "dataStore/stat", {"uri": "datastore://local/PlayerData/global/Nobody.json"}
    )
    assert code == 1002 and data["error"] == "EntryNotFound"
    await request(client, "dataStore/delete", {"uri": ENTRY})
    code, data = await failure(client, "dataStore/stat", {"uri": ENTRY})
    assert code == 1002 and data["error"] == "EntryDeleted"


async def test_read_directory_walks_connection_store_scope(client: LanguageClient) -> None:
    root = await request(client, "dataStore/readDirectory", {"uri": "datastore://local"})
    assert [(i["name"], i["type"]) for i in root["items"]] == [
        (":ordered", "directory"),
        ("PlayerData", "directory"),
    ]
    ordered = await request(client, "dataStore/readDirectory", {"uri": root["items"][0]["uri"]})
    assert [i["name"] for i in ordered["items"]] == ["Leaderboard"]
    scopes = await request(
        client, "dataStore/readDirectory", {"uri": "datastore://local/PlayerData"}
    )
    assert [i["name"] for i in scopes["items"]] == ["global"]
    page = await request(
        client,
        "dataStore/readDirectory",
        {"uri": "datastore://local/PlayerData/global", "limit": 50},
    )
    assert len(page["items"]) == 50 and page["nextCursor"] is not None
    rest = await request(
        client,
        "dataStore/readDirectory",
        {"uri": "datastore://local/PlayerData/global", "cursor": page["nextCursor"]},
    )
    names = [i["name"] for i in page["items"] + rest["items"]]
    assert len(names) == 59 and rest["nextCursor"] is None and "Player_1" in names
    first = page["items"][0]
    assert first["type"] == "file" and first["segment"] == first["name"] + ".json"
    assert first["uri"] == f"datastore://local/PlayerData/global/{first['segment']}"
    code, _ = await failure(client, "dataStore/readDirectory", {"uri": ENTRY})
    assert code == 1001


async def test_store_stats_sizes_and_fields(client: LanguageClient) -> None:
    stats = await request(
        client, "dataStore/storeStats", {"connection": "local", "store": "PlayerData"}
    )
    assert stats["sampled"] == 59 and stats["complete"] is True
    assert stats["budget"] == []  # a local store has no request budget
    assert sum(row["count"] for row in stats["sizes"]) == 59
    assert {row["label"]: row["count"] for row in stats["sizes"]}["< 1 KB"] == 59
    assert set(stats["fields"]) == {"Data", "MetaData"}
    assert stats["fields"]["Data"] == [{"label": "object", "count": 59}]

    chosen = await request(
        client,
        "dataStore/storeStats",
        {"connection": "local", "store": "PlayerData", "field": "Data.Class", "sample": 10},
    )
    assert chosen["sampled"] == 10 and chosen["complete"] is False
    assert chosen["field"] == "Data.Class"
    # the chosen field comes last (the test client renames the key: not an identifier)
    assert list(chosen["fields"].values())[-1] == [{"label": "Mage", "count": 10}]
    coins = await request(
        client,
        "dataStore/storeStats",
        {"connection": "local", "store": "PlayerData", "field": "Data.Coins"},
    )
    bins = list(coins["fields"].values())[-1]
    assert len(bins) == 8 and sum(b["count"] for b in bins) == 59
    assert bins[0]["label"].startswith("-1–")  # from the invalid Player_3 (-1) ...
    assert bins[-1]["label"].endswith("–59")  # ... to Player_59
    code, _ = await failure(
        client, "dataStore/storeStats", {"connection": "local", "store": "P", "sample": 0}
    )
    assert code == 1001


async def test_test_connection_local(client: LanguageClient) -> None:
    result = await request(client, "dataStore/testConnection", {"connection": "local"})
    assert result["ok"] is True and result["kind"] == "local"
    assert result["target"].endswith("/workspace/game.db") and result["budget"] is None
    operations = {row["operation"]: row["allowed"] for row in result["permissions"]}
    assert operations == dict.fromkeys(
        ["listStores", "listKeys", "read", "listVersions", "readOrdered", "write", "delete",
         "writeOrdered", "snapshot"],
        True,
    )  # fmt: skip
    code, _ = await failure(client, "dataStore/testConnection", {"connection": "nope"})
    assert code == 1002


async def test_status_notification_after_first_use(client: LanguageClient) -> None:
    waiting = asyncio.ensure_future(client.wait_for_notification("dataStore/status"))
    await asyncio.sleep(0)  # registered before the request that triggers it
    await request(client, "dataStore/listStores", {"connection": "local"})
    params = plain(await asyncio.wait_for(waiting, 10))
    check("dataStore.status.params", params)
    assert params == {
        "connection": "local",
        "budgetUsed": None,
        "budgetLimit": None,
        "queued": 0,
        "rateLimited": False,
        "offline": False,
    }


async def test_export_command_writes_jsonl_and_csv(client: LanguageClient, workspace: Path) -> None:
    token = "export-1"
    result = await command(
        client, "dataStore.export", {"connection": "local", "store": "PlayerData"}, token
    )
    out = Path(result["out"])
    assert out.parent == workspace / "exports" and out.suffix == ".jsonl"
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert result == {"out": str(out), "format": "jsonl", "entries": 59, "cancelled": False}
    assert len(rows) == 59 and {r["store"] for r in rows} == {"PlayerData"}
    player_1 = next(r for r in rows if r["key"] == "Player_1")
    assert player_1["value"]["Data"]["Coins"] == 20 and player_1["userIds"] == [1]
    kinds = [getattr(v, "kind", None) for v in client.progress_reports[token]]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    assert "59 entries" in client.progress_reports[token][-1].message

    csv_result = await command(
        client,
        "dataStore.export",
        {"connection": "local", "store": "PlayerData", "format": "csv", "out": "e/p.csv"},
    )
    lines = (workspace / "e" / "p.csv").read_text(encoding="utf-8").splitlines()
    assert csv_result["out"] == str(workspace / "e" / "p.csv") and len(lines) == 60
    assert lines[0].startswith("store,scope,key,version")
    again = {"connection": "local", "store": "PlayerData", "out": "e/p.csv"}
    with pytest.raises(JsonRpcException) as caught:
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams("dataStore.export", [again])
        )
    assert caught.value.code == 1001  # never overwrites


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [([0, 1023], "< 1 KB"), ([1024, 4095], "1–4 KB"), ([4_194_304, 9_000_000], "> 4 MB")],
)
def test_size_buckets(sizes: list[int], expected: str) -> None:
    assert {size_label(s) for s in sizes} == {expected}
    assert {r["label"]: r["count"] for r in size_histogram(sizes)}[expected] == 2


def test_distribution_labels_and_other() -> None:
    assert distribution(["a", "b", "a", None, True]) == [
        {"label": "a", "count": 2},
        {"label": "b", "count": 1},
        {"label": "null", "count": 1},
        {"label": "true", "count": 1},
    ]
    many = distribution([f"s{i}" for i in range(20)], missing=3)
    assert len(many) == 13 and many[-2] == {"label": "other", "count": 9}
    assert many[-1] == {"label": "(missing)", "count": 3}
    assert [r["count"] for r in distribution(list(range(16)))] == [2] * 8


VSCODE_CAPABILITIES: dict[str, Any] = {
    "general": {
        "positionEncodings": ["utf-16"],
        "staleRequestSupport": {"cancel": True, "retryOnContentModified": []},
    },
    "textDocument": {
        "synchronization": {
            "dynamicRegistration": True,
            "willSave": True,
            "willSaveWaitUntil": True,
            "didSave": True,
        },
        "diagnostic": {"dynamicRegistration": True, "relatedDocumentSupport": False},
        "completion": {"completionItem": {"snippetSupport": True}},
    },
    "notebookDocument": {"synchronization": {"dynamicRegistration": True}},
    "workspace": {
        "workspaceFolders": True,
        "configuration": True,
        "fileOperations": {"didCreate": True, "willRename": True},
    },
    "window": {"workDoneProgress": True},
}


def test_vscode_initialize_matches_and_expected_errors_are_one_line(workspace: Path) -> None:
    """As the extension starts it: no 'differs' warning; a conflict and a not-found are
    answered and logged as one line each, with no traceback."""
    process = subprocess.Popen(
        [sys.executable, "-m", "datastore_manager.cli.main", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=workspace,
    )
    assert process.stdin is not None and process.stdout is not None
    assert process.stderr is not None

    def send(message: dict[str, Any]) -> None:
        assert process.stdin is not None
        process.stdin.write(boot.frame({"jsonrpc": "2.0", **message}))
        process.stdin.flush()

    def answer(request_id: int) -> dict[str, Any]:
        while True:
            _, message = boot.read_message(process.stdout)  # type: ignore[arg-type]
            assert message is not None
            if message.get("id") == request_id and "method" not in message:
                return message

    init = {"capabilities": VSCODE_CAPABILITIES, "rootUri": workspace.as_uri()}
    send({"id": 1, "method": "initialize", "params": init})
    assert answer(1)["result"] == json.loads(boot.RESULT_FILE.read_text(encoding="utf-8"))
    send({"method": "initialized", "params": {}})
    send({"id": 2, "method": "dataStore/listVersions", "params": {"uri": ENTRY}})
    oldest = answer(2)["result"]["items"][-1]["version"]  # Player_1 has two versions
    write = {"uri": ENTRY, "content": "{}", "expectedVersion": oldest}
    send({"id": 3, "method": "dataStore/write", "params": write})
    assert answer(3)["error"]["code"] == 1003
    missing = "datastore://local/PlayerData/global/Nobody.json"
    send({"id": 4, "method": "dataStore/read", "params": {"uri": missing}})
    assert answer(4)["error"]["code"] == 1002
    send({"id": 5, "method": "shutdown", "params": None})
    answer(5)
    send({"method": "exit", "params": None})
    assert process.wait(60) == 0
    log = process.stderr.read().decode("utf-8")
    assert "differs" not in log and "Traceback" not in log, log
    lines = [line for line in log.splitlines() if "answered with error" in line]
    assert len(lines) == 2, log
    assert "1003 PreconditionFailed" in lines[0] or "1003" in lines[0]
    assert "1002 EntryNotFound" in lines[1]
