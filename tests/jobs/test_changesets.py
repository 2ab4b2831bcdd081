"""``dsm pull`` → edit → ``dsm plan`` → ``dsm apply`` on real local stores (and one run through
the faulty emulator). ``dsm`` runs in-process (``cli.main.main``) against a temp workspace, so
these tests stay fast; the emulator test runs the real console script like its neighbours.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from datastore_manager.archive import ArchiveReader
from datastore_manager.backends import open_backend
from datastore_manager.backends.local.engine import LocalEngine
from datastore_manager.cli.main import main
from datastore_manager.model import EntryNotFound, EntryWrite
from datastore_manager.services import entries
from datastore_manager.services.changesets import layout
from datastore_manager.services.changesets.apply import ApplyJob, ApplyOptions
from datastore_manager.services.guard import WriteIntent, write_intent
from support.emulator import running_emulator

from .conftest import dsm, versions_per_key

#: Names that must survive file names: separators, percent signs, spaces, unicode, dots.
ODD_KEYS = ["a/b", "100% done", "two  spaces", "名前 é", "..", ".dsm", "x:y"]
REASON = "ticket-42: compensate coins"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Space:
    root: Path
    capsys: pytest.CaptureFixture[str]

    @property
    def db(self) -> Path:
        return self.root / "game.db"

    @property
    def target(self) -> str:
        return f"local:{self.db}"

    @property
    def changes(self) -> Path:
        return self.root / "changes"

    def dsm(self, *args: str) -> Run:
        self.capsys.readouterr()
        code = main([*args, "--json"])
        out, err = self.capsys.readouterr()
        return Run(code, out, err)

    def seed(self, rows: dict[str, Any], store: str = "Players") -> None:
        engine = LocalEngine(self.db)
        try:
            engine.set_entries(
                [
                    EntryWrite(store, key, value, attributes={"tag": "x"}, user_ids=(7,))
                    for key, value in rows.items()
                ]
            )
        finally:
            engine.close()

    def file(self, key: str, store: str = "Players", scope: str = "global") -> Path:
        return self.changes / layout.relative_path(store, scope, key)

    def edit(self, key: str, value: Any) -> None:
        self.file(key).write_text(json.dumps(value), encoding="utf-8")

    def live(self, key: str, store: str = "Players") -> Any:
        async def read() -> Any:
            async with open_backend(self.target) as backend:
                return (await entries.read_entry(backend, store, key)).value

        return asyncio.run(read())

    def dump(self) -> list[str]:
        with sqlite3.connect(self.db) as connection:
            return list(connection.iterdump())

    def audit(self) -> list[dict[str, Any]]:
        log = self.root / "audit" / "workspace.jsonl"
        return [json.loads(line) for line in log.read_text("utf-8").splitlines()]

    def configure(self, document: dict[str, Any]) -> None:
        (self.root / ".datastore-manager.json").write_text(json.dumps(document), "utf-8")


@pytest.fixture
def space(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Space]:
    for name in list(os.environ):
        if name.startswith(("DSM_", "ROBLOX_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DSM_AUDIT_DIR", str(tmp_path / "audit"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    result = Space(tmp_path, capsys)
    result.seed({key: {"coins": i, "bag": [i]} for i, key in enumerate(["p1", "p2", *ODD_KEYS])})
    yield result


def pull(space: Space, *keys: str) -> Run:
    done = space.dsm("pull", "Players", *keys, "--to", str(space.changes), "--target", space.target)
    assert done.code == 0, done.err
    return done


def test_round_trip_with_odd_names_backup_audit_and_idempotent_second_apply(space: Space) -> None:
    pull(space, "p1", "p2", *ODD_KEYS)
    # Every name maps to its own ASCII file and back; files are pretty-printed, newline-ended.
    files = sorted(layout.entry_files(space.changes))
    assert len(files) == 2 + len(ODD_KEYS)
    assert {layout.names_of(f)[2] for f in files} == {"p1", "p2", *ODD_KEYS}
    assert all(part.isascii() and not part.startswith(".") for f in files for part in f.split("/"))
    assert space.file("a/b").read_text("utf-8") == '{\n  "coins": 2,\n  "bag": [\n    2\n  ]\n}\n'
    before = {key: space.live(key) for key in ("p1", "a/b", "名前 é")}

    for key in ("p1", "a/b", "名前 é"):
        space.edit(key, {"coins": 1000, "bag": []})
    (space.changes / layout.relative_path("Players", "global", "new one/√")).write_text("5")

    plan = space.dsm("plan", str(space.changes))
    assert plan.code == 0, plan.err
    statuses = {e["key"]: e["status"] for e in plan.json["entries"]}
    edited = {"p1": "modified", "a/b": "modified", "名前 é": "modified", "new one/√": "new"}
    untouched = {"p2", *ODD_KEYS} - set(edited)
    assert statuses == edited | {key: "unchanged" for key in untouched}

    archive = space.root / "pre-apply.dsm"
    done = space.dsm(
        "apply", str(space.changes), "--yes", "--reason", REASON, "--backup-to", str(archive)
    )
    assert done.code == 0, done.err
    assert done.json["counts"]["written"] == 4 and done.json["backup"] == str(archive)
    for key in ("p1", "a/b", "名前 é"):
        assert space.live(key) == {"coins": 1000, "bag": []}
    assert space.live("new one/√") == 5

    # The backup holds exactly the overwritten entries at their pre-apply values and metadata.
    reader = ArchiveReader(archive)
    try:
        backed = {e.key: (e.value, e.attributes, e.user_ids) for e in reader.entries()}
    finally:
        reader.close()
    assert backed == {key: (value, {"tag": "x"}, (7,)) for key, value in before.items()}

    # Metadata kept; every write audited with the reason, the job and both versions.
    records = [r for r in space.audit() if r.get("operation") == "set"]
    assert len(records) == 4
    assert {r["reason"] for r in records} == {REASON}
    assert len({r["job"] for r in records}) == 1
    pulled = json.loads(layout.sidecar_path(space.changes).read_text("utf-8"))["entries"]
    by_key = {r["key"]: r for r in records}
    assert by_key["new one/√"]["versionBefore"] is None
    for key in ("p1", "a/b", "名前 é"):
        assert (
            by_key[key]["versionAfter"]
            == pulled[layout.relative_path("Players", "global", key)]["version"]
        )
        assert by_key[key]["versionBefore"] != by_key[key]["versionAfter"]
    start = [r for r in space.audit() if r.get("operation") == "job.start"]
    assert start[-1]["reason"] == REASON and start[-1]["jobKind"] == "changeset-apply"

    # Second plan: everything unchanged; second apply writes nothing, backs up nothing.
    reused = space.dsm(
        "apply", str(space.changes), "--yes", "--reason", REASON, "--backup-to", str(archive)
    )
    assert reused.code == 2 and "never overwritten" in reused.err
    again = space.dsm("plan", str(space.changes))
    assert again.code == 0 and set(again.json["counts"]) == {"unchanged"}
    dump = space.dump()
    second = space.dsm("apply", str(space.changes), "--yes", "--reason", REASON)
    assert second.code == 0, second.err
    assert second.json["counts"]["written"] == 0 and second.json["backup"] is None
    assert space.dump() == dump

    # The backup undoes the apply (restore needs overwrite: the apply is newer than it).
    undo = space.dsm(
        "restore", str(archive), "--target", space.target, "--on-conflict", "overwrite", "--quiet"
    )
    assert undo.code == 0, undo.err
    assert {key: space.live(key) for key in before} == before


def test_plan_changes_nothing_and_deletes_need_allow_deletes(space: Space) -> None:
    pull(space, "p1", "p2")
    space.edit("p1", {"coins": 5})
    space.file("p2").unlink()
    (space.changes / "Players" / "global" / "fresh.json").write_text("[1]")
    dump = space.dump()
    plan = space.dsm("plan", str(space.changes), "--diff")
    assert plan.code == 0, plan.err
    statuses = {e["key"]: e["status"] for e in plan.json["entries"]}
    assert statuses == {"p1": "modified", "p2": "deleted-locally", "fresh": "new"}
    assert '+  "coins": 5' in next(e for e in plan.json["entries"] if e["key"] == "p1")["diff"]
    plan = space.dsm("plan", str(space.changes), "--allow-deletes")
    assert {e["key"]: e["status"] for e in plan.json["entries"]}["p2"] == "delete"
    assert space.dump() == dump  # no write, no new version, not even of metadata

    space.configure({"backups": {"folder": "kept"}})  # relative to the workspace config
    applied = space.dsm("apply", str(space.changes), "--yes", "--reason", REASON)
    assert applied.code == 0 and applied.json["counts"]["written"] == 2  # p1 and fresh, not p2
    assert space.live("p2") == {"coins": 1, "bag": [1]}
    applied = space.dsm("apply", str(space.changes), "--yes", "--reason", REASON, "--allow-deletes")
    assert applied.code == 0 and applied.json["counts"]["written"] == 1
    backups = sorted((space.root / "kept").glob("apply-*.dsm"))
    assert len(backups) == 2 and backups[-1] == Path(applied.json["backup"])  # one per apply
    reader = ArchiveReader(backups[-1])  # the delete's backup: p2 as it was
    try:
        assert [(e.key, e.value) for e in reader.entries()] == [("p2", {"coins": 1, "bag": [1]})]
        assert reader.manifest["changeset"]["reason"] == REASON
    finally:
        reader.close()
    with pytest.raises(EntryNotFound):
        space.live("p2")
    assert space.dsm("plan", str(space.changes)).json["counts"] == {"unchanged": 2}


def test_remote_change_after_pull_is_a_conflict_and_apply_writes_nothing(space: Space) -> None:
    pull(space, "p1", "p2")
    space.edit("p1", {"coins": 111})
    space.edit("p2", {"coins": 222})
    space.seed({"p1": {"coins": -1}})  # a game server saved p1 after the pull

    plan = space.dsm("plan", str(space.changes))
    assert plan.code == 3
    statuses = {e["key"]: e["status"] for e in plan.json["entries"]}
    assert statuses == {"p1": "conflict", "p2": "modified"}
    dump = space.dump()
    refused = space.dsm("apply", str(space.changes), "--yes", "--reason", REASON)
    assert refused.code == 3
    assert "Players/global/p1.json: changed remotely since the pull" in refused.err
    assert space.dump() == dump  # all-or-nothing at plan time: p2 was not written either
    assert list((space.changes / ".dsm").glob("backups/*")) == []


def test_a_write_that_loses_a_race_during_apply_stops_only_that_key(space: Space) -> None:
    pull(space, "p1", "p2")
    space.edit("p1", {"coins": 111})
    space.edit("p2", {"coins": 222})

    async def apply() -> dict[str, Any]:
        async with open_backend(space.target) as backend:
            job = ApplyJob(backend, space.target, space.target, ApplyOptions(space.changes))

            saved: list[bool] = []

            def game_saves_p1(event: Any) -> None:  # between the plan and the writes
                if event.phase == "applying" and not saved:
                    space.seed({"p1": {"coins": -1}})
                    saved.append(True)

            job.subscribe(game_saves_p1)
            with write_intent(WriteIntent(reason=REASON)):
                return (await job.run()).to_dict()

    summary = asyncio.run(apply())
    outcomes = {e["path"]: e["outcome"] for e in summary["entries"]}
    assert outcomes == {"Players/global/p1.json": "conflict", "Players/global/p2.json": "written"}
    assert space.live("p1") == {"coins": -1} and space.live("p2") == {"coins": 222}
    statuses = {
        e["key"]: e["status"] for e in space.dsm("plan", str(space.changes)).json["entries"]
    }
    assert statuses == {"p1": "conflict", "p2": "unchanged"}


def test_invalid_files_refuse_apply_naming_file_and_problem(space: Space) -> None:
    space.configure(
        {
            "schemas": [
                {
                    "fileMatch": ["*/Players/*/*"],
                    "schema": {"type": "object", "properties": {"coins": {"type": "integer"}}},
                }
            ]
        }
    )
    pull(space, "p1", "p2")
    space.file("p1").write_text('{"coins": 1,', encoding="utf-8")
    space.edit("p2", {"coins": "lots"})
    dump = space.dump()
    plan = space.dsm("plan", str(space.changes))
    assert plan.code == 2
    details = {e["key"]: (e["status"], e["detail"]) for e in plan.json["entries"]}
    assert details["p1"][0] == details["p2"][0] == "invalid"
    assert "not valid JSON" in details["p1"][1] and "line 1" in details["p1"][1]
    assert "/coins: Expected integer, got string" in details["p2"][1]

    refused = space.dsm("apply", str(space.changes), "--yes", "--reason", REASON)
    assert refused.code == 2
    assert "Players/global/p1.json: not valid JSON" in refused.err
    assert "Players/global/p2.json: fails schema" in refused.err
    assert space.dump() == dump


def test_pull_refreshes_untouched_files_and_never_overwrites_local_edits(space: Space) -> None:
    pull(space, "p1", "p2")
    space.edit("p1", {"coins": 9})
    space.seed({"p1": {"coins": 50}, "p2": {"coins": 60}})
    plan = space.dsm("plan", str(space.changes))  # reads only what was edited locally
    assert {e["key"]: e["status"] for e in plan.json["entries"]} == {
        "p1": "conflict",
        "p2": "unchanged",
    }
    plan = space.dsm("plan", str(space.changes), "--check-unchanged")
    assert {e["key"]: e["status"] for e in plan.json["entries"]}["p2"] == "remote-changed"
    refused = space.dsm("pull", "Players", "p1", "p2", "--to", str(space.changes))
    assert refused.code == 2 and "Players/global/p1.json" in refused.err
    assert json.loads(space.file("p2").read_text("utf-8")) == {"coins": 1, "bag": [1]}  # untouched

    space.file("p1").write_text(layout.entry_text({"coins": 0, "bag": [0]}), "utf-8")  # undo edit
    assert pull(space, "p1", "p2").json["counts"]["refreshed"] == 2
    assert json.loads(space.file("p2").read_text("utf-8")) == {"coins": 60}
    space.edit("p1", {"coins": 9})
    forced = space.dsm("pull", "Players", "p1", "--to", str(space.changes), "--force")
    assert forced.code == 0 and json.loads(space.file("p1").read_text("utf-8")) == {"coins": 50}

    other = str(space.root / "other")
    missing = space.dsm("pull", "Players", "nope", "--to", other, "--target", space.target)
    assert missing.code == 4 and "Players/global/nope not found" in missing.err
    assert not (space.root / "other").exists()


def test_pull_prefix_and_all(space: Space) -> None:
    space.seed({"k": 1}, store="Other")
    done = space.dsm(
        "pull", "Players", "--prefix", "p", "--to", str(space.changes), "--target", space.target
    )
    assert done.code == 0 and sorted(layout.entry_files(space.changes)) == [
        "Players/global/p1.json",
        "Players/global/p2.json",
    ]
    # A file named by hand (not percent-encoded) is a new entry; a second file for the same
    # entry is refused; after apply, pulls keep using the hand-made name.
    folder = space.changes / "Players" / "global"
    (folder / "hand made é.json").write_text('{"coins": 3}', "utf-8")
    (folder / "p%31.json").write_text('{"coins": 3}', "utf-8")  # "p1" again
    plan = space.dsm("plan", str(space.changes))
    assert plan.code == 2
    found = {e["path"]: (e["status"], e["detail"]) for e in plan.json["entries"]}
    assert found["Players/global/p%31.json"][0] == found["Players/global/p1.json"][0] == "invalid"
    assert "holds the same entry (Players/global/p1)" in found["Players/global/p%31.json"][1]
    (folder / "p%31.json").unlink()
    applied = space.dsm("apply", str(space.changes), "--yes", "--reason", REASON)
    assert applied.code == 0 and applied.json["backup"] is None  # a creation replaces nothing
    assert applied.json["counts"] == {"new": 1, "unchanged": 2, "written": 1}
    assert space.live("hand made é") == {"coins": 3}

    everything = space.dsm("pull", "Players", "--all", "--to", str(space.changes))
    assert everything.code == 0, everything.err
    assert len(list(layout.entry_files(space.changes))) == 3 + len(ODD_KEYS)
    both = space.dsm("pull", "Players", "p1", "--all", "--to", str(space.changes))
    assert both.code == 2 and "exactly one" in both.err


def test_a_viewer_connection_cannot_apply(space: Space) -> None:
    pull(space, "p1")
    space.edit("p1", {"coins": 1})
    space.configure({"connections": {"dev": {"target": "local:game.db", "role": "viewer"}}})
    before = space.dump()
    plan = space.dsm("plan", str(space.changes))
    assert plan.code == 0 and plan.json["entries"][0]["status"] == "modified"  # viewers may plan
    refused = space.dsm("apply", str(space.changes), "--yes", "--reason", REASON)
    assert refused.code == 5 and "viewer" in refused.err
    assert space.dump() == before
    assert list((space.changes / ".dsm").glob("backups/*")) == []


# ---- Open Cloud: conditional writes under retries apply exactly once --------------------

API_KEY = "changeset-test-key"
UNIVERSE = 4_200_001
FAST_LIMITS = {
    "requests_per_minute": {
        f"{kind}.{operation}": 60_000
        for kind in ("standard", "ordered")
        for operation in ("read", "write", "list", "remove")
    }
}


def test_apply_through_a_faulty_emulator_writes_each_entry_exactly_once(
    tmp_path: Path, env: dict[str, str]
) -> None:
    cloud = tmp_path / "cloud"
    cloud.mkdir()
    db = cloud / f"universe-{UNIVERSE}.db"
    engine = LocalEngine(db)
    try:
        engine.set_entries([EntryWrite("Players", f"k{i:02d}", {"n": i}) for i in range(24)])
    finally:
        engine.close()
    changes = tmp_path / "changes"
    with running_emulator(
        cloud, api_keys=[f"{API_KEY}=*"], faults="5xx=0.2", seed=11, rate_limits=FAST_LIMITS
    ) as url:
        cloud_env = {k: v for k, v in env.items() if not k.startswith("DSM_")}
        cloud_env |= {"ROBLOX_API_KEY": API_KEY, "DSM_CACHE_DIR": "off", "DSM_BASE_URL": url}
        cloud_env["DSM_AUDIT_DIR"] = env["DSM_AUDIT_DIR"]
        target = ["--target", f"opencloud:{UNIVERSE}"]
        dsm(
            cloud_env,
            "pull",
            "Players",
            "--all",
            "--to",
            str(changes),
            *target,
            "--quiet",
            cwd=tmp_path,
        )
        for i in range(0, 24, 2):
            (changes / "Players" / "global" / f"k{i:02d}.json").write_text(f'{{"n": {i * 10 + 1}}}')
        done = dsm(
            cloud_env, "apply", str(changes), "--yes", "--reason", REASON, "--quiet", cwd=tmp_path
        )
        assert done["counts"]["written"] == 12, done
        assert done["counts"].get("conflicts", 0) == 0
        plan = dsm(cloud_env, "plan", str(changes), cwd=tmp_path)
        assert plan["counts"] == {"unchanged": 24}
    versions = versions_per_key(db)
    assert {k: n for k, n in versions.items() if n != 1} == {
        f"Players/global/k{i:02d}": 2 for i in range(0, 24, 2)
    }
    engine = LocalEngine(db)
    try:
        assert engine.get_entry("Players", "k04").value == {"n": 41}
    finally:
        engine.close()
