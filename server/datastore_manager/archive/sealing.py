"""Encryption of archive payloads with the project's AES-256-GCM box (security/crypto).

A backup must be restorable on another machine, so its key is not per-machine: it comes from
``$DSM_BACKUP_KEY`` (base64 of 32 bytes, for CI and for moving backups) or else from the OS
keyring entry ``datastore-manager/backup-archive`` (created on first use). The archive records
only a key id (a one-way fingerprint) so a wrong key is reported before anything is decrypted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from ..model import JsonValue
from ..security.crypto import KEY_BYTES, AesGcmBox, load_or_create_key
from .format import ArchiveError, connect, read_meta

KEY_ENV_VAR: Final = "DSM_BACKUP_KEY"
KEYRING_NAME: Final = "backup-archive"
ALGORITHM: Final = "AES-256-GCM"


def load_key(environ: Mapping[str, str] | None = None) -> bytes:
    environ = os.environ if environ is None else environ
    text = environ.get(KEY_ENV_VAR, "").strip()
    if not text:
        return load_or_create_key(KEYRING_NAME)
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise ArchiveError(
            f"${KEY_ENV_VAR} must be the base64 of {KEY_BYTES} random bytes (e.g. "
            '`python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"`).'
        )
    return key


def key_id(key: bytes) -> str:
    """A fingerprint naming the key without revealing it."""
    return hashlib.sha256(b"dsm-archive-key-id\0" + key).hexdigest()[:16]


def archive_box(environ: Mapping[str, str] | None = None) -> tuple[AesGcmBox, str]:
    key = load_key(environ)
    return AesGcmBox(key), key_id(key)


def _context(store: str, scope: str, key: str, version: str) -> bytes:
    # Binds each sealed payload to its row: swapping payloads between rows fails the tag check.
    return "\0".join((store, scope, key, version)).encode("utf-8")


def seal_payload(
    box: AesGcmBox,
    where: tuple[str, str, str, str],
    text: str | None,
    md5: str,
    attributes: Mapping[str, JsonValue],
    user_ids: tuple[int, ...],
) -> bytes:
    payload = {"value": text, "md5": md5, "attributes": dict(attributes), "userIds": user_ids}
    plain = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return box.seal(plain, associated_data=_context(*where))


def open_payload(
    box: AesGcmBox, where: tuple[str, str, str, str], blob: bytes
) -> tuple[str | None, str, dict[str, JsonValue], tuple[int, ...]]:
    plain = box.open(blob, associated_data=_context(*where), what=f"entry {'/'.join(where[:3])}")
    payload = json.loads(plain)
    return (
        payload["value"],
        payload["md5"],
        dict(payload["attributes"]),
        tuple(payload["userIds"]),
    )


# ---- key rotation (``dsm encryption-keys rotate``) ----------------------------------------


def sealed_key_id(path: Path) -> str | None:
    """The key id an archive's payloads are sealed with (None: not encrypted)."""
    rows = read_meta(path)
    encryption = json.loads(rows.get("manifest") or "{}").get("encryption")
    return None if not encryption else str(encryption.get("keyId"))


def reseal_archive(path: Path, old: AesGcmBox, old_id: str, new: AesGcmBox, new_id: str) -> int:
    """Re-encrypt every sealed payload of ``path`` from ``old`` to ``new`` and set the
    manifest's key id, in ONE transaction: after a crash the file is wholly old or wholly new.
    Returns the number of payloads re-sealed. A payload ``old`` cannot open stops it all."""
    db = connect(path)
    try:
        db.execute("PRAGMA secure_delete = ON")  # no old ciphertext left in free pages
        db.execute("BEGIN IMMEDIATE")
        try:
            count = _reseal_rows(db, old, old_id, new, new_id, path)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return count
    finally:
        db.close()


def _reseal_rows(
    db: sqlite3.Connection, old: AesGcmBox, old_id: str, new: AesGcmBox, new_id: str, path: Path
) -> int:
    row = db.execute("SELECT value FROM meta WHERE name = 'manifest'").fetchone()
    manifest = json.loads(row[0] if row else "{}")
    found = (manifest.get("encryption") or {}).get("keyId")
    if found != old_id:  # checked again under the write lock
        raise ArchiveError(f"{path} is sealed with key {found}, not {old_id}; nothing changed.")
    count, last = 0, (-1, -1)
    while True:
        rows = db.execute(
            "SELECT v.entry_id, v.seq, e.store, e.scope, e.key, v.version, v.sealed "
            "FROM versions v JOIN entries e ON e.id = v.entry_id "
            "WHERE (v.entry_id, v.seq) > (?, ?) AND v.sealed IS NOT NULL "
            "ORDER BY v.entry_id, v.seq LIMIT 500",
            last,
        ).fetchall()
        updates = []
        for entry_id, seq, store, scope, key, version, sealed in rows:
            where = _context(store, scope, key, version)
            plain = old.open(sealed, associated_data=where, what=f"entry {store}/{scope}/{key}")
            updates.append((new.seal(plain, associated_data=where), entry_id, seq))
        db.executemany("UPDATE versions SET sealed = ? WHERE entry_id = ? AND seq = ?", updates)
        count += len(updates)
        if len(rows) < 500:
            break
        last = (rows[-1][0], rows[-1][1])
    manifest["encryption"] = {**manifest["encryption"], "keyId": new_id}
    db.execute(
        "UPDATE meta SET value = ? WHERE name = 'manifest'",
        (json.dumps(manifest, ensure_ascii=False),),
    )
    return count
