"""``dsm encryption-keys rotate`` through real ``dsm`` subprocesses sharing a file keyring:
rotate then restore gives identical data, kill -9 mid-rotation then re-run finishes, the old key
no longer decrypts, an archive sealed with neither key stops the rotation with nothing changed."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from datastore_manager.archive.sealing import key_id
from datastore_manager.backends.local import LocalBackend
from datastore_manager.backends.local.engine import LocalEngine
from datastore_manager.backends.opencloud.cache import OpenCloudCache
from datastore_manager.model import Entry, EntryWrite, parse_time
from datastore_manager.security import AesGcmBox, DecryptionFailed

from .file_keyring import BACKEND, FILE_ENV, read_all

DSM = [sys.executable, "-m", "datastore_manager.cli.main"]
TESTS = Path(__file__).resolve().parents[1]
ARCHIVE_KEY = "datastore-manager/backup-archive"
CACHE_KEY = "datastore-manager/opencloud-cache-key"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DSM_", "ROBLOX_"))}
    return base | {
        "PYTHON_KEYRING_BACKEND": BACKEND,
        FILE_ENV: str(tmp_path / "keyring.json"),
        "PYTHONPATH": os.pathsep.join([str(TESTS), base.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "DSM_AUDIT_DIR": str(tmp_path / "audit"),
        "DSM_CACHE_DIR": str(tmp_path / "cache"),
        "HOME": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }


def dsm(env: dict[str, str], *args: str, check: bool = True) -> dict[str, Any]:
    done = subprocess.run([*DSM, *args, "--json"], env=env, capture_output=True, text=True)
    if check:
        assert done.returncode == 0, done.stderr + done.stdout
    document: dict[str, Any] = json.loads(done.stdout) if done.stdout.strip() else {}
    return document | {"_exit": done.returncode, "_stderr": done.stderr}


def keyring_key(env: dict[str, str], name: str) -> bytes | None:
    text = read_all(Path(env[FILE_ENV])).get(name)
    return None if text is None else base64.b64decode(text)


def seed(db: Path, count: int) -> None:
    engine = LocalEngine(db)
    try:
        engine.set_entries(
            [
                EntryWrite(
                    "Players",
                    f"Player_{i:05d}",
                    {"coins": i, "name": f"player {i}"},
                    attributes={"v": i % 7},
                    user_ids=(i + 1,),
                )
                for i in range(count)
            ]
        )
    finally:
        engine.close()


async def contents(db: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    async with LocalBackend(db) as backend:
        cursor: str | None = None
        while True:
            page = await backend.list_keys("Players", cursor=cursor, limit=256)
            for info in page.items:
                entry = await backend.get_entry("Players", info.key)
                found[info.key] = (entry.value, entry.attributes, entry.user_ids)
            cursor = page.next_cursor
            if cursor is None:
                return found


def manifest_key_id(path: Path) -> str | None:
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
        row = db.execute("SELECT value FROM meta WHERE name = 'manifest'").fetchone()
    encryption = json.loads(row[0]).get("encryption")
    return None if not encryption else str(encryption["keyId"])


def first_sealed(path: Path) -> tuple[bytes, bytes]:
    """One sealed payload and its associated data (store\\0scope\\0key\\0version)."""
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
        store, scope, key, version, sealed = db.execute(
            "SELECT e.store, e.scope, e.key, v.version, v.sealed FROM versions v "
            "JOIN entries e ON e.id = v.entry_id LIMIT 1"
        ).fetchone()
    return bytes(sealed), "\0".join((store, scope, key, version)).encode()


def fill_cache(env: dict[str, str], universe: int) -> Path:
    """A real Open Cloud cache folder holding one entry, under a keyring-held cache key."""
    key = AesGcmBox.generate_key()
    ring = Path(env[FILE_ENV])
    ring.write_text(json.dumps(read_all(ring) | {CACHE_KEY: base64.b64encode(key).decode()}))
    folder = Path(env["DSM_CACHE_DIR"]) / str(universe)
    cache = OpenCloudCache(folder, key, universe_id=universe)
    at = parse_time("2024-01-01T00:00:00Z")
    cache.put_entry(Entry("Players", "global", "Player_1", {"c": 1}, "v1", at, at, at), latest=True)
    cache.close()
    return folder


async def test_rotate_then_restore_gives_identical_data_and_the_old_key_is_retired(
    tmp_path: Path, env: dict[str, str]
) -> None:
    source, backups = tmp_path / "game.db", tmp_path / "backups"
    seed(source, 120)
    backups.mkdir()
    named, in_folder, plain = tmp_path / "a.dsm", backups / "b.dsm", backups / "plain.dsm"
    dsm(env, "backup", "--target", f"local:{source}", "--out", str(named), "--encrypt")
    dsm(env, "backup", "--target", f"local:{source}", "--out", str(in_folder), "--encrypt")
    dsm(env, "backup", "--target", f"local:{source}", "--out", str(plain))
    old_key = keyring_key(env, ARCHIVE_KEY)
    assert old_key is not None and manifest_key_id(named) == key_id(old_key)
    old_cache_key = keyring_key(env, CACHE_KEY)  # None: no cache yet
    cache_folder = fill_cache(env, 4242)
    old_cache_key = keyring_key(env, CACHE_KEY)

    done = dsm(env, "encryption-keys", "rotate", str(named), "--backups-dir", str(backups))

    new_key = keyring_key(env, ARCHIVE_KEY)
    assert new_key is not None and new_key != old_key
    assert keyring_key(env, ARCHIVE_KEY + ".pending") is None
    assert done["archiveKey"] == {
        "from": key_id(old_key),
        "to": key_id(new_key),
        "rotated": True,
        "resumed": False,
    }
    outcomes = {Path(a["path"]).name: (a["outcome"], a.get("resealed")) for a in done["archives"]}
    assert outcomes == {
        "a.dsm": ("re-encrypted", 120),
        "b.dsm": ("re-encrypted", 120),
        "plain.dsm": ("not encrypted", None),
    }
    assert manifest_key_id(named) == manifest_key_id(in_folder) == key_id(new_key)
    assert done["cache"] == {"rotated": True, "cleared": 1, "resumed": False}
    assert not cache_folder.exists()
    assert keyring_key(env, CACHE_KEY) not in (None, old_cache_key)

    for archive in (named, in_folder):
        target = tmp_path / f"restored-{archive.stem}.db"
        dsm(env, "restore", str(archive), "--target", f"local:{target}")
        assert await contents(target) == await contents(source)
    assert len(await contents(source)) == 120

    # The old key no longer decrypts: refused by key id, and GCM refuses the payload itself.
    old_env = env | {"DSM_BACKUP_KEY": base64.b64encode(old_key).decode()}
    refused = dsm(
        old_env, "restore", str(named), "--target", f"local:{tmp_path / 'x.db'}", check=False
    )
    assert refused["_exit"] != 0 and key_id(new_key) in refused["error"]["message"]
    sealed, where = first_sealed(named)
    with pytest.raises(DecryptionFailed):
        AesGcmBox(old_key).open(sealed, associated_data=where)
    assert json.loads(AesGcmBox(new_key).open(sealed, associated_data=where))["md5"]

    again = dsm(env, "encryption-keys", "rotate", str(named))  # a second rotation works too
    assert again["archiveKey"]["from"] == key_id(new_key)
    assert manifest_key_id(named) == again["archiveKey"]["to"] != key_id(new_key)
    for text in (old_key, new_key, keyring_key(env, ARCHIVE_KEY)):
        assert text is not None
        encoded = base64.b64encode(text).decode()
        assert encoded not in json.dumps(done) + json.dumps(again)


async def test_kill_9_mid_rotation_then_rerun_finishes(tmp_path: Path, env: dict[str, str]) -> None:
    source, backups = tmp_path / "game.db", tmp_path / "backups"
    seed(source, 1500)
    backups.mkdir()
    first = backups / "b00.dsm"
    dsm(env, "backup", "--target", f"local:{source}", "--out", str(first), "--encrypt")
    copies = [first] + [backups / f"b{i:02d}.dsm" for i in range(1, 8)]
    for copy in copies[1:]:
        shutil.copyfile(first, copy)
    old_key = keyring_key(env, ARCHIVE_KEY)
    assert old_key is not None

    rotation = subprocess.Popen(
        [*DSM, "encryption-keys", "rotate", "--backups-dir", str(backups), "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and rotation.poll() is None:
        pending = keyring_key(env, ARCHIVE_KEY + ".pending")
        if pending is not None and manifest_key_id(first) == key_id(pending):
            rotation.send_signal(signal.SIGKILL)  # after the first archive's commit
            break
        time.sleep(0.002)
    assert rotation.wait(timeout=30) == -signal.SIGKILL, "the rotation finished before the kill"

    pending = keyring_key(env, ARCHIVE_KEY + ".pending")
    assert pending is not None and keyring_key(env, ARCHIVE_KEY) == old_key  # not retired
    ids = [manifest_key_id(path) for path in copies]
    assert set(ids) == {key_id(old_key), key_id(pending)}  # each file wholly old or wholly new
    assert ids.count(key_id(old_key)) >= 1

    done = dsm(env, "encryption-keys", "rotate", "--backups-dir", str(backups))

    assert done["archiveKey"]["resumed"] is True and done["archiveKey"]["to"] == key_id(pending)
    outcomes = [a["outcome"] for a in done["archives"]]
    assert outcomes.count("already rotated") == ids.count(key_id(pending))
    assert outcomes.count("re-encrypted") == ids.count(key_id(old_key))
    assert keyring_key(env, ARCHIVE_KEY) == pending
    assert keyring_key(env, ARCHIVE_KEY + ".pending") is None
    assert {manifest_key_id(path) for path in copies} == {key_id(pending)}
    for archive in (copies[0], copies[-1]):
        assert dsm(env, "backup", "verify", str(archive))["versionsChecked"] == 1500
    target = tmp_path / "restored.db"
    dsm(env, "restore", str(copies[-1]), "--target", f"local:{target}")
    assert await contents(target) == await contents(source)


def test_an_archive_sealed_with_neither_key_stops_with_nothing_changed(
    tmp_path: Path, env: dict[str, str]
) -> None:
    source = tmp_path / "game.db"
    seed(source, 20)
    ours, foreign = tmp_path / "ours.dsm", tmp_path / "foreign.dsm"
    dsm(env, "backup", "--target", f"local:{source}", "--out", str(ours), "--encrypt")
    foreign_key = AesGcmBox.generate_key()
    foreign_env = env | {"DSM_BACKUP_KEY": base64.b64encode(foreign_key).decode()}
    dsm(foreign_env, "backup", "--target", f"local:{source}", "--out", str(foreign), "--encrypt")
    old_key = keyring_key(env, ARCHIVE_KEY)
    before = (ours.read_bytes(), foreign.read_bytes())

    refused = dsm(env, "encryption-keys", "rotate", str(ours), str(foreign), check=False)

    assert refused["_exit"] != 0
    message = refused["error"]["message"]
    assert "neither" in message and str(foreign) in message and key_id(foreign_key) in message
    assert (ours.read_bytes(), foreign.read_bytes()) == before
    assert keyring_key(env, ARCHIVE_KEY) == old_key  # the current key is kept

    # A key held in $DSM_BACKUP_KEY is rotated to $DSM_BACKUP_KEY_NEW (the user keeps both).
    missing = dsm(foreign_env, "encryption-keys", "rotate", str(foreign), check=False)
    assert missing["_exit"] != 0 and "DSM_BACKUP_KEY_NEW" in missing["error"]["message"]
    new_key = AesGcmBox.generate_key()
    new_text = base64.b64encode(new_key).decode()
    done = dsm(
        foreign_env | {"DSM_BACKUP_KEY_NEW": new_text}, "encryption-keys", "rotate", str(foreign)
    )
    assert done["archives"][0]["outcome"] == "re-encrypted"
    assert manifest_key_id(foreign) == key_id(new_key)
    restored = tmp_path / "restored.db"
    dsm(
        env | {"DSM_BACKUP_KEY": new_text}, "restore", str(foreign), "--target", f"local:{restored}"
    )
    assert len(list(sqlite3.connect(restored).execute("SELECT 1 FROM entries"))) == 20
