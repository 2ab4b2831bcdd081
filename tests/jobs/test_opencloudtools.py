"""``dsm opencloudtools import|export`` against files built with OpenCloudTools' own SQL.

The fixture file is made with the CREATE TABLE statements of OpenCloudTools'
``src/sqlite_wrapper.cpp`` (copied here verbatim, independently of the module under test) and
rows encoded as its ``write_details`` encodes them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from datastore_manager.backends.local import LocalBackend
from datastore_manager.cli.exit_codes import ExitCode
from datastore_manager.model import EntryNotFound, limits
from datastore_manager.model.values import EncodedValue
from datastore_manager.services.interop.opencloudtools_jobs import (
    ImportFileOptions,
    OpenCloudToolsImportJob,
)
from datastore_manager.services.jobs.base import JobCancelled
from datastore_manager.services.jobs.restore import RestoreOptions
from support.emulator import running_emulator

from .conftest import contents, dsm, versions_per_key

#: OpenCloudTools v2023.03.25.0 … v2025.04.11.0, SqliteDatastoreWrapper::new_from_path.
OCT_SQL = (
    "CREATE TABLE datastore (universe_id INTEGER NOT NULL, datastore_name TEXT NOT NULL, scope TEXT NOT NULL, key_name TEXT NOT NULL, version TEXT NOT NULL, data_type TEXT NOT NULL, data_raw TEXT NOT NULL, data_str TEXT, data_num REAL, data_bool INTEGER, userids TEXT, attributes TEXT, PRIMARY KEY (universe_id, datastore_name, scope, key_name))",  # noqa: E501
    "CREATE TABLE datastore_deleted (universe_id INTEGER NOT NULL, datastore_name TEXT NOT NULL, scope TEXT NOT NULL, key_name TEXT NOT NULL, PRIMARY KEY (universe_id, datastore_name, scope, key_name))",  # noqa: E501
    "CREATE TABLE datastore_enumerate (universe_id INTEGER NOT NULL, datastore_name TEXT NOT NULL, next_cursor TEXT, PRIMARY KEY (universe_id, datastore_name))",  # noqa: E501
    "CREATE TABLE datastore_enumerate_meta (universe_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (universe_id, key))",  # noqa: E501
    "CREATE TABLE datastore_pending (id INTEGER PRIMARY KEY, universe_id INTEGER NOT NULL, datastore_name TEXT NOT NULL, scope TEXT NOT NULL, key_name TEXT NOT NULL)",  # noqa: E501
)
#: OpenCloudTools' is_correct_schema(): (cid, name, declared type) of every column, in order.
OCT_COLUMNS = {
    "datastore": [
        ("universe_id", "INTEGER"), ("datastore_name", "TEXT"), ("scope", "TEXT"),
        ("key_name", "TEXT"), ("version", "TEXT"), ("data_type", "TEXT"), ("data_raw", "TEXT"),
        ("data_str", "TEXT"), ("data_num", "REAL"), ("data_bool", "INTEGER"),
        ("userids", "TEXT"), ("attributes", "TEXT"),
    ],
    "datastore_deleted": [
        ("universe_id", "INTEGER"), ("datastore_name", "TEXT"), ("scope", "TEXT"),
        ("key_name", "TEXT"),
    ],
    "datastore_enumerate": [
        ("universe_id", "INTEGER"), ("datastore_name", "TEXT"), ("next_cursor", "TEXT"),
    ],
    "datastore_enumerate_meta": [("universe_id", "INTEGER"), ("key", "TEXT"), ("value", "TEXT")],
    "datastore_pending": [
        ("id", "INTEGER"), ("universe_id", "INTEGER"), ("datastore_name", "TEXT"),
        ("scope", "TEXT"), ("key_name", "TEXT"),
    ],
}  # fmt: skip
#: OpenCloudTools' SqliteDatastoreReader::read_all (its bulk upload).
OCT_READ_ALL = (
    "SELECT universe_id, datastore_name, scope, key_name, version, data_type, data_raw, data_str, "
    "data_num, data_bool, userids, attributes FROM datastore;"
)
UNIVERSE = 5_550_001
VERSION = "08DC1B5C4E6F0E27.0000000003.08DC1B5C4E6F0E27.01"
API_KEY = "oct-test-key"
FAST_LIMITS = {
    "requests_per_minute": {
        f"{kind}.{operation}": 60_000
        for kind in ("standard", "ordered")
        for operation in ("read", "write", "list", "remove")
    }
}

Row = tuple[Any, ...]


def oct_row(
    store: str,
    scope: str,
    key: str,
    raw: str,
    userids: str | None = "[]",
    attributes: str | None = "{}",
    universe: int = UNIVERSE,
) -> Row:
    """A row as OpenCloudTools' write_details() encodes a downloaded entry."""
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = ...
    if isinstance(value, dict | list):
        kind, text, number, flag = "Table (Json)", None, None, None
    elif isinstance(value, str):
        kind, text, number, flag = "String", value, None, None
    elif isinstance(value, bool):
        kind, text, number, flag = "Bool", None, None, int(value)
    elif isinstance(value, int | float):
        kind, text, number, flag = "Number", None, float(value), None
    else:
        kind, text, number, flag = "Error", None, None, None
    return (
        universe,
        store,
        scope,
        key,
        VERSION,
        kind,
        raw,
        text,
        number,
        flag,
        userids,
        attributes,
    )


