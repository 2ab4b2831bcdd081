"""Session locks of ProfileService / ProfileStore saves and Roblox's ``LockId`` sample.

FACTS §18-19.

A profile whose lock is *live* belongs to a running game server, which overwrites ``Data``
(and the metadata) at its next save: an edit made from outside is lost. The heuristic:

1. ``MetaData.ActiveSession`` is a non-empty array → locked; 2 elements = ProfileService,
   3 (the last a GUID) = ProfileStore.
2. ``age = now - MetaData.LastUpdate``; live if under 1800 s (ProfileService) or 630 s
   (ProfileStore), else stale: the next loader takes it over.
3. A ``LockId`` attribute marks Roblox's SessionLockedDataStoreWrapper sample (no expiry known:
   treated as live).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

PROFILE_SERVICE_ASSUME_DEAD: Final = 1800  # ProfileService AssumeDeadSessionLock, seconds
PROFILE_STORE_ASSUME_DEAD: Final = 630  # ProfileStore ASSUME_DEAD, seconds


@dataclass(frozen=True, slots=True)
class SessionLock:
    library: str  # "ProfileService" | "ProfileStore" | "LockId"
    locked: bool
    live: bool
    place_id: int | None = None
    job_id: str | None = None
    session_id: str | None = None
    last_update: int | None = None
    age_seconds: float | None = None

    @property
    def message(self) -> str:
        owner = f"place {self.place_id}, server {self.job_id}" if self.job_id else "a server"
        if self.library == "LockId":
            return (
                "Locked by a game server (LockId attribute): it may overwrite edits; wait for "
                "it to release the lock."
            )
        if self.live:
            return (
                f"{self.library} session lock is live ({owner}, last save "
                f"{_ago(self.age_seconds)}): the game will overwrite edits to Data at its next "
                "save. Use GlobalUpdates/MessageAsync or wait until the player leaves."
            )
        return (
            f"{self.library} session lock is stale ({owner}, last save {_ago(self.age_seconds)}):"
            " the next server that loads the profile takes it over."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "library": self.library,
            "locked": self.locked,
            "live": self.live,
            "placeId": self.place_id,
            "jobId": self.job_id,
            "sessionId": self.session_id,
            "lastUpdate": self.last_update,
            "ageSeconds": self.age_seconds,
            "message": self.message,
        }


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return "at an unknown time"
    if seconds < 90:
        return f"{int(seconds)} s ago"
    if seconds < 5400:
        return f"{int(seconds // 60)} min ago"
    return f"{seconds / 3600:.1f} h ago"


def detect_session_lock(
    value: Any, attributes: Mapping[str, Any] | None = None, *, now: float | None = None
) -> SessionLock | None:
    """The lock a saved profile holds, or None when it is not a locked profile."""
    now = time.time() if now is None else now
    metadata = value.get("MetaData") if isinstance(value, Mapping) else None
    if isinstance(metadata, Mapping):
        session = metadata.get("ActiveSession")
        if isinstance(session, list) and session:
            store = len(session) >= 3
            last = metadata.get("LastUpdate")
            last_update = int(last) if isinstance(last, int | float) else None
            age = None if last_update is None else max(0.0, now - last_update)
            limit = PROFILE_STORE_ASSUME_DEAD if store else PROFILE_SERVICE_ASSUME_DEAD
            return SessionLock(
                library="ProfileStore" if store else "ProfileService",
                locked=True,
                live=age is None or age < limit,
                place_id=session[0] if isinstance(session[0], int) else None,
                job_id=session[1] if len(session) > 1 and isinstance(session[1], str) else None,
                session_id=session[2] if store and isinstance(session[2], str) else None,
                last_update=last_update,
                age_seconds=age,
            )
    if attributes and isinstance(attributes.get("LockId"), str) and attributes["LockId"]:
        return SessionLock("LockId", locked=True, live=True, session_id=attributes["LockId"])
    return None
