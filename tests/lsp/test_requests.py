"""Every ``dataStore/*`` request and command against the real server: behaviour and values,
and every real params / result / error ``data`` checked against its schema in schemas/protocol/.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import DSM, open_doc, start
from .test_acceptance import plain

PROTOCOL = Path(__file__).resolve().parents[2] / "schemas" / "protocol"
ENTRY = "datastore://local/PlayerData/global/Player_1.json"
BOARD = "datastore://local/%3Aordered/Leaderboard/global/Player_1.json"


def check(name: str, instance: Any) -> None:
    schema = json.loads((PROTOCOL / f"{name}.schema.json").read_text(encoding="utf-8"))
    errors = [
        f"{list(e.instance_path)}: {e.message}"
        for e in jsonschema_rs.validator_for(schema).iter_errors(instance)
    ]
    assert errors == [], f"{name}: {errors}"


async def request(client: LanguageClient, method: str, params: dict[str, Any]) -> Any:
    check(f"{method.replace('/', '.')}.params", params)
    result = plain(await client.protocol.send_request_async(method, params))
    check(f"{method.replace('/', '.')}.result", result)
    return result


async def command(
    client: LanguageClient, name: str, arguments: dict[str, Any], token: str | None = None
) -> Any:
    check(f"{name}.arguments", arguments)
    result = plain(
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(name, [arguments], work_done_token=token)
        )
    )
    check(f"{name}.result", result)
    return result


async def failure(client: LanguageClient, method: str, params: dict[str, Any]) -> Any:
    with pytest.raises(JsonRpcException) as caught:
        await client.protocol.send_request_async(method, params)
    data = plain(caught.value.data)
    kind = {1003: "ConflictData", 1009: "SessionLockedData"}.get(caught.value.code, "ErrorData")
    check(f"{kind}.error", data)
    if caught.value.code in (1009, 1010, 1011, 1012, 1013):  # refusals of the safety gate
        check("WriteRefusedData.error", data)
    return caught.value.code, data


async def test_listings(client: LanguageClient) -> None:
    connections = await request(client, "dataStore/listConnections", {})
    assert [c["name"] for c in connections["connections"]] == ["local"]
    safety = {k: connections["connections"][0][k] for k in ("role", "protected", "writesEnabled")}
    assert safety == {"role": "editor", "protected": False, "writesEnabled": True}
    assert connections["connections"][0]["kind"] == "local"
    assert connections["configError"] is None

    stores = await request(client, "dataStore/listStores", {"connection": "local"})
    assert [s["name"] for s in stores["items"]] == ["PlayerData"]
    assert stores["items"][0]["uri"] == "datastore://local/PlayerData"
    ordered = await request(
        client, "dataStore/listStores", {"connection": "local", "kind": "ordered"}
    )
    assert [(s["name"], s["kind"]) for s in ordered["items"]] == [("Leaderboard", "ordered")]

    scopes = await request(
        client, "dataStore/listScopes", {"connection": "local", "store": "PlayerData"}
    )
    assert scopes == {
        "items": [{"scope": "global", "uri": "datastore://local/PlayerData/global"}],
        "nextCursor": None,
    }

    keys: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"connection": "local", "store": "PlayerData", "limit": 25}
        if cursor:
            params["cursor"] = cursor
        page = await request(client, "dataStore/listKeys", params)
        keys += [item["key"] for item in page["items"]]
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert pages == 3 and len(keys) == 59 and len(set(keys)) == 59
    assert "Player_1" in keys and "Player_59" in keys


async def test_read_update_metadata_delete(client: LanguageClient) -> None:
    read = await request(client, "dataStore/read", {"uri": ENTRY})
    assert json.loads(read["content"])["Data"]["Coins"] == 20
    assert read["metadata"]["userIds"] == [1] and read["sessionLock"] is None

    updated = await request(
        client,
        "dataStore/updateMetadata",
        {"uri": ENTRY, "expectedVersion": read["version"], "attributes": {"Tier": "Gold"}},
    )
    assert updated["version"] != read["version"]
    again = await request(client, "dataStore/read", {"uri": ENTRY})
    assert again["metadata"]["attributes"] == {"Tier": "Gold"}
    assert again["metadata"]["userIds"] == [1]  # kept
    assert again["content"] == read["content"]

    code, data = await failure(
        client, "dataStore/delete", {"uri": ENTRY, "expectedVersion": read["version"]}
    )
    assert code == 1003 and data["remote"]["version"] == updated["version"]
    deleted = await request(
        client, "dataStore/delete", {"uri": ENTRY, "expectedVersion": updated["version"]}
    )
    assert deleted["uri"] == ENTRY
    code, data = await failure(client, "dataStore/read", {"uri": ENTRY})
    assert code == 1002
    versions = await request(client, "dataStore/listVersions", {"uri": ENTRY})
    assert versions["items"][0]["deleted"] is True


async def test_write_create_and_session_lock_override(client: LanguageClient) -> None:
    uri = "datastore://local/PlayerData/global/Player_new.json"
    created = await request(
        client,
        "dataStore/write",
        {"uri": uri, "content": '{"Data": {"Coins": 1, "Level": 1}}', "expectedVersion": None},
    )
    assert created["contentLength"] == len('{"Data":{"Coins":1,"Level":1}}')
    locked = "datastore://local/PlayerData/global/Player_2.json"
    read = await request(client, "dataStore/read", {"uri": locked})
    params = {"uri": locked, "content": read["content"], "expectedVersion": read["version"]}
    code, data = await failure(client, "dataStore/write", params)
    assert code == 1009 and data["sessionLock"]["live"] is True
    assert (data["code"], data["error"], data["refusal"]) == (
        "FAILED_PRECONDITION",
        "SessionLocked",
        "session_lock",
    )
    # overrideSessionLock is an alias of force, which needs a typed reason (audited).
    code, data = await failure(client, "dataStore/write", params | {"overrideSessionLock": True})
    assert (code, data["refusal"], data["sessionLock"]["live"]) == (1012, "reason", True)
    written = await request(
        client, "dataStore/write", params | {"overrideSessionLock": True, "reason": "support #42"}
    )
    assert written["version"] != read["version"]


async def test_ordered_requests(client: LanguageClient) -> None:
    page = await request(
        client, "dataStore/orderedList", {"connection": "local", "store": "Leaderboard"}
    )
    assert [(i["key"], i["value"]) for i in page["items"]] == [("Player_1", 100)]
    assert page["items"][0]["uri"] == BOARD
    got = await request(client, "dataStore/orderedGet", {"uri": BOARD})
    assert got["value"] == 100
    bumped = await request(client, "dataStore/orderedIncrement", {"uri": BOARD, "amount": 7})
    assert bumped["value"] == 107
    other = BOARD.replace("Player_1", "Player_9")
    code, _ = await failure(client, "dataStore/orderedSet", {"uri": other, "value": 5})
    assert code == 1002  # mode "update" needs an existing key
    made = await request(
        client, "dataStore/orderedSet", {"uri": other, "value": 5, "mode": "create"}
    )
    assert made["value"] == 5
    page = await request(
        client,
        "dataStore/orderedList",
        {"connection": "local", "store": "Leaderboard", "descending": True},
    )
    assert [(i["key"], i["value"]) for i in page["items"]] == [("Player_1", 107), ("Player_9", 5)]
    removed = await request(client, "dataStore/delete", {"uri": other})
    assert removed == {"uri": other, "version": None}
    read = await request(client, "dataStore/read", {"uri": BOARD})
    assert read["content"] == "107\n" and read["kind"] == "ordered"


async def test_commands(client: LanguageClient, workspace: Path) -> None:
    compared = await command(client, "dataStore.compareVersions", {"uri": ENTRY})
    versions = await request(client, "dataStore/listVersions", {"uri": ENTRY})
    assert compared["right"] == ENTRY
    assert compared["left"] == versions["items"][1]["uri"]

    inferred = await command(
        client, "dataStore.inferSchema", {"connection": "local", "store": "PlayerData"}
    )
    assert inferred["sampled"] == 59
    assert set(inferred["schema"]["properties"]) == {"Data", "MetaData"}

    docs = await command(client, "dataStore.schemaDocs", {"uri": "schemas/player.schema.json"})
    assert "Player profile" in docs["markdown"] and "Soft currency." in docs["markdown"]
    inline = await command(client, "dataStore.schemaDocs", {"schema": inferred["schema"]})
    assert "PlayerData" in inline["markdown"]

    snapshot = await command(client, "dataStore.snapshot", {"connection": "local"})
    assert snapshot["newSnapshotTaken"] is True
    again = await command(client, "dataStore.snapshot", {"connection": "local"})
    assert again["latestSnapshotTime"] >= snapshot["latestSnapshotTime"]


async def test_validate_store_cancel(client: LanguageClient) -> None:
    token = "validate-cancel"
    run = asyncio.ensure_future(
        command(
            client, "dataStore.validateStore", {"connection": "local", "store": "PlayerData"}, token
        )
    )
    for _ in range(400):  # cancel once the server has begun the progress
        if client.progress_reports.get(token):
            break
        await asyncio.sleep(0.005)
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token))
    result = await run
    assert result["cancelled"] is True and result["checked"] < 59
    kinds = [getattr(v, "kind", None) for v in client.progress_reports[token]]
    assert kinds[0] == "begin" and kinds[-1] == "end"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=DSM))
async def pulling(lsp_client: LanguageClient, workspace: Path) -> Any:
    await start(lsp_client, workspace, pull=True)
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_pull_diagnostics_follow_edits(pulling: LanguageClient) -> None:
    uri = "datastore://local/PlayerData/global/Pulled.json"
    open_doc(pulling, uri, '{"Data": {"Coins": -1, "Level": 1}, "MetaData": {"A": 1}}')
    ident = types.TextDocumentIdentifier(uri)
    report = await pulling.text_document_diagnostic_async(types.DocumentDiagnosticParams(ident))
    assert [(d.code, d.message, d.range.start.character) for d in report.items] == [
        ("schema", "-1 is less than the minimum of 0.", 19)
    ]
    assert uri not in pulling.diagnostics  # nothing pushed to a pulling client
    pulling.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=uri),
            [
                types.TextDocumentContentChangePartial(
                    types.Range(types.Position(0, 19), types.Position(0, 21)), "3"
                )
            ],
        )
    )
    report = await pulling.text_document_diagnostic_async(types.DocumentDiagnosticParams(ident))
    assert list(report.items) == []
    pulling.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=3, uri=uri),
            [types.TextDocumentContentChangeWholeDocument('{"Data": ')],
        )
    )
    report = await pulling.text_document_diagnostic_async(types.DocumentDiagnosticParams(ident))
    assert [d.code for d in report.items] and {d.code for d in report.items} == {"json-syntax"}