#: Valid rows: what each becomes in the target (value, attributes, user ids).
GOOD: dict[Row, tuple[Any, dict[str, Any], tuple[int, ...]]] = {
    oct_row(
        "PlayerData", "global", "Player_1001",
        '{"Coins":50,"Name":"Zoë ✓ 名前","Items":["Sword",{"Id":7}]}',
        "[1001]", '{"SessionLock":"srv-1"}',
    ): ({"Coins": 50, "Name": "Zoë ✓ 名前", "Items": ["Sword", {"Id": 7}]},
        {"SessionLock": "srv-1"}, (1001,)),
    oct_row("Player Data 2", "season 1", "clé é 🙂", '{ "a" : [1, 2] , "b": null }',
            "[1, 2, 3]", '{ "Edited": true }'):
        ({"a": [1, 2], "b": None}, {"Edited": True}, (1, 2, 3)),
    oct_row("Settings", "global", "Motd", '"Hello \\"world\\" — ünï"'):
        ('Hello "world" — ünï', {}, ()),
    oct_row("Settings", "global", "Multiplier", "42.5", None, None): (42.5, {}, ()),
    oct_row("Settings", "global", "BigInt", "9007199254740993"): (9007199254740993, {}, ()),
    oct_row("Settings", "global", "Enabled", "true", "", ""): (True, {}, ()),
    oct_row("Settings", "other scope", "Empty", "{}"): ({}, {}, ()),
    oct_row("Settings", "global", "Nothing", "null"): (None, {}, ()),
}  # fmt: skip
#: Invalid rows: reported and skipped, with a word of the reason.
BAD: dict[Row, str] = {
    oct_row("PlayerData", "global", "Broken", '{"Coins": 5'): "JSON is invalid",
    oct_row("PlayerData", "global", "Huge", json.dumps("x" * limits.MAX_VALUE_LENGTH)): "limit",
    oct_row("PlayerData", "global", "TooManyUsers", "1", "[1,2,3,4,5]"): "user ids",
    oct_row("PlayerData", "global", "K" * 51, "1"): "key",
    oct_row("PlayerData", "global", "BadAttributes", "1", "[]", "[1]"): "attributes",
}  # fmt: skip


