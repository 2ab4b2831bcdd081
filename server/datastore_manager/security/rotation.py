"""Rotating a keyring-held encryption key so that no crash leaves data unreadable.

The protocol (``dsm encryption-keys rotate`` drives it; docs/security.md argues it):

1. :func:`begin_rotation` stores a NEW key under ``<name>.pending`` before anything is
   re-encrypted (or reuses the pending key a crashed run left), so every item the rotation has
   already re-encrypted stays readable whatever happens next;
2. the caller re-encrypts every item from ``old`` to ``new`` (each item all or nothing);
3. only when every item carries the new key does :func:`finish_rotation` make the new key the
   current one (the old key is overwritten: retired) and delete the pending entry.

Re-running after a crash at any point finishes the job: before step 3 the old key and the
pending key are both in the keyring; between the two writes of step 3 the current key already
equals the pending one (``old == new``, nothing left to re-encrypt).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from .crypto import (
    KEYRING_SERVICE,
    AesGcmBox,
    KeyUnavailable,
    delete_key,
    read_key,
    write_key,
)

PENDING_SUFFIX: Final = ".pending"


@dataclass(frozen=True, slots=True)
class RotatingKey:
    """A rotation in progress: ``old`` is the current key (None if none was ever created)."""

    name: str
    old: bytes | None
    new: bytes
    service: str = KEYRING_SERVICE
    resumed: bool = False  # the new key was left by an earlier, interrupted rotation

    def __repr__(self) -> str:
        return f"RotatingKey(name={self.name!r}, old=***, new=***)"


def key_fingerprint(name: str, key: bytes) -> str:
    """A one-way id of a keyring key for reports and audit records (never the key itself)."""
    return hashlib.sha256(b"dsm-key-id\0" + name.encode() + b"\0" + key).hexdigest()[:16]


def pending_name(name: str) -> str:
    return name + PENDING_SUFFIX


def begin_rotation(name: str, *, service: str = KEYRING_SERVICE) -> RotatingKey | None:
    """Put the new key in the keyring under the pending name (or pick up the pending key of an
    interrupted rotation). None when there is neither a key nor a pending one: nothing was
    ever encrypted with this key, so there is nothing to rotate."""
    current = read_key(name, service=service)
    pending = read_key(pending_name(name), service=service)
    if pending is not None:
        return RotatingKey(name, current, pending, service, True)
    if current is None:
        return None
    new = AesGcmBox.generate_key()
    write_key(pending_name(name), new, service=service)
    if read_key(pending_name(name), service=service) != new:  # never re-encrypt to a lost key
        raise KeyUnavailable(f"The keyring did not keep the new key {pending_name(name)!r}.")
    return RotatingKey(name, current, new, service)


def finish_rotation(key: RotatingKey) -> None:
    """Retire the old key: the new one becomes current, then the pending entry goes."""
    write_key(key.name, key.new, service=key.service)
    delete_key(pending_name(key.name), service=key.service)
