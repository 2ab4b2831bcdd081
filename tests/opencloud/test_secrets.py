"""security.secrets: where the API key comes from, and that it never prints."""

from __future__ import annotations

import pickle

import keyring
import pytest

from datastore_manager.security import ApiKey, MissingApiKey, resolve_api_key, store_api_key

from .test_crypto import MemoryKeyring, memory_keyring  # noqa: F401 - fixture

CANARY = "CANARY-api-key-7f3a9c"


def test_the_key_is_masked_everywhere_it_could_be_printed() -> None:
    key = ApiKey(CANARY)

    for text in (str(key), repr(key), f"{key}", f"{key!r}", "%s" % key, str([key])):  # noqa: UP031
        assert CANARY not in text
    assert key.reveal() == CANARY
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(key)


def test_a_runtime_key_wins_over_env_and_keyring(
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    monkeypatch.setenv("ROBLOX_API_KEY", "from-env")
    memory_keyring.store[("datastore-manager", "opencloud")] = "from-keyring"

    assert resolve_api_key("from-editor").reveal() == "from-editor"
    assert resolve_api_key(None).reveal() == "from-env"
    monkeypatch.delenv("ROBLOX_API_KEY")
    assert resolve_api_key(None, universe_id=5).reveal() == "from-keyring"


def test_a_universe_specific_keyring_entry_is_preferred(
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    monkeypatch.delenv("ROBLOX_API_KEY", raising=False)
    memory_keyring.store[("datastore-manager", "opencloud")] = "generic"
    store_api_key(ApiKey("for-42"), universe_id=42)

    key = resolve_api_key(None, universe_id=42)

    assert key.reveal() == "for-42"
    assert key.source == "keyring datastore-manager/opencloud:42"


def test_no_key_anywhere_says_where_to_put_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROBLOX_API_KEY", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        with pytest.raises(MissingApiKey) as caught:
            resolve_api_key(None, universe_id=7)
    finally:
        keyring.set_keyring(previous)
    message = caught.value.message
    assert "ROBLOX_API_KEY" in message and "opencloud:7" in message
    assert "https://create.roblox.com/credentials" in message