def make_oct_file(
    path: Path,
    rows: list[Row],
    *,
    deleted: Sequence[tuple[str, str, str]] = (),
    pending: Sequence[tuple[str, str, str]] = (),
    universe: int = UNIVERSE,
) -> Path:
    """An OpenCloudTools bulk download, made with its SQL (a finished download unless pending)."""
    with sqlite3.connect(path) as db:
        for statement in OCT_SQL:
            db.execute(statement)
        db.execute(
            "INSERT INTO datastore_enumerate_meta VALUES (?, 'search_scope', ''), "
            "(?, 'search_key_prefix', '')",
            (universe, universe),
        )
        db.executemany("INSERT INTO datastore VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.executemany(
            "INSERT INTO datastore_deleted VALUES (?,?,?,?)", [(universe, *d) for d in deleted]
        )
        db.executemany(
            "INSERT INTO datastore_pending (universe_id, datastore_name, scope, key_name) "
            "VALUES (?,?,?,?)",
            [(universe, *p) for p in pending],
        )
    db.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def oct_schema_ok(path: Path) -> bool:
    """OpenCloudTools' is_correct_schema(): every table, every column at its cid, no extras."""
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
        for table, columns in OCT_COLUMNS.items():
            found = [(r[1], r[2]) for r in db.execute(f"PRAGMA table_info({table})")]
            if found != columns:
                return False
    return True


def export_rows(path: Path) -> Iterator[Row]:
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
        yield from db.execute(OCT_READ_ALL).fetchall()


@pytest.fixture
def oct_file(tmp_path: Path) -> Path:
    return make_oct_file(
        tmp_path / "my download ✓.sqlite3",
        [*GOOD, *BAD],
        deleted=[("PlayerData", "global", "Player_Gone")],
    )


async def test_import_writes_every_valid_row_with_its_metadata_and_reports_the_rest(
    tmp_path: Path, env: dict[str, str], oct_file: Path
) -> None:
    empty, before = tmp_path / "empty.db", digest(oct_file)

    done = dsm(env, "opencloudtools", "import", str(oct_file), "--target", f"local:{empty}")

    assert digest(oct_file) == before  # the input is never modified
    assert done["counts"]["new"] == done["counts"]["written"] == len(GOOD)
    assert done["counts"]["skippedInvalid"] == len(BAD)
    assert done["universe"] == UNIVERSE and done["deletedInFile"] == 1
    reasons = {row["entry"].rsplit("/", 1)[1]: row["reason"] for row in done["skipped"]}
    for row, word in BAD.items():
        assert word in reasons[row[3]], reasons[row[3]]
    async with LocalBackend(empty) as target:
        for row, (value, attributes, user_ids) in GOOD.items():
            entry = await target.get_entry(row[1], row[3], scope=row[2])
            assert entry.value == value and type(entry.value) is type(value)
            assert entry.attributes == attributes and entry.user_ids == user_ids
            assert entry.content_md5 == EncodedValue.from_value(value).md5
        for row in BAD:
            with pytest.raises(EntryNotFound):
                await target.get_entry(row[1], row[3][:50], scope=row[2])
        with pytest.raises(EntryNotFound):  # a deletion OCT recorded is not a write
            await target.get_entry("PlayerData", "Player_Gone")

    # Exported again, every column is what OpenCloudTools itself wrote for the same entry.
    out = tmp_path / "again.sqlite3"
    dsm(env, "opencloudtools", "export", "--target", f"local:{empty}", "--out", str(out),
        "--universe-id", str(UNIVERSE))  # fmt: skip
    assert oct_schema_ok(out)
    by_key = {(r[1], r[2], r[3]): r for r in export_rows(out)}
    assert len(by_key) == len(GOOD)
    for row, (value, attributes, user_ids) in GOOD.items():
        got = by_key[(row[1], row[2], row[3])]
        assert got[0] == UNIVERSE and got[5:6] + got[7:10] == row[5:6] + row[7:10]
        assert got[6] == EncodedValue.from_value(value).text  # compact JSON, as Roblox stores it
        assert json.loads(got[10]) == list(user_ids) and json.loads(got[11]) == attributes


