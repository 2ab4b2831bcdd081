"""Where the Open Cloud API key comes from, and a type that never prints it.

Resolution order: a key given at runtime (the editor's SecretStorage, a test), the
``ROBLOX_API_KEY`` environment variable, then the OS keyring. Never a settings file.
"""

from __future__ import annotations

import os
from typing import Final

import keyring
import keyring.errors

from ..model import Unauthenticated
from .crypto import KEYRING_SERVICE

ENV_VAR: Final = "ROBLOX_API_KEY"
CREDENTIALS_URL: Final = "https://create.roblox.com/credentials"


class ApiKey:
    """An API key whose str/repr are masked; only :meth:`reveal` gives the secret."""

    __slots__ = ("__secret", "source")

    def __init__(self, secret: str, *, source: str = "runtime") -> None:
        secret = secret.strip()
        if not secret:
            raise MissingApiKey("The API key is empty.")
        self.__secret = secret
        self.source = source

    def reveal(self) -> str:
        """The key itself — pass it only to the HTTP header that needs it."""
        return self.__secret

    def __repr__(self) -> str:
        return f"ApiKey(***, source={self.source!r})"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other.__secret == self.__secret

    def __hash__(self) -> int:
        return hash(self.__secret)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("ApiKey cannot be pickled; secrets must not reach caches or files.")


class MissingApiKey(Unauthenticated):
    """No API key was found anywhere we are allowed to look."""


def keyring_username(universe_id: int | None) -> str:
    return "opencloud" if universe_id is None else f"opencloud:{universe_id}"


def resolve_api_key(given: ApiKey | str | None = None, *, universe_id: int | None = None) -> ApiKey:
    """The key to use for ``universe_id``: runtime value, env ``ROBLOX_API_KEY``, OS keyring
    (``datastore-manager`` / ``opencloud:<universe>`` then ``opencloud``)."""
    if isinstance(given, ApiKey):
        return given
    if given:
        return ApiKey(given, source="runtime")
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return ApiKey(from_env, source=f"env {ENV_VAR}")
    for username in dict.fromkeys((keyring_username(universe_id), keyring_username(None))):
        try:
            stored = keyring.get_password(KEYRING_SERVICE, username)
        except keyring.errors.KeyringError:
            break
        if stored:
            return ApiKey(stored, source=f"keyring {KEYRING_SERVICE}/{username}")
    raise MissingApiKey(
        "No Open Cloud API key found. Set the ROBLOX_API_KEY environment variable, store it in "
        f"the OS keyring (service {KEYRING_SERVICE!r}, user {keyring_username(universe_id)!r}), "
        f"or enter it in the editor. Create one at {CREDENTIALS_URL}."
    )


def store_api_key(key: ApiKey, *, universe_id: int | None = None) -> None:
    """Save the key in the OS keyring for later sessions."""
    keyring.set_password(KEYRING_SERVICE, keyring_username(universe_id), key.reveal())
