"""The ``dataStore.search`` command against the real ``dsm serve`` on the demo universe: where
clauses find exactly the entries a direct scan finds, the index is built once and rebuilt
when the store changes, bad clauses and unknown connections are clear errors, sensitive
values are masked in what a hit shows (unless an editor reveals them) and never reach the
index (a where clause on them is refused, an index built unmasked is rebuilt). Arguments,
results and error data are checked against schemas/protocol/."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from datastore_manager.backends.local import LocalBackend
from datastore_manager.demo import DemoSummary
from datastore_manager.services.masking import MASK

from .conftest import DSM, start
from .test_acceptance import plain
from .test_lock_markers import demo_db as demo_db
from .test_requests import check, command, request

SEARCH = "dataStore.search"
#: Data.Coins is sensitive by a config rule, Data.Stats (and so everything under it) by the
#: schema mapped to PlayerData.
CONFIG = {
    "connections": {"demo": {"target": "local:demo.db"}},
    "security": {"sensitive": [{"store": "PlayerData", "path": "/Data/Coins"}]},
    "schemas": [
        {
            "fileMatch": ["demo/PlayerData/*/*"],
            "schema": {
                "type": "object",
                "properties": {
                    "Data": {
                        "type": "object",
                        "properties": {"Stats": {"type": "object", "x-sensitive": True}},
                    }
                },
            },
        }
    ],
}


@pytest.fixture
def search_workspace(tmp_path: Path, demo_db: tuple[Path, DemoSummary]) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    shutil.copy(demo_db[0], root / "demo.db")
    (root / ".datastore-manager.json").write_text(json.dumps(CONFIG))
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=DSM))
async def client(lsp_client: LanguageClient, search_workspace: Path) -> Any:
    await start(lsp_client, search_workspace)
    yield lsp_client
    await lsp_client.shutdown_session()


async def player_values(db: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    async with LocalBackend(db) as backend:
        cursor = None
        while True:
            page = await backend.list_keys("PlayerData", limit=256, cursor=cursor)
            for info in page.items:
                found[info.key] = (await backend.get_entry("PlayerData", info.key)).value
            cursor = page.next_cursor
            if cursor is None:
                return found


def data(value: Any, name: str) -> Any:
    return (value.get("Data") or {}).get(name) if isinstance(value, dict) else None


def numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


async def test_where_clauses_find_exactly_the_expected_keys(
    client: LanguageClient, search_workspace: Path
) -> None:
    values = await player_values(search_workspace / "demo.db")
    low = {k for k, v in values.items() if numeric(data(v, "Level")) and data(v, "Level") < 2}
    gems_high_level = {
        k
        for k, v in values.items()
        if numeric(data(v, "Gems"))
        and data(v, "Gems") >= 5
        and numeric(data(v, "Level"))
        and data(v, "Level") > 2
    }
    assert low and gems_high_level and len(gems_high_level) < len(values) / 2

    first = await command(
        client,
        SEARCH,
        {"connection": "demo", "where": ["Data.Level < 2"], "store": "Player*", "limit": 500},
        "search-1",
    )
    both = await command(
        client,
        SEARCH,
        {
            "connection": "demo",
            "store": "PlayerData",
            "where": ["Data.Gems >= 5", "/Data/Level > 2"],
            "limit": 500,
        },
        "search-2",
    )
    one = await command(
        client, SEARCH, {"connection": "demo", "where": ["Data.Level >= 1"], "limit": 1}
    )

    assert {hit["key"] for hit in first["hits"]} == low
    assert {hit["key"] for hit in both["hits"]} == gems_high_level
    hit = first["hits"][0]
    assert hit["uri"] == f"datastore://demo/PlayerData/global/{hit['key']}.json"
    assert (hit["store"], hit["scope"]) == ("PlayerData", "global")
    levels = [h["matches"][1] for h in both["hits"]]
    assert all(m["path"] == "Data.Level" and m["values"][0] > 2 for m in levels)
    assert first["total"] == both["total"] > len(values)  # every standard entry was indexed
    assert first["truncated"] is False and one["truncated"] is True and len(one["hits"]) == 1
    # Built once, on the first search (with progress), in the CLI's index folder; reused after.
    assert [getattr(r, "kind", None) for r in client.progress_reports["search-1"]] == [
        "begin",
        "end",
    ]
    assert "search-2" not in client.progress_reports
    assert both["indexedAt"] == first["indexedAt"]
    assert len(list((search_workspace / ".dsm-search").glob("*.sqlite"))) == 1

    # A write to the store makes the next search rebuild the index: the new entry is found.
    uri = "datastore://demo/PlayerData/global/Searchable_1.json"
    content = '{"Data": {"Level": -7}}'
    await request(
        client, "dataStore/write", {"uri": uri, "content": content, "expectedVersion": None}
    )
    again = await command(
        client, SEARCH, {"connection": "demo", "where": ["Data.Level < 0"], "query": "searchable"}
    )
    assert [h["uri"] for h in again["hits"]] == [uri] and again["indexedAt"] >= first["indexedAt"]


async def failure(client: LanguageClient, arguments: dict[str, Any]) -> tuple[int, Any]:
    with pytest.raises(JsonRpcException) as caught:
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(SEARCH, [arguments])
        )
    data = plain(caught.value.data)
    check("ErrorData.error", data)
    return caught.value.code, data


async def test_bad_where_clause_names_it(client: LanguageClient) -> None:
    def arguments(*where: str) -> dict[str, Any]:
        return {"connection": "demo", "where": list(where)}

    code, data = await failure(client, arguments("Data.Level > 1", "Data.Coins is low"))
    assert code == 1001
    assert data["message"].startswith("Where clause 'Data.Coins is low' is not 'path op value'")
    assert "--where" not in data["message"]  # the CLI's option means nothing in the editor
    code, data = await failure(client, arguments("Data.Gems > lots"))
    assert code == 1001 and data["message"] == "Where clause 'Data.Gems > lots': > needs a number."
    code, data = await failure(client, arguments(""))
    assert code == 1001 and "'where/0'" in data["message"]  # the schema: an empty clause


async def test_unknown_connection_is_a_clear_error(client: LanguageClient) -> None:
    code, data = await failure(client, {"connection": "nope", "query": "sword"})
    assert code == 1002
    assert "No connection named 'nope' (known: demo)" in data["message"]


def configure(client: LanguageClient, **settings: object) -> None:
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"dataStoreManager": settings})
    )


CANARY = "canary-5d1c07@example.com"


def index_bytes(root: Path) -> bytes:
    files = [f for f in (root / ".dsm-search").iterdir() if f.suffix != ".building"]
    return b"".join(f.read_bytes() for f in files)


async def test_sensitive_values_are_masked_in_hits_unless_revealed(
    client: LanguageClient, search_workspace: Path
) -> None:
    values = await player_values(search_workspace / "demo.db")
    uri = "datastore://demo/PlayerData/global/Canary_1.json"
    content = json.dumps({"Data": {"Stats": {"Email": CANARY}, "Level": 1, "Coins": 424242}})
    await request(
        client, "dataStore/write", {"uri": uri, "content": content, "expectedVersion": None}
    )
    values["Canary_1"] = json.loads(content)
    arguments = {"connection": "demo", "store": "PlayerData", "limit": 500}
    where = {"where": ["Data.Level >= 1"]}

    masked = await command(client, SEARCH, arguments | where)

    (canary,) = [h for h in masked["hits"] if h["key"] == "Canary_1"]
    assert f'"Stats":"{MASK}"' in canary["preview"]
    for hit in masked["hits"]:
        (level,) = hit["matches"]
        assert level["values"] == [data(values[hit["key"]], "Level")]  # not sensitive
        assert '"Kills"' not in hit["preview"] and CANARY not in hit["preview"]
        if numeric(data(values[hit["key"]], "Coins")):
            assert f'"Coins":"{MASK}"' in hit["preview"]
            assert f'"Coins":{data(values[hit["key"]], "Coins")}' not in hit["preview"]
    # The index file holds neither the canary nor any word of it; words find nothing there.
    raw = index_bytes(search_workspace)
    assert b"Canary_1" in raw  # keys are indexed (so the file is the right one)
    assert CANARY.encode() not in raw and b"5d1c07" not in raw and b"424242" not in raw
    assert (await command(client, SEARCH, arguments | {"query": "5d1c07"}))["hits"] == []
    # A where clause on a sensitive path is refused, even for an editor who reveals.
    for clause in ("Data.Coins < 0", "Data.Stats.Kills >= 0", f"Data.Stats.Email = {CANARY}"):
        code, error = await failure(client, arguments | {"where": [clause]})
        path = clause.split()[0]
        assert code == 1001
        assert error["message"] == (
            f"{path} is sensitive: it is not indexed, so it cannot be searched."
        )

    configure(client, reveal=True, role="viewer")  # a viewer may not reveal
    still = await command(client, SEARCH, arguments | where)
    assert f'"Coins":"{MASK}"' in canary["preview"]
    assert [h["preview"] for h in still["hits"]] == [h["preview"] for h in masked["hits"]]

    configure(client, reveal=True)  # an editor reveals (what the hit shows, from the store)
    revealed = await command(client, SEARCH, arguments | where)
    (shown,) = [h for h in revealed["hits"] if h["key"] == "Canary_1"]
    assert '"Coins":424242' in shown["preview"] and CANARY in shown["preview"]
    code, error = await failure(client, arguments | {"where": ["Data.Coins < 0"]})
    assert code == 1001 and "Data.Coins is sensitive" in error["message"]


async def test_an_index_built_unmasked_is_rebuilt(
    client: LanguageClient, search_workspace: Path
) -> None:
    first = await command(client, SEARCH, {"connection": "demo", "query": "x"}, "build-1")
    (index,) = (search_workspace / ".dsm-search").glob("*.sqlite")
    with sqlite3.connect(index) as conn:  # as an index from before masking: no marker
        conn.execute("DELETE FROM meta WHERE name = 'masking'")
    conn.close()

    again = await command(client, SEARCH, {"connection": "demo", "query": "x"}, "build-2")
    reused = await command(client, SEARCH, {"connection": "demo", "query": "x"}, "build-3")

    assert "build-1" in client.progress_reports and "build-2" in client.progress_reports
    assert "build-3" not in client.progress_reports
    assert again["total"] == first["total"] and reused["indexedAt"] == again["indexedAt"]
    with sqlite3.connect(index) as conn:
        assert conn.execute("SELECT value FROM meta WHERE name = 'masking'").fetchone()
    conn.close()
