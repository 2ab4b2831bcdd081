"""``dsm demo`` and the read commands over the demo universe."""

from __future__ import annotations

from pathlib import Path

from .conftest import run_dsm


def test_demo_then_stores_list_shows_every_store(demo_db: Path) -> None:
    result = run_dsm("--target", f"local:{demo_db}", "stores", "list", "--json")
    assert result.code == 0, result.stderr
    stores = result.json["dataStores"]
    assert len(stores) >= 3
    kinds = {s["name"]: s["kind"] for s in stores}
    assert kinds == {
        "PlayerData": "standard",
        "Inventory": "standard",
        "GameSettings": "standard",
        "Leaderboard": "ordered",
    }
    assert set(stores[0]) == {"name", "kind", "state", "createdTime", "expireTime"}
    assert result.json["nextCursor"] is None


def test_demo_refuses_an_existing_file(demo_db: Path) -> None:
    before = demo_db.stat().st_size
    result = run_dsm("demo", str(demo_db))
    assert result.code == 2
    assert "already exists" in result.stderr
    assert demo_db.stat().st_size == before


def test_demo_json_summary(tmp_path: Path) -> None:
    result = run_dsm("demo", str(tmp_path / "d.db"), "--json")
    assert result.code == 0, result.stderr
    summary = result.json
    assert summary["players"] >= 200
    assert summary["leaderboardEntries"] >= 1000
    assert len(summary["liveLockedKeys"]) > 0 and len(summary["invalidKeys"]) > 0


def test_keys_list_follows_every_page_or_one_page_with_a_cursor(demo_db: Path) -> None:
    target = f"local:{demo_db}"
    everything = run_dsm("keys", "list", "PlayerData", "--json", target=target).json
    assert everything["store"] == "PlayerData" and everything["scope"] == "global"
    assert everything["nextCursor"] is None
    all_keys = [k["key"] for k in everything["keys"]]
    assert len(all_keys) >= 200 and all_keys == sorted(all_keys)

    paged: list[str] = []
    cursor: str | None = None
    while True:
        args = ["keys", "list", "PlayerData", "--limit", "100", "--json"]
        page = run_dsm(*args, *(["--cursor", cursor] if cursor else []), target=target).json
        assert len(page["keys"]) <= 100
        paged += [k["key"] for k in page["keys"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert paged == all_keys


def test_keys_list_prefix_and_all_scopes(demo_db: Path) -> None:
    target = f"local:{demo_db}"
    result = run_dsm("keys", "list", "Inventory", "--all-scopes", "--json", target=target)
    assert result.code == 0, result.stderr
    assert result.json["scope"] is None
    scopes = {k["scope"] for k in result.json["keys"]}
    assert scopes == {"global", "legacy"}
    legacy = run_dsm("keys", "list", "Inventory", "--scope", "legacy", "--json", target=target)
    assert {k["scope"] for k in legacy.json["keys"]} == {"legacy"}
    prefixed = run_dsm(
        "keys", "list", "PlayerData", "--prefix", "Player_1", "--json", target=target
    )
    assert prefixed.json["keys"] and all(
        k["key"].startswith("Player_1") for k in prefixed.json["keys"]
    )
    both = run_dsm("keys", "list", "Inventory", "--scope", "x", "--all-scopes", target=target)
    assert both.code == 2 and "not both" in both.stderr


def test_human_output_is_a_table(demo_db: Path) -> None:
    result = run_dsm("--target", f"local:{demo_db}", "stores", "list")
    assert result.code == 0
    assert "PlayerData" in result.stdout and "Leaderboard" in result.stdout
    entry = run_dsm("--target", f"local:{demo_db}", "get", "GameSettings", "LiveConfig")
    assert '"EventName"' in entry.stdout and "Version" in entry.stdout


def test_ordered_list_of_the_leaderboard(demo_db: Path) -> None:
    target = f"local:{demo_db}"
    top = run_dsm(
        "ordered", "list", "Leaderboard", "--descending", "--limit", "10", "--json", target=target
    ).json
    values = [e["value"] for e in top["entries"]]
    assert len(values) == 10 and values == sorted(values, reverse=True)
    assert top["nextCursor"]
    assert set(top["entries"][0]) == {"store", "scope", "key", "value"}
    everything = run_dsm("ordered", "list", "Leaderboard", "--json", target=target).json
    assert len(everything["entries"]) >= 1000
    ranged = run_dsm(
        "ordered", "list", "Leaderboard", "--min", "20", "--max", "30", "--json", target=target
    ).json
    assert ranged["entries"] and all(20 <= e["value"] <= 30 for e in ranged["entries"])


def test_history_of_a_demo_key(demo_db: Path) -> None:
    target = f"local:{demo_db}"
    versions = run_dsm("versions", "GameSettings", "LiveConfig", "--json", target=target).json
    assert len(versions["versions"]) >= 5
    times = [v["createdTime"] for v in versions["versions"]]
    assert times == sorted(times) and times[0][:10] != times[-1][:10]  # spread over days
    first = versions["versions"][0]["version"]
    old = run_dsm("get", "GameSettings", "LiveConfig", "--version", first, "--json", target=target)
    assert old.json["version"] == first and old.json["value"]["EventName"] == "Launch"
    as_of = run_dsm(
        "get", "GameSettings", "LiveConfig", "--as-of", times[1], "--json", target=target
    )
    assert as_of.json["version"] == versions["versions"][1]["version"]
