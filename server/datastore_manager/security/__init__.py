"""Secrets and encryption at rest: API key resolution and the one AES-256-GCM module.

Imports only the model; backends and services use it, never the other way round.
"""

from .crypto import AesGcmBox, DecryptionFailed, KeyUnavailable, load_or_create_key
from .secrets import ApiKey, MissingApiKey, resolve_api_key, store_api_key

__all__ = [
    "AesGcmBox",
    "ApiKey",
    "DecryptionFailed",
    "KeyUnavailable",
    "MissingApiKey",
    "load_or_create_key",
    "resolve_api_key",
    "store_api_key",
]
