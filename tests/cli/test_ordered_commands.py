"""``dsm ordered list|get|set|increment|delete`` through the real ``dsm``."""

from __future__ import annotations

from .conftest import Dsm


def test_ordered_set_get_increment_delete(dsm: Dsm) -> None:
    created = dsm("ordered", "set", "Wins", "p1", "--value", "10", "--json")
    assert created.code == 0, created.stderr
    assert created.json == {"store": "Wins", "scope": "global", "key": "p1", "value": 10}
    assert dsm("ordered", "get", "Wins", "p1", "--json").json["value"] == 10
    assert dsm("ordered", "increment", "Wins", "p1", "--by", "-3", "--json").json["value"] == 7
    assert dsm("ordered", "set", "Wins", "p1", "--value", "1", "--exclusive-create").code == 3
    assert dsm("ordered", "set", "Wins", "p2", "--value", "1", "--must-exist").code == 4
    assert dsm("ordered", "set", "Wins", "p2", "--value", "1.5").code == 2
    deleted = dsm("ordered", "delete", "Wins", "p1", "--json")
    assert deleted.json == {"store": "Wins", "scope": "global", "key": "p1", "deleted": True}
    assert dsm("ordered", "get", "Wins", "p1").code == 4
    assert dsm("ordered", "delete", "Wins", "p1").code == 4


def test_ordered_list_sorted_with_paging(dsm: Dsm) -> None:
    for key, value in (("a", 5), ("b", 1), ("c", 9), ("d", 5)):
        dsm("ordered", "set", "Wins", key, "--value", str(value))
    ascending = dsm("ordered", "list", "Wins", "--json").json
    assert [(e["key"], e["value"]) for e in ascending["entries"]] == [
        ("b", 1),
        ("a", 5),
        ("d", 5),
        ("c", 9),
    ]
    first = dsm("ordered", "list", "Wins", "--descending", "--limit", "2", "--json").json
    assert [e["key"] for e in first["entries"]] == ["c", "a"] or [
        e["key"] for e in first["entries"]
    ] == ["c", "d"]
    rest = dsm(
        "ordered", "list", "Wins", "--descending", "--cursor", first["nextCursor"], "--json"
    ).json
    keys = [e["key"] for e in first["entries"] + rest["entries"]]
    assert sorted(keys) == ["a", "b", "c", "d"] and keys[-1] == "b"
    bad_range = dsm("ordered", "list", "Wins", "--min", "5", "--max", "1")
    assert bad_range.code == 2
