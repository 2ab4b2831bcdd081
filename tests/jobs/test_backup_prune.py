"""``dsm backup prune`` on real archives: what the dry run lists is exactly what a real run
deletes; manifests (not file names) decide; other sources, incomplete backups and files that
are not archives survive; encrypted archives are pruned without their key."""

from __future__ import annotations

import shutil
from pathlib import Path

from datastore_manager.archive import ArchiveWriter
from datastore_manager.services.backups.prune import apply_plan, make_plan
from datastore_manager.services.backups.retention import Policy

from .conftest import dsm, make_store


def dated_copy(original: Path, path: Path, started: str, *, complete: bool = True) -> Path:
    """A copy of a real archive whose manifest says it started at ``started``."""
    shutil.copyfile(original, path)
    writer = ArchiveWriter.resume(path)
    try:
        writer.update_manifest(writer.manifest | {"startedAt": started, "complete": complete})
    finally:
        writer.close()
    return path


def test_prune_deletes_exactly_what_the_dry_run_listed(tmp_path: Path, env: dict[str, str]) -> None:
    folder, work = tmp_path / "backups", tmp_path / "work"
    folder.mkdir()
    work.mkdir()
    for name in ("a", "b"):
        make_store(tmp_path / f"{name}.db", 20)
    a, b = work / "a.dsm", work / "b.dsm"
    dsm(env, "backup", "--target", f"local:{tmp_path / 'a.db'}", "--out", str(a), "--encrypt")
    dsm(env, "backup", "--target", f"local:{tmp_path / 'b.db'}", "--out", str(b))
    # Names deliberately disagree with the dates: only the manifests count.
    series = {
        "zz-newest.dsm": "2026-11-01T03:00:00Z",  # W44: too old
        "a-1.dsm": "2026-11-15T03:00:00Z",  # W46: third week back
        "a-2.dsm": "2026-11-22T03:00:00Z",  # Sun, W47
        "a-3.dsm": "2026-11-23T03:00:00Z",
        "a-4.dsm": "2026-11-24T03:00:00Z",  # an earlier one the same day
        "a-5.dsm": "2026-11-24T15:00:00Z",
    }
    for name, started in series.items():
        dated_copy(a, folder / name, started)
    dated_copy(a, folder / "running.dsm", "2026-11-25T03:00:00Z", complete=False)
    dated_copy(b, folder / "other-universe.dsm", "2025-06-01T03:00:00Z")
    (folder / "notes.txt").write_text("not a backup")
    (folder / "game-2026-11-30.dsm").write_text("not an archive either")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    no_key = {k: v for k, v in env.items() if k != "DSM_BACKUP_KEY"}
    no_key["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # no key at all
    policy = ["--keep-daily", "2", "--keep-weekly", "2", "--keep-last", "1"]

    dry = dsm(no_key, "backup", "prune", str(folder), *policy, "--dry-run")

    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing changed
    why = {Path(b["path"]).name: (b["action"], b["reasons"]) for b in dry["backups"]}
    assert why == {
        "a-5.dsm": ("keep", ["last 1", "daily 2026-11-24", "weekly 2026-W48"]),
        "a-4.dsm": ("delete", []),
        "a-3.dsm": ("keep", ["daily 2026-11-23"]),
        "a-2.dsm": ("keep", ["weekly 2026-W47"]),
        "a-1.dsm": ("delete", []),
        "zz-newest.dsm": ("delete", []),
        "running.dsm": ("keep", ["incomplete (being written or resumable)"]),
        "other-universe.dsm": ("keep", ["last 1", "daily 2025-06-01", "weekly 2025-W22"]),
    }
    ignored = {Path(item["path"]).name: item["why"] for item in dry["ignored"]}
    assert ignored == {"notes.txt": "not an archive", "game-2026-11-30.dsm": "not an archive"}
    to_delete = {"a-4.dsm", "a-1.dsm", "zz-newest.dsm"}
    assert dry["bytesToFree"] == sum((folder / n).stat().st_size for n in to_delete) > 0

    done = dsm(no_key, "backup", "prune", str(folder), *policy)

    assert {Path(p).name for p in done["deleted"]} == to_delete
    assert done["bytesFreed"] == dry["bytesToFree"]
    assert {p.name for p in folder.iterdir()} == set(before) - to_delete
    assert dsm(env, "backup", "verify", str(folder / "a-2.dsm"))["versionsChecked"] == 20

    again = dsm(no_key, "backup", "prune", str(folder), *policy)
    assert again["deleted"] == [] and again["bytesFreed"] == 0  # idempotent


def test_prune_without_a_policy_or_folder_is_refused(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "keep.txt").write_text("x")

    none = dsm(env, "backup", "prune", str(tmp_path), check=False)
    missing = dsm(env, "backup", "prune", str(tmp_path / "nope"), "--keep-last", "1", check=False)

    assert none["_exit"] == 2 and "--keep-daily N" in none["error"]["message"]
    assert missing["_exit"] == 2 and "is not a folder" in missing["error"]["message"]
    assert (tmp_path / "keep.txt").exists()


def test_an_archive_that_changed_after_the_plan_is_kept(tmp_path: Path) -> None:
    def archive(name: str, started: str) -> Path:
        manifest = {"startedAt": started, "source": {"target": "opencloud:7"}, "complete": False}
        writer = ArchiveWriter.create(tmp_path / name, manifest)
        try:
            writer.finish(writer.manifest)
        finally:
            writer.close()
        return tmp_path / name

    archive("new.dsm", "2026-11-24T03:00:00Z")
    old = archive("old.dsm", "2026-11-23T03:00:00Z")
    planned = make_plan(tmp_path, Policy(keep_last=1))
    assert [d.backup.path.name for d in planned.deletions] == ["old.dsm"]
    dated_copy(old, tmp_path / "swap.dsm", "2026-11-25T03:00:00Z")
    (tmp_path / "swap.dsm").replace(old)  # replaced by a different backup after the plan

    deleted, freed, skipped = apply_plan(planned)

    assert (deleted, freed) == ([], 0) and old.exists()
    assert [(s.path.name, s.why) for s in skipped] == [
        ("old.dsm", "changed since it was planned; kept")
    ]
