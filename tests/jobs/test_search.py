"""``dsm search`` over the demo (from a local store and from a backup): words, store globs and
JSON-path conditions give exactly the entries a direct scan finds; saved searches round-trip
through .datastore-manager.json (which stays valid against the config schema)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from datastore_manager.backends.local import LocalBackend
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