async def test_demo_exported_then_imported_into_an_empty_store_is_md5_identical(
    tmp_path: Path, env: dict[str, str]
) -> None:
    demo, out, empty = tmp_path / "demo.db", tmp_path / "demo export.sqlite3", tmp_path / "e.db"
    dsm(env, "demo", str(demo))

    exported = dsm(env, "opencloudtools", "export", "--target", f"local:{demo}", "--out", str(out))
    imported = dsm(env, "opencloudtools", "import", str(out), "--target", f"local:{empty}")

    async with LocalBackend(demo) as source, LocalBackend(empty) as target:
        expected = {k: v for k, v in (await contents(source)).items() if ":" not in k}
        actual = await contents(target)
    assert len(expected) > 300 and actual == expected  # md5, content-md5, attributes, user ids
    assert exported["counts"]["processed"] == imported["counts"]["written"] == len(expected)
    assert oct_schema_ok(out)
    with sqlite3.connect(out) as db:  # a finished download: nothing for OCT to resume
        assert db.execute("SELECT count(*) FROM datastore_pending").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM datastore_enumerate").fetchone()[0] == 0
    db.close()
    assert {r[0] for r in export_rows(out)} == {0}  # a local target has no universe id
    refused = dsm(env, "opencloudtools", "export", "--target", f"local:{demo}", "--out", str(out),
                  check=False)  # fmt: skip
    assert refused["_exit"] == ExitCode.BAD_INPUT and "exists" in refused["error"]["message"]


async def test_dry_run_changes_nothing_and_conflicts_are_skipped_and_reported(
    tmp_path: Path, env: dict[str, str], oct_file: Path
) -> None:
    store = tmp_path / "game.db"
    target = f"local:{store}"
    dsm(env, "set", "PlayerData", "Player_1001", "--value", '{"Coins": 999}', "--target", target)
    before = digest(store)

    plan = dsm(env, "opencloudtools", "import", str(oct_file), "--target", target, "--dry-run",
               "--diff", "2")  # fmt: skip
    assert digest(store) == before
    assert plan["counts"]["conflicting"] == 1 and plan["counts"]["new"] == len(GOOD) - 1
    assert plan["counts"].get("written", 0) == 0 and plan["dryRun"] is True

    done = dsm(env, "opencloudtools", "import", str(oct_file), "--target", target)
    assert done["counts"]["skippedConflicts"] == 1 and done["counts"]["written"] == len(GOOD) - 1
    assert done["conflicts"] == ["PlayerData/global/Player_1001"]
    got = dsm(env, "get", "PlayerData", "Player_1001", "--target", target)
    assert got["value"] == {"Coins": 999}  # the newer target entry was left alone

    # Said when the download ran (after the target's write), the entry is merely "changed".
    later = dsm(env, "opencloudtools", "import", str(oct_file), "--target", target,
                "--captured-at", "2999-01-01T00:00:00Z")  # fmt: skip
    assert later["counts"]["changed"] == later["counts"]["written"] == 1
    assert later["counts"]["unchanged"] == len(GOOD) - 1
    got = dsm(env, "get", "PlayerData", "Player_1001", "--target", target)
    assert got["value"]["Coins"] == 50
    assert versions_per_key(store)["PlayerData/global/Player_1001"] == 2  # history kept


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"SQLite format 3\x00" + b"\x07" * 600, "not an SQLite file"),
        ("CREATE TABLE notes (id INTEGER, body TEXT)", "no table 'datastore'"),
        ("CREATE TABLE datastore (universe_id INTEGER, datastore_name TEXT, scope TEXT, "
         "key_name TEXT, data_raw TEXT)", "lacks column(s) version, userids, attributes"),
        ("pending", "unfinished OpenCloudTools download"),
        ("two universes", "--universe"),
    ],
)  # fmt: skip
async def test_a_corrupt_foreign_or_unfinished_file_is_refused_and_nothing_is_written(
    tmp_path: Path, env: dict[str, str], content: bytes | str, words: str
) -> None:
    bad = tmp_path / "bad.sqlite3"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    elif content == "pending":
        make_oct_file(bad, list(GOOD), pending=[("PlayerData", "global", "Player_2002")])
    elif content == "two universes":
        make_oct_file(bad, [*GOOD, oct_row("S", "global", "k", "1", universe=77)])
    else:
        with sqlite3.connect(bad) as db:
            db.execute(content)
        db.close()
    before, missing = digest(bad), tmp_path / "never.db"

    refused = dsm(env, "opencloudtools", "import", str(bad), "--target", f"local:{missing}",
                  check=False)  # fmt: skip

    assert refused["_exit"] == ExitCode.BAD_INPUT
    message = refused["error"]["message"]
    assert words in message and "Nothing was imported" in message
    assert not missing.exists() and digest(bad) == before
    if content == "pending":  # an unfinished download imports what it has when asked
        done = dsm(env, "opencloudtools", "import", str(bad), "--target", f"local:{missing}",
                   "--allow-incomplete")  # fmt: skip
        assert done["counts"]["written"] == len(GOOD)


