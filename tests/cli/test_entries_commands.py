"""get / set / delete / versions / rollback / increment through the real ``dsm``.

State is seeded through the services in-process (fast); every assertion is on what the
``dsm`` process printed, its exit code, and what the store holds afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

from datastore_manager.model.limits import MAX_VALUE_LENGTH

from .conftest import Dsm, run_dsm, seed

VERSION_FIELDS = {
    "store", "scope", "key", "version", "deleted", "contentLength", "createdTime",
    "objectCreatedTime",
}  # fmt: skip
ENTRY_FIELDS = {
    "store", "scope", "key", "value", "version", "createdTime", "updatedTime",
    "versionCreatedTime", "attributes", "userIds", "contentMd5", "size",
}  # fmt: skip


def test_set_then_get_round_trip_with_metadata(dsm: Dsm) -> None:
    written = dsm(
        "set", "PlayerData", "K", "--value", '{"a": 1}',
        "--attributes", '{"Season": 3}', "--user-ids", "12,34", "--json",
    )  # fmt: skip
    assert written.code == 0, written.stderr
    assert set(written.json) == VERSION_FIELDS
    assert written.json["deleted"] is False and written.json["contentLength"] == len('{"a":1}')
    entry = dsm("get", "PlayerData", "K", "--json").json
    assert set(entry) == ENTRY_FIELDS
    assert entry["value"] == {"a": 1} and entry["version"] == written.json["version"]
    assert entry["attributes"] == {"Season": 3} and entry["userIds"] == [12, 34]


def test_set_keeps_metadata_unless_replaced(dsm: Dsm, store_target: str) -> None:
    seed(store_target, [("S", "K", 1)], attributes={"x": 1}, user_ids=[5])
    assert dsm("set", "S", "K", "--value", "2").code == 0
    kept = dsm("get", "S", "K", "--json").json
    assert (kept["value"], kept["attributes"], kept["userIds"]) == (2, {"x": 1}, [5])
    dsm("set", "S", "K", "--value", "3", "--attributes", "{}", "--user-ids", "")
    cleared = dsm("get", "S", "K", "--json").json
    assert (cleared["value"], cleared["attributes"], cleared["userIds"]) == (3, {}, [])


def test_stale_match_version_exits_3_and_changes_nothing(dsm: Dsm, store_target: str) -> None:
    stale, current = seed(store_target, [("PlayerData", "K", {"a": 0}), ("PlayerData", "K", 5)])
    result = dsm("set", "PlayerData", "K", "--value", '{"a":1}', "--match-version", stale)
    assert result.code == 3
    assert len(result.stderr.strip().splitlines()) == 1 and "Nothing was written" in result.stderr
    as_json = dsm("set", "PlayerData", "K", "--value", "1", "--match-version", stale, "--json")
    assert as_json.code == 3
    assert as_json.json["error"]["details"]["current_version"] == current
    assert as_json.json["error"]["exitCode"] == 3
    history = dsm("versions", "PlayerData", "K", "--json").json["versions"]
    assert [v["version"] for v in history] == [stale, current]  # nothing was written
    entry = dsm("get", "PlayerData", "K", "--json").json
    assert entry["value"] == 5 and entry["version"] == current
    ok = dsm("set", "PlayerData", "K", "--value", '{"a": 6}', "--match-version", current)
    assert ok.code == 0, ok.stderr


def test_exclusive_create(dsm: Dsm, store_target: str) -> None:
    assert dsm("set", "S", "new", "--value", "1", "--exclusive-create").code == 0
    assert dsm("set", "S", "new", "--value", "2", "--exclusive-create").code == 3
    assert dsm("get", "S", "new", "--json").json["value"] == 1


def test_over_the_value_limit_exits_2_naming_the_limit(
    dsm: Dsm, store_target: str, tmp_path: Path
) -> None:
    seed(store_target, [("S", "K", "small")])
    big = tmp_path / "big.json"
    big.write_text(json.dumps("x" * MAX_VALUE_LENGTH))  # the quotes make it 2 over
    result = dsm("set", "S", "K", "--file", str(big))
    assert result.code == 2
    assert "4,194,304" in result.stderr and "2 over" in result.stderr
    just_fits = tmp_path / "fits.json"
    just_fits.write_text(json.dumps("y" * (MAX_VALUE_LENGTH - 2)))
    assert dsm("set", "S", "K2", "--file", str(just_fits)).code == 0
    listed = dsm("keys", "list", "S", "--json").json["keys"]
    assert [k["key"] for k in listed] == ["K", "K2"]
    assert dsm("get", "S", "K", "--json").json["value"] == "small"


def test_invalid_json_says_where(dsm: Dsm) -> None:
    result = dsm("set", "S", "K", "--value", '{"a": 1,\n "b": }')
    assert result.code == 2 and "line 2, column 7" in result.stderr
    unquoted = dsm("set", "S", "K", "--value", "hello")
    assert unquoted.code == 2 and "must be quoted" in unquoted.stderr
    nan = dsm("set", "S", "K", "--value", "NaN")
    assert nan.code == 2 and "NaN" in nan.stderr
    assert dsm("get", "S", "K").code == 4  # nothing was created


def test_value_from_a_file_and_stdin(dsm: Dsm, tmp_path: Path) -> None:
    source = tmp_path / "v.json"
    source.write_text('{"from": "file"}')
    assert dsm("set", "S", "F", "--file", str(source)).code == 0
    assert dsm("set", "S", "I", "--file", "-", stdin="[1, 2]").code == 0
    assert dsm("get", "S", "F", "--json").json["value"] == {"from": "file"}
    assert dsm("get", "S", "I", "--json").json["value"] == [1, 2]


def test_usage_errors_exit_2(dsm: Dsm, tmp_path: Path) -> None:
    neither = dsm("set", "S", "K")
    assert neither.code == 2 and "--value" in neither.stderr
    missing_file = dsm("set", "S", "K", "--file", str(tmp_path / "missing.json"))
    assert missing_file.code == 2 and "missing.json" in missing_file.stderr
    conflict = dsm("set", "S", "K", "--value", "1", "--match-version", "v", "--exclusive-create")
    assert conflict.code == 2 and "not both" in conflict.stderr
    unknown = dsm("frobnicate", "--json")
    assert unknown.code == 2 and unknown.json["error"]["exitCode"] == 2
    assert dsm("get", "S").code == 2  # missing KEY
    long_key = dsm("set", "S", "k" * 51, "--value", "1")
    assert long_key.code == 2 and "at most 50" in long_key.stderr
    bad_ids = dsm("set", "S", "K", "--value", "1", "--user-ids", "1,abc")
    assert bad_ids.code == 2 and "'abc'" in bad_ids.stderr
    bad_attributes = dsm("set", "S", "K", "--value", "1", "--attributes", "[1]")
    assert bad_attributes.code == 2 and "JSON object" in bad_attributes.stderr
    assert dsm("get", "S", "K", "--as-of", "yesterday").code == 2


def test_not_found_exits_4(dsm: Dsm, store_target: str) -> None:
    no_file = dsm("get", "S", "K")
    assert no_file.code == 4 and "dsm demo" in no_file.stderr
    seed(store_target, [("S", "other", 1)])
    missing = dsm("get", "S", "K")
    assert missing.code == 4 and missing.stderr.startswith("error: ")
    assert dsm("get", "S", "other", "--version", "nope").code in (2, 4)


def test_no_target_or_a_bad_one_is_a_usage_error() -> None:
    result = run_dsm("stores", "list")
    assert result.code == 2
    assert "--target local:PATH" in result.stderr and "DSM_TARGET" in result.stderr
    bad = run_dsm("stores", "list", "--target", "ftp:x")
    assert bad.code == 2 and "Unknown target kind" in bad.stderr


def test_delete_keeps_history(dsm: Dsm, store_target: str) -> None:
    (first,) = seed(store_target, [("S", "K", 1)])
    deleted = dsm("delete", "S", "K", "--json")
    assert deleted.code == 0 and deleted.json["deleted"] is True
    assert dsm("get", "S", "K").code == 4
    history = dsm("versions", "S", "K", "--json").json["versions"]
    assert [v["deleted"] for v in history] == [False, True]
    assert dsm("get", "S", "K", "--version", first, "--json").json["value"] == 1
    listed = dsm("keys", "list", "S", "--include-deleted", "--json").json["keys"]
    assert listed == [{"scope": "global", "key": "K", "deleted": True}]


def test_delete_with_a_stale_version_exits_3(dsm: Dsm, store_target: str) -> None:
    stale, _ = seed(store_target, [("S", "K", 1), ("S", "K", 2)])
    assert dsm("delete", "S", "K", "--match-version", stale).code == 3
    assert dsm("get", "S", "K", "--json").json["value"] == 2


def test_rollback_writes_a_new_version_equal_to_the_old_one(dsm: Dsm, store_target: str) -> None:
    (old,) = seed(store_target, [("S", "K", {"coins": 10})], attributes={"v": 1}, user_ids=[7])
    seed(store_target, [("S", "K", {"coins": 20}), ("S", "K", {"coins": 30})], attributes={})
    before = dsm("versions", "S", "K", "--json").json["versions"]
    rolled = dsm("rollback", "S", "K", "--to", old, "--json")
    assert rolled.code == 0, rolled.stderr
    assert rolled.json["restoredFrom"] == old and rolled.json["version"] != old
    after = dsm("versions", "S", "K", "--json").json["versions"]
    assert after[:-1] == before  # history still holds every version, unchanged
    assert after[-1]["version"] == rolled.json["version"]
    latest = dsm("get", "S", "K", "--json").json
    assert latest["value"] == {"coins": 10}
    assert latest["attributes"] == {"v": 1} and latest["userIds"] == [7]
    stale = dsm("rollback", "S", "K", "--to", old, "--match-version", before[-1]["version"])
    assert stale.code == 3
    assert dsm("rollback", "S", "K", "--to", "no-such-version").code in (2, 4)


def test_versions_paging_and_order(dsm: Dsm, store_target: str) -> None:
    written = seed(store_target, [("S", "K", n) for n in range(5)])
    everything = dsm("versions", "S", "K", "--json").json
    assert set(everything) == {"store", "scope", "key", "versions", "nextCursor"}
    assert [v["version"] for v in everything["versions"]] == written
    newest_first = dsm("versions", "S", "K", "--descending", "--json").json["versions"]
    assert newest_first == everything["versions"][::-1]
    page = dsm("versions", "S", "K", "--limit", "2", "--json").json
    assert page["versions"] == everything["versions"][:2] and page["nextCursor"]
    rest = dsm("versions", "S", "K", "--cursor", page["nextCursor"], "--json").json
    assert rest["versions"] == everything["versions"][2:]


def test_increment(dsm: Dsm, store_target: str) -> None:
    created = dsm("increment", "Counters", "visits", "--by", "5", "--json")
    assert created.code == 0, created.stderr
    assert created.json["value"] == 5 and set(created.json) == ENTRY_FIELDS
    assert dsm("increment", "Counters", "visits", "--by", "-2", "--json").json["value"] == 3
    seed(store_target, [("Counters", "name", "text")])
    assert dsm("increment", "Counters", "name", "--by", "1").code == 2
    assert dsm("increment", "Counters", "visits", "--by", "x").code == 2
