"""Encryption at rest: AES-256-GCM with random 96-bit nonces.

Every at-rest secret (the Open Cloud cache, exported backups, …) goes through :class:`AesGcmBox`.
The 256-bit key lives in the OS keyring (created on first use) or is supplied by the caller;
it is never written to disk by this module. A wrong key or a tampered blob raises
:class:`DecryptionFailed` — GCM's tag check makes garbage output impossible.
"""

from __future__ import annotations

import base64
import os
from typing import Final

import keyring
import keyring.errors
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..model import DataStoreError

KEY_BYTES: Final = 32  # AES-256
NONCE_BYTES: Final = 12  # 96-bit nonces, the size GCM is designed for
_FORMAT: Final = b"\x01"  # leading format byte so the layout can evolve
KEYRING_SERVICE: Final = "datastore-manager"


class DecryptionFailed(DataStoreError):
    """The blob was not encrypted with this key, or it was altered."""

    code = "DATA_LOSS"
    http_status = 500


class KeyUnavailable(DataStoreError):
    """No encryption key: the OS keyring is missing or refused access."""

    code = "FAILED_PRECONDITION"
    http_status = 412


class AesGcmBox:
    """Seals and opens byte strings with one AES-256-GCM key.

    ``associated_data`` binds a blob to its context (e.g. its cache key) so blobs cannot be
    swapped between slots without the tag check failing.
    """

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"AES-256-GCM needs a {KEY_BYTES}-byte key, got {len(key)} bytes.")
        self._aead = AESGCM(key)

    @classmethod
    def generate_key(cls) -> bytes:
        return AESGCM.generate_key(bit_length=KEY_BYTES * 8)

    def seal(self, plaintext: bytes, *, associated_data: bytes = b"") -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return _FORMAT + nonce + self._aead.encrypt(nonce, plaintext, associated_data)

    def open(self, blob: bytes, *, associated_data: bytes = b"", what: str = "data") -> bytes:
        if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != _FORMAT:
            raise DecryptionFailed(f"The encrypted {what} is truncated or not in our format.")
        nonce = blob[1 : 1 + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, blob[1 + NONCE_BYTES :], associated_data)
        except InvalidTag:
            raise DecryptionFailed(
                f"Cannot decrypt the {what}: it was encrypted with a different key or has been "
                "altered. If the keyring entry was reset, delete the encrypted files and retry."
            ) from None

    def __repr__(self) -> str:
        return "AesGcmBox(key=***)"


def load_or_create_key(name: str, *, service: str = KEYRING_SERVICE) -> bytes:
    """The 256-bit key stored in the OS keyring under ``service``/``name``; created if absent.

    Raises KeyUnavailable when there is no usable keyring (headless CI, locked keychain).
    """
    key = read_key(name, service=service)
    if key is None:
        key = AesGcmBox.generate_key()
        write_key(name, key, service=service)
    return key


def read_key(name: str, *, service: str = KEYRING_SERVICE) -> bytes | None:
    """The key in the keyring entry ``service``/``name``, or None when there is none."""
    try:
        stored = keyring.get_password(service, name)
    except keyring.errors.KeyringError as exc:
        raise _no_keyring(name, exc) from None
    if stored is None:
        return None
    try:
        key = base64.b64decode(stored, validate=True)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyUnavailable(
            f"The keyring entry {service}/{name} is not a {KEY_BYTES}-byte base64 key; "
            "delete it to have a new one created."
        )
    return key


def write_key(name: str, key: bytes, *, service: str = KEYRING_SERVICE) -> None:
    """Store ``key`` in the keyring entry ``service``/``name`` (replacing any)."""
    if len(key) != KEY_BYTES:
        raise ValueError(f"A key is {KEY_BYTES} bytes, got {len(key)}.")
    try:
        keyring.set_password(service, name, base64.b64encode(key).decode("ascii"))
    except keyring.errors.KeyringError as exc:
        raise _no_keyring(name, exc) from None


def delete_key(name: str, *, service: str = KEYRING_SERVICE) -> None:
    """Remove the keyring entry ``service``/``name`` (no error when it is absent)."""
    try:
        keyring.delete_password(service, name)
    except keyring.errors.PasswordDeleteError:
        return
    except keyring.errors.KeyringError as exc:
        raise _no_keyring(name, exc) from None


def _no_keyring(name: str, exc: Exception) -> KeyUnavailable:
    return KeyUnavailable(
        f"No OS keyring is available to hold the encryption key {name!r} "
        f"({type(exc).__name__}). Install/unlock a keyring or pass a key explicitly."
    )
