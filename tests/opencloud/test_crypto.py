"""security.crypto: AES-256-GCM sealing and the keyring-held key."""

from __future__ import annotations

import keyring
import keyring.backend
import keyring.backends.fail
import pytest

from datastore_manager.security import (
    AesGcmBox,
    DecryptionFailed,
    KeyUnavailable,
    load_or_create_key,
)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend that keeps passwords in a dict (the OS one is absent in CI)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


def test_seal_then_open_round_trips_and_hides_the_plaintext() -> None:
    box = AesGcmBox(AesGcmBox.generate_key())
    blob = box.seal(b"canary-1234", associated_data=b"slot")

    assert b"canary-1234" not in blob
    assert box.open(blob, associated_data=b"slot") == b"canary-1234"


def test_every_seal_uses_a_fresh_nonce() -> None:
    box = AesGcmBox(AesGcmBox.generate_key())

    first, second = box.seal(b"same"), box.seal(b"same")

    assert first != second
    assert first[1:13] != second[1:13]  # the 96-bit nonces differ


def test_a_wrong_key_is_a_clear_error_never_garbage() -> None:
    blob = AesGcmBox(AesGcmBox.generate_key()).seal(b"secret")

    with pytest.raises(DecryptionFailed, match="different key or has been altered"):
        AesGcmBox(AesGcmBox.generate_key()).open(blob, what="cache")


def test_tampering_or_a_moved_blob_is_detected() -> None:
    box = AesGcmBox(AesGcmBox.generate_key())
    blob = bytearray(box.seal(b"secret", associated_data=b"a"))
    blob[-1] ^= 1

    with pytest.raises(DecryptionFailed):
        box.open(bytes(blob), associated_data=b"a")
    with pytest.raises(DecryptionFailed):  # right bytes, wrong slot
        box.open(box.seal(b"secret", associated_data=b"a"), associated_data=b"b")
    with pytest.raises(DecryptionFailed, match="truncated"):
        box.open(b"\x01short")


def test_keys_must_be_256_bits() -> None:
    with pytest.raises(ValueError, match="32-byte key"):
        AesGcmBox(b"too short")
    assert "key=***" in repr(AesGcmBox(AesGcmBox.generate_key()))


def test_the_keyring_key_is_created_once_and_reused(memory_keyring: MemoryKeyring) -> None:
    first = load_or_create_key("test-key")
    second = load_or_create_key("test-key")

    assert first == second and len(first) == 32
    assert list(memory_keyring.store) == [("datastore-manager", "test-key")]


def test_a_corrupt_keyring_entry_is_reported(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.store[("datastore-manager", "bad")] = "not base64 at all!"

    with pytest.raises(KeyUnavailable, match="delete it"):
        load_or_create_key("bad")


def test_no_keyring_is_a_clear_error() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        with pytest.raises(KeyUnavailable, match="No OS keyring"):
            load_or_create_key("any")
    finally:
        keyring.set_keyring(previous)
