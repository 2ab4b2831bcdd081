"""An encrypted on-disk cache of Open Cloud answers (``diskcache``, AES-256-GCM at rest).

Keys are universe/store/scope/key/version, but only as HMACs: neither names nor values are
readable in the cache directory. What is kept, and for how long:

* an entry at a given version — versions never change, so it is kept until evicted by size;
* which version is the latest — trusted for ``fresh_seconds`` (like the engine's 4 s GetAsync
  cache, FACTS §16), then the next read goes to Roblox and revalidates it (Open Cloud has no
  conditional GET, so a revalidation is a read; an unchanged version reuses the cached copy);
* listings (keys, versions, stores, ordered pages) — ``listing_ttl`` seconds.

Our own writes update the latest pointer and drop the store's listings. A blob that fails to
decrypt (wrong key, tampering) is treated as a miss and removed, never returned.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from pathlib import Path
from typing import Any, Final

import diskcache  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ...model import Entry, JsonValue, parse_time
from ...security import AesGcmBox, DecryptionFailed

log = logging.getLogger(__name__)

DEFAULT_SIZE_LIMIT: Final = 256 * 1024 * 1024
DEFAULT_LISTING_TTL: Final = 10.0
DEFAULT_FRESH_SECONDS: Final = 4.0


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


class OpenCloudCache:
    """One universe's cache. ``master_key`` is 32 bytes (from the OS keyring or the caller)."""

    def __init__(
        self,
        directory: Path,
        master_key: bytes,
        *,
        universe_id: int,
        size_limit: int = DEFAULT_SIZE_LIMIT,
        listing_ttl: float = DEFAULT_LISTING_TTL,
        fresh_seconds: float = DEFAULT_FRESH_SECONDS,
    ) -> None:
        self._box = AesGcmBox(_derive(master_key, b"datastore-manager cache encryption"))
        self._names = _derive(master_key, b"datastore-manager cache names")
        self._universe = universe_id
        self.listing_ttl = listing_ttl
        self.fresh_seconds = fresh_seconds
        directory.mkdir(parents=True, exist_ok=True)
        self._disk = diskcache.Cache(
            str(directory),
            size_limit=size_limit,
            tag_index=True,
            eviction_policy="least-recently-used",
        )

    def close(self) -> None:
        self._disk.close()

    # ---- naming and sealing --------------------------------------------------------------

    def _name(self, *parts: str) -> str:
        text = "\x1f".join((str(self._universe), *parts))
        return hmac.new(self._names, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def _put(self, name: str, payload: Any, *, expire: float | None, tag: str | None) -> None:
        plaintext = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        blob = self._box.seal(plaintext, associated_data=name.encode("ascii"))
        self._disk.set(name, blob, expire=expire, tag=tag)

    def _get(self, name: str) -> Any | None:
        blob = self._disk.get(name)
        if not isinstance(blob, bytes):
            return None
        try:
            plaintext = self._box.open(blob, associated_data=name.encode("ascii"), what="cache")
        except DecryptionFailed:
            log.warning("Dropping a cache item that does not decrypt with the current key.")
            self._disk.delete(name)
            return None
        return json.loads(plaintext)

    def _store_tag(self, store: str) -> str:
        return self._name("store", store)

    # ---- entries ---------------------------------------------------------------------------

    def entry(self, store: str, scope: str, key: str, version: str) -> Entry | None:
        payload = self._get(self._name("entry", store, scope, key, version))
        return None if payload is None else _entry_from_payload(payload)

    def put_entry(self, entry: Entry, *, latest: bool) -> None:
        name = self._name("entry", entry.store, entry.scope, entry.key, entry.version)
        self._put(name, entry.to_dict(), expire=None, tag=None)
        if latest:
            self.set_latest(entry.store, entry.scope, entry.key, entry.version)

    def fresh_latest(self, store: str, scope: str, key: str) -> Entry | None:
        """The latest entry if we learned its version less than ``fresh_seconds`` ago."""
        pointer = self._get(self._name("latest", store, scope, key))
        if not isinstance(pointer, dict) or time.time() - pointer["at"] > self.fresh_seconds:
            return None
        return self.entry(store, scope, key, pointer["version"])

    def set_latest(self, store: str, scope: str, key: str, version: str) -> None:
        pointer = {"version": version, "at": time.time()}
        self._put(self._name("latest", store, scope, key), pointer, expire=None, tag=None)

    def forget_latest(self, store: str, scope: str, key: str) -> None:
        self._disk.delete(self._name("latest", store, scope, key))

    # ---- listings ---------------------------------------------------------------------------

    def listing(self, kind: str, store: str, query: str) -> Any | None:
        return self._get(self._name("listing", kind, store, query))

    def put_listing(self, kind: str, store: str, query: str, payload: JsonValue) -> None:
        name = self._name("listing", kind, store, query)
        self._put(name, payload, expire=self.listing_ttl, tag=self._store_tag(store))

    def invalidate_store(self, store: str) -> None:
        """After our own write: listings of the store (and of all stores) are stale."""
        self._disk.evict(self._store_tag(store))
        self._disk.evict(self._store_tag(""))

    def clear(self) -> None:
        self._disk.clear()


def _entry_from_payload(payload: dict[str, Any]) -> Entry:
    return Entry(
        store=payload["store"],
        scope=payload["scope"],
        key=payload["key"],
        value=payload["value"],
        version=payload["version"],
        created_time=parse_time(payload["createdTime"]),
        updated_time=parse_time(payload["updatedTime"]),
        version_created_time=parse_time(payload["versionCreatedTime"]),
        attributes=dict(payload["attributes"]),
        user_ids=tuple(payload["userIds"]),
        content_md5=payload["contentMd5"],
        size=payload["size"],
    )
