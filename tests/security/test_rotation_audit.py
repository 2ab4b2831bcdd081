"""``dsm encryption-keys rotate`` leaves a ``rotate-key`` audit record — key ids and counts,
never key material — for a refused run and a finished one, and the chain still verifies."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from datastore_manager.archive.sealing import key_id
from datastore_manager.backends.opencloud.settings import CACHE_KEY_NAME
from datastore_manager.security import AesGcmBox
from datastore_manager.security.rotation import key_fingerprint

from .test_key_rotation import ARCHIVE_KEY, CACHE_KEY, DSM, dsm, env, fill_cache, keyring_key, seed

__all__ = ["env"]  # the fixture, shared with the rotation tests


def rotations(audit: Path) -> list[dict[str, Any]]:
    lines = (audit / "workspace.jsonl").read_text("utf-8").splitlines()
    return [r for r in map(json.loads, lines) if r["operation"] == "rotate-key"]


def test_rotation_is_audited_with_counts_and_key_ids_only(
    tmp_path: Path, env: dict[str, str]
) -> None:
    source, backups, audit = tmp_path / "game.db", tmp_path / "backups", tmp_path / "audit"
    seed(source, 30)
    backups.mkdir()
    first = backups / "a.dsm"
    dsm(env, "backup", "--target", f"local:{source}", "--out", str(first), "--encrypt")
    shutil.copyfile(first, backups / "b.dsm")
    foreign = tmp_path / "foreign.dsm"
    foreign_env = env | {"DSM_BACKUP_KEY": base64.b64encode(AesGcmBox.generate_key()).decode()}
    dsm(foreign_env, "backup", "--target", f"local:{source}", "--out", str(foreign), "--encrypt")
    fill_cache(env, 4242)
    old_key, old_cache = keyring_key(env, ARCHIVE_KEY), keyring_key(env, CACHE_KEY)
    assert old_key is not None and old_cache is not None

    refused = dsm(env, "encryption-keys", "rotate", str(foreign), "--backups-dir", str(backups),
                  check=False)  # fmt: skip
    done = dsm(env, "encryption-keys", "rotate", "--backups-dir", str(backups),
               "--reason", "quarterly rotation", "--identity", "alice")  # fmt: skip

    assert refused["_exit"] != 0
    failed, finished = rotations(audit)
    new_key = keyring_key(env, ARCHIVE_KEY + ".pending") or keyring_key(env, ARCHIVE_KEY)
    new_cache = keyring_key(env, CACHE_KEY)
    assert new_key is not None and new_cache is not None
    assert failed["outcome"] == "failed" and failed["error"] == "ArchiveError"
    assert failed["archives"]["reencrypted"] == failed["payloadsReencrypted"] == 0
    assert failed["archiveKey"] == {"from": key_id(old_key), "to": key_id(new_key),
                                    "rotated": False}  # fmt: skip
    assert finished["outcome"] == "ok" and finished["connection"] is None
    assert (finished["identity"], finished["reason"]) == ("alice", "quarterly rotation")
    assert finished["archiveKey"] == done["archiveKey"] | {"rotated": True}
    assert finished["archiveKey"]["to"] == key_id(new_key) != key_id(old_key)
    assert finished["archives"] == {"checked": 2, "reencrypted": 2, "alreadyRotated": 0,
                                    "notEncrypted": 0}  # fmt: skip
    assert finished["payloadsReencrypted"] == 60
    assert finished["cacheKey"] == {
        "rotated": True,
        "cleared": 1,
        "resumed": False,
        "from": key_fingerprint(CACHE_KEY_NAME, old_cache),
        "to": key_fingerprint(CACHE_KEY_NAME, new_cache),
    }
    assert not list((audit / "connections").glob("*.jsonl"))  # it concerns no connection
    text = (audit / "workspace.jsonl").read_text("utf-8")
    for key in (old_key, new_key, old_cache, new_cache):
        assert base64.b64encode(key).decode() not in text and key.hex() not in text

    verified = dsm(env, "audit", "verify")
    assert verified["ok"] is True and verified["logs"][0]["records"] >= 2

    # The human listing names what it can: no "None/None/None" for a record without an entry.
    human = subprocess.run(
        [*DSM, "audit", "log"], env=env | {"COLUMNS": "250"}, capture_output=True, text=True
    )
    assert human.returncode == 0, human.stderr
    assert "rotate-key" in human.stdout and "None" not in human.stdout
