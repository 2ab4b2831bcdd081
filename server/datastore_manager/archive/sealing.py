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
from collections.abc import Mapping
from typing import Final

from ..model import JsonValue
from ..security.crypto import KEY_BYTES, AesGcmBox, load_or_create_key
from .format import ArchiveError

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