async def test_old_files_with_an_id_column_and_extra_columns_import(tmp_path: Path) -> None:
    """v2022.06.26.0 - v2023.03.03.0 had ``id INTEGER PRIMARY KEY`` and only this table."""
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as db:
        db.execute(
            "CREATE TABLE datastore (id INTEGER PRIMARY KEY, universe_id INTEGER NOT NULL, "
            "datastore_name TEXT NOT NULL, scope TEXT NOT NULL, key_name TEXT NOT NULL, version "
            "TEXT NOT NULL, data_type TEXT NOT NULL, data_raw TEXT NOT NULL, data_str TEXT, "
            "data_num REAL, data_bool INTEGER, userids TEXT, attributes TEXT, my_note TEXT)"
        )
        db.executemany(
            "INSERT INTO datastore (universe_id, datastore_name, scope, key_name, version, "
            "data_type, data_raw, data_str, data_num, data_bool, userids, attributes, my_note) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'extra')",
            list(GOOD),
        )
    db.close()
    store = tmp_path / "t.db"
    async with LocalBackend(store) as backend:
        job = OpenCloudToolsImportJob(
            backend, f"local:{store}", RestoreOptions(archive=old, batch=3, workers=1)
        )
        job.cancel()  # stops at the first checkpoint (after one batch of 3)
        with pytest.raises(JobCancelled):
            await job.run()
        resumed = OpenCloudToolsImportJob(
            backend, f"local:{store}", RestoreOptions(archive=old, batch=3, resume=True),
            ImportFileOptions(universe_id=UNIVERSE),
        )  # fmt: skip
        summary = await resumed.run()
        assert summary.counts["written"] == len(GOOD)  # 3 before the cancel, the rest after
        assert summary.counts["processed"] == len(GOOD)
        found = await contents(backend)
    assert len(found) == len(GOOD)
    assert set(versions_per_key(store).values()) == {1}  # nothing written twice


async def test_import_into_an_opencloud_target_through_the_emulator(
    tmp_path: Path, env: dict[str, str], oct_file: Path
) -> None:
    folder = tmp_path / "cloud"
    folder.mkdir()
    with running_emulator(folder, api_keys=[f"{API_KEY}=*"], rate_limits=FAST_LIMITS) as url:
        cloud = {**env, "ROBLOX_API_KEY": API_KEY, "DSM_CACHE_DIR": "off"}
        at = ["--base-url", url]
        target = f"opencloud:{UNIVERSE}"
        done = dsm(cloud, *at, "opencloudtools", "import", str(oct_file), "--target", target)
        out = tmp_path / "from cloud.sqlite3"
        dsm(cloud, *at, "opencloudtools", "export", "--target", target, "--out", str(out),
            "--stores", "Settings", "--scope", "global")  # fmt: skip

    assert done["counts"]["written"] == len(GOOD) and done["counts"]["skippedInvalid"] == len(BAD)
    async with LocalBackend(folder / f"universe-{UNIVERSE}.db") as cloud_store:
        for row, (value, attributes, user_ids) in GOOD.items():
            entry = await cloud_store.get_entry(row[1], row[3], scope=row[2])
            assert (entry.value, entry.attributes, entry.user_ids) == (value, attributes, user_ids)
    rows = list(export_rows(out))
    assert {r[0] for r in rows} == {UNIVERSE}  # the opencloud target's universe id
    assert sorted(r[3] for r in rows) == ["BigInt", "Enabled", "Motd", "Multiplier", "Nothing"]
