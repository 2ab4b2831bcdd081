"""``dsm search`` over the demo (from a local store and from a backup): words, store globs and
JSON-path conditions give exactly the entries a direct scan finds; saved searches round-trip
through .datastore-manager.json (which stays valid against the config schema)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from datastore_manager.backends.local import LocalBackend
from datastore_manager.backends.local.engine import LocalEngine
from datastore_manager.model import EntryWrite
from datastore_manager.services.config import config_problems

from .conftest import dsm


async def player_data(store: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    async with LocalBackend(store) as backend:
        page = await backend.list_keys("PlayerData", all_scopes=True, limit=256)
        while True:
            for info in page.items:
                found[info.key] = (await backend.get_entry("PlayerData", info.key)).value
            if page.next_cursor is None:
                return found
            page = await backend.list_keys(
                "PlayerData", all_scopes=True, limit=256, cursor=page.next_cursor
            )


def number(value: Any, name: str) -> float:
    """A numeric field of Data (the demo has schema violations: wrong types, missing fields)."""
    found = (value.get("Data") or {}).get(name) if isinstance(value, dict) else None
    ok = isinstance(found, int | float) and not isinstance(found, bool)
    return float(found) if ok else float("nan")  # NaN compares false, like a missing leaf


def items(value: Any) -> list[Any]:
    found = (value.get("Data") or {}).get("Inventory") if isinstance(value, dict) else None
    return found if isinstance(found, list) else []


def keys(document: dict[str, Any]) -> set[str]:
    return {match["key"] for match in document["matches"]}


async def test_search_matches_a_direct_scan_and_saved_searches_round_trip(
    tmp_path: Path, env: dict[str, str]
) -> None:
    demo, archive = tmp_path / "demo.db", tmp_path / "demo.dsm"
    dsm(env, "demo", str(demo))
    dsm(env, "backup", "--target", f"local:{demo}", "--out", str(archive), "--quiet")
    values = await player_data(demo)
    negative = {k for k, v in values.items() if number(v, "Coins") < 0}
    bows = {
        k
        for k, v in values.items()
        if any(isinstance(i, dict) and i.get("Id") == "Bow_Short" for i in items(v))
        and number(v, "Level") >= 3
    }
    assert negative and bows
    index = ["--index", str(tmp_path / "i.sqlite"), "--limit", "10000"]

    built = dsm(env, "search", "--target", f"snapshot:{archive}", "--rebuild", *index, cwd=tmp_path)
    coins = dsm(env, "search", "--where", "Data.Coins < 0", "--store", "Player*", *index,
                "--save", "broke", cwd=tmp_path)  # fmt: skip
    words = dsm(env, "search", "bow_short", "--where", "Data.Level >= 3", "--store",
                "PlayerData", *index, cwd=tmp_path)  # fmt: skip
    saved = dsm(env, "search", "--saved", "broke", *index, cwd=tmp_path)
    nothing = dsm(env, "search", "zzzznotaword", *index, cwd=tmp_path)

    assert built["built"]["entries"] == built["indexed"] > 300
    assert keys(coins) == negative
    # Words match anywhere in the entry (e.g. an equipped item too), so: every inventory hit,
    # and only entries that mention the word and satisfy the condition.
    assert bows <= keys(words)
    assert all(
        "bow_short" in json.dumps(values[k]).lower() and number(values[k], "Level") >= 3
        for k in keys(words)
    )
    assert keys(saved) == negative and saved["query"]["where"] == ["Data.Coins < 0"]
    assert nothing["matches"] == []
    config = json.loads((tmp_path / ".datastore-manager.json").read_text())
    assert config["savedSearches"]["broke"]["store"] == "Player*"
    assert config_problems(config) == []


CANARY = "canary-7f3a9e@example.com"
TOKEN = "tok9q2zx81purchase"
#: Data.Email is sensitive by a config rule, Data.Purchase (and all under it) by the schema.
MASKING_CONFIG: dict[str, Any] = {
    "security": {"sensitive": [{"store": "Players", "path": "/Data/Email"}]},
    "schemas": [
        {
            "fileMatch": ["*/Players/*/*"],
            "schema": {
                "type": "object",
                "properties": {
                    "Data": {
                        "type": "object",
                        "properties": {"Purchase": {"type": "object", "x-sensitive": True}},
                    }
                },
            },
        }
    ],
}


def index_bytes(index: Path) -> bytes:
    files = [index, index.with_name(index.name + "-wal"), index.with_name(index.name + "-journal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def test_sensitive_values_never_reach_the_index(tmp_path: Path, env: dict[str, str]) -> None:
    store = tmp_path / "game.db"
    engine = LocalEngine(store)
    try:
        engine.set_entries(
            [
                EntryWrite(
                    "Players",
                    f"Player_{i}",
                    {
                        "Data": {
                            "Email": CANARY if i == 3 else f"p{i}@example.com",
                            "Purchase": {"Token": TOKEN, "Sku": "gems_pack"},
                            "Name": f"hero{i}",
                            "Level": i,
                        }
                    },
                )
                for i in range(6)
            ]
        )
    finally:
        engine.close()
    config = tmp_path / ".datastore-manager.json"
    rules = json.loads(json.dumps(MASKING_CONFIG))
    config.write_text(json.dumps(rules))
    index = tmp_path / "i.sqlite"
    base = ["--target", f"local:{store}", "--index", str(index)]

    built = dsm(env, "search", *base, "--rebuild", "--where", "Data.Level >= 4", cwd=tmp_path)

    assert built["built"]["entries"] == 6 and keys(built) == {"Player_4", "Player_5"}
    raw = index_bytes(index)
    assert b"hero3" in raw  # the file is readable as such: non-sensitive values are there
    for secret in (CANARY, TOKEN, "canary", "7f3a9e", "gems_pack"):
        assert secret.encode() not in raw, secret
    # Words: the canary's words find nothing, non-sensitive words still do.
    assert dsm(env, "search", "canary", *base, cwd=tmp_path)["matches"] == []
    assert dsm(env, "search", TOKEN, *base, cwd=tmp_path)["matches"] == []
    assert keys(dsm(env, "search", "hero3", *base, cwd=tmp_path)) == {"Player_3"}
    # A where clause on a sensitive path (or under one) is refused, naming the path.
    for clause in (f"Data.Email = {CANARY}", "Data.Purchase.Token ~ tok", "Data.Purchase = 1"):
        refused = dsm(env, "search", "--where", clause, *base, check=False, cwd=tmp_path)
        message = f"{clause.split()[0]} is sensitive: it is not indexed, so it cannot be searched"
        assert refused["_exit"] != 0 and "matches" not in refused
        assert message in refused["_stderr"] + json.dumps(refused), refused
    assert dsm(env, "search", "x", *base, cwd=tmp_path)["built"] is None  # fresh: reused

    # An index from before masking (no marker) is rebuilt, not trusted; so is one built under
    # other rules (the config changed).
    with sqlite3.connect(index) as conn:
        conn.execute("DELETE FROM meta WHERE name = 'masking'")
    conn.close()
    assert dsm(env, "search", "hero1", *base, cwd=tmp_path)["built"]["entries"] == 6
    assert dsm(env, "search", "hero1", "--index", str(index), cwd=tmp_path)["built"] is None
    rules["security"]["sensitive"].append({"store": "*", "path": "/Data/Name"})
    config.write_text(json.dumps(rules))
    again = dsm(env, "search", "hero1", "--index", str(index), cwd=tmp_path)  # its own target
    assert again["built"]["entries"] == 6 and again["matches"] == []
    assert b"hero3" not in index_bytes(index)
