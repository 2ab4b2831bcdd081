"""``sessionLock`` markers on ``dataStore/listKeys`` items (the tree's lock icons), only where
the server knows them cheaply (services/session_locks.py decides what a lock is):

* local and snapshot stores are files on this machine: the page's entries are read, but only
  when the page's first live entry looks like a ProfileService/ProfileStore save (or carries
  a ``LockId``), so a page of a store of other values costs one read;
* Open Cloud: only entries the server already holds (read or opened in this session), never a
  request of the user's rate budget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..model import DataStoreError, Entry, KeyInfo, TargetKind, parse_target
from ..model.times import format_time
from ..model.uris import entry_uri
from ..services import entries
from ..services.session_locks import SessionLock, detect_session_lock

if TYPE_CHECKING:
    from .server import DsmServer


async def page_locks(
    server: DsmServer, connection: str, store: str, items: Sequence[KeyInfo]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The marker of each locked key of the page, by (scope, key)."""
    state = server.state
    live = [info for info in items if not info.deleted]
    config = state.settings.connections.get(connection)
    if not live or config is None:
        return {}
    held: dict[tuple[str, str], Entry] = {}
    if parse_target(config.target).kind is TargetKind.OPENCLOUD:
        for info in live:
            cached = state.entries.get(
                str(entry_uri(connection, store, info.key, scope=info.scope))
            )
            if cached is not None:
                held[(info.scope, info.key)] = cached
    else:
        backend = state.backend(connection)
        try:
            probe = await entries.read_entry(backend, store, live[0].key, scope=live[0].scope)
        except DataStoreError:  # deleted or changed since the listing: no markers
            return {}
        if not _profile_like(probe):
            return {}  # not a store of profiles: skip the rest of the page
        # queued together, the backend's worker reads them back to back (one wake-up each way)
        read = [entries.read_entry(backend, store, i.key, scope=i.scope) for i in live[1:]]
        found = await asyncio.gather(*read, return_exceptions=True)
        held[(live[0].scope, live[0].key)] = probe
        for info, entry in zip(live[1:], found, strict=True):
            if isinstance(entry, BaseException):
                if not isinstance(entry, DataStoreError):  # only "gone since listed" is skipped
                    raise entry
                continue
            held[(info.scope, info.key)] = entry
    markers = {}
    for where, entry in held.items():
        lock = detect_session_lock(entry.value, entry.attributes)
        if lock is not None:
            markers[where] = marker(lock)
    return markers


def _profile_like(entry: Entry) -> bool:
    value = entry.value
    if isinstance(value, Mapping) and isinstance(value.get("MetaData"), Mapping):
        return True
    return bool(entry.attributes and "LockId" in entry.attributes)


def marker(lock: SessionLock) -> dict[str, Any]:
    """``{state, library, holder?, since?}`` as the listKeys result schema describes it."""
    result: dict[str, Any] = {"state": "live" if lock.live else "stale", "library": lock.library}
    if lock.job_id:
        place = f"place {lock.place_id}, " if lock.place_id is not None else ""
        result["holder"] = f"{lock.library} ({place}server {lock.job_id})"
    elif lock.session_id:
        result["holder"] = f"{lock.library} (session {lock.session_id})"
    if lock.last_update is not None:
        with suppress(OverflowError, OSError, ValueError):  # a LastUpdate no clock can show
            result["since"] = format_time(datetime.fromtimestamp(lock.last_update, UTC))
    return result
