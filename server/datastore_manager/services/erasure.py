"""Right to erasure: find every entry of a player in a target and delete it (``dsm
erase-user``), also from Roblox's right-to-erasure webhook message.

An entry belongs to the player when (FACTS §19, RTBFWH):

* its key contains the user id as a whole number (``Player_123``, ``123``, ``u123-inv``);
* its user ids metadata holds the user (ProfileService/ProfileStore/DataStore2 all set it);
* a configured pattern names it (``security.erasure.patterns``: ``{"store": "Inv", "scope":
  "global", "key": "inv-{userId}", "ordered": false}``) — for games keying data differently,
  and for ordered stores, which Open Cloud cannot list.

Deletes go through :mod:`.entries` (so roles, protected confirmation, the session-lock guard and
audit apply); the whole job needs the admin role.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..backends import DataStoreBackend
from ..model import DataStoreError, InvalidArgument, NotFound, NotSupported
from . import entries, guard
from .roles import Role, WorkspaceConfig

MAX_USER_ID: Final = 2**63 - 1
JOB_KIND: Final = "erase-user"
_WEBHOOK_TEXT: Final = re.compile(
    r"Right to Erasure for the User Id: *(\d+) in the game\(s\) with Ids: *([\d, ]*)"
)
_FOOTER: Final = re.compile(r"Roblox-Signature: *(\S+), *Timestamp: *(\d+)")


@dataclass(frozen=True, slots=True)
class ErasureRequest:
    user_id: int
    game_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ErasureSettings:
    scan_keys: bool = True
    scan_user_ids: bool = True
    patterns: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_config(cls, config: WorkspaceConfig) -> ErasureSettings:
        section = config.security.get("erasure", {}) or {}
        return cls(
            bool(section.get("scanKeys", True)),
            bool(section.get("scanUserIds", True)),
            tuple(section.get("patterns", []) or []),
        )


@dataclass(frozen=True, slots=True)
class Found:
    store: str
    scope: str
    key: str
    ordered: bool
    why: str  # "key", "userIds" or "pattern"

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "scope": self.scope,
            "key": self.key,
            "ordered": self.ordered,
            "matchedBy": self.why,
        }


def check_user_id(text: str | int) -> int:
    value = str(text).strip()
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_USER_ID:
        raise InvalidArgument(f"User id {text!r} is not a positive whole number.")
    return int(value)


def parse_webhook(payload: Any, *, secret: str | None = None) -> ErasureRequest:
    """The request in Roblox's right-to-erasure webhook message (the Discord-style embed of
    RTBFWH). With ``secret``, the ``Roblox-Signature`` (base64 HMAC-SHA256 of
    ``"<timestamp>.<description>"``) must match."""
    embeds = payload.get("embeds") if isinstance(payload, Mapping) else None
    embed = embeds[0] if isinstance(embeds, list) and len(embeds) == 1 else None
    description = embed.get("description") if isinstance(embed, Mapping) else None
    match = _WEBHOOK_TEXT.search(description) if isinstance(description, str) else None
    if embed is None or match is None:
        raise InvalidArgument(
            "Not a right-to-erasure webhook message: expected one embed whose description reads "
            "'... Right to Erasure for the User Id: N in the game(s) with Ids: A, B'."
        )
    if secret:
        footer = (
            embed.get("footer", {}).get("text", "")
            if isinstance(embed.get("footer"), Mapping)
            else ""
        )
        signed = _FOOTER.search(str(footer))
        if signed is None:
            raise InvalidArgument("The webhook message carries no Roblox-Signature to check.")
        digest = hmac.new(secret.encode(), f"{signed[2]}.{description}".encode(), hashlib.sha256)
        if not hmac.compare_digest(base64.b64encode(digest.digest()).decode(), signed[1]):
            raise InvalidArgument("The webhook's Roblox-Signature does not match the secret.")
    games = tuple(int(g) for g in re.findall(r"\d+", match[2]))
    return ErasureRequest(check_user_id(match[1]), games)


def key_mentions(key: str, user_id: int) -> bool:
    return re.search(rf"(?<![0-9]){user_id}(?![0-9])", key) is not None


async def find_user_data(
    backend: DataStoreBackend, user_id: int, settings: ErasureSettings
) -> list[Found]:
    """Every entry of ``user_id`` (reads only)."""
    found: dict[tuple[str, str, str, bool], Found] = {}
    if settings.scan_keys or settings.scan_user_ids:
        async for store in _stores(backend):
            async for info in _keys(backend, store):
                where = (store, info.scope, info.key, False)
                if settings.scan_keys and key_mentions(info.key, user_id):
                    found[where] = Found(store, info.scope, info.key, False, "key")
                elif settings.scan_user_ids and await _tagged(backend, store, info, user_id):
                    found[where] = Found(store, info.scope, info.key, False, "userIds")
    for pattern in settings.patterns:
        store, scope = str(pattern["store"]), str(pattern.get("scope", "global"))
        key = str(pattern["key"]).replace("{userId}", str(user_id))
        ordered = bool(pattern.get("ordered", False))
        if (store, scope, key, ordered) not in found and await _exists(
            backend, store, scope, key, ordered
        ):
            found[(store, scope, key, ordered)] = Found(store, scope, key, ordered, "pattern")
    return list(found.values())


async def erase(
    backend: DataStoreBackend, targets: list[Found]
) -> list[tuple[Found, DataStoreError | None]]:
    """Delete each target through the one write path; per-target errors are returned, not
    raised, so one locked profile does not stop the rest."""
    guard.require_role(guard.session_of(backend), Role.ADMIN, "Erasing a user's data")
    results: list[tuple[Found, DataStoreError | None]] = []
    # One job: a protected connection's confirmation and reason are checked once, the deletes'
    # audit records carry the job id, job.start/job.end frame them, one audit group commit.
    with guard.job_scope(backend, JOB_KIND):
        for target in targets:
            results.append((target, await _erase_one(backend, target)))
    return results


async def _erase_one(backend: DataStoreBackend, target: Found) -> DataStoreError | None:
    try:
        if target.ordered:
            await entries.delete_ordered(backend, target.store, target.key, scope=target.scope)
        else:
            await entries.delete_entry(backend, target.store, target.key, scope=target.scope)
    except NotFound:
        return None  # already gone: nothing left to erase
    except DataStoreError as error:
        return error
    return None


async def _stores(backend: DataStoreBackend) -> Any:
    cursor: str | None = None
    while True:
        page = await backend.list_data_stores(cursor=cursor)
        for info in page.items:
            yield info.name
        cursor = page.next_cursor
        if cursor is None:
            return


async def _keys(backend: DataStoreBackend, store: str) -> Any:
    cursor: str | None = None
    while True:
        page = await backend.list_keys(store, all_scopes=True, cursor=cursor)
        for info in page.items:
            if not info.deleted:
                yield info
        cursor = page.next_cursor
        if cursor is None:
            return


async def _tagged(backend: DataStoreBackend, store: str, info: Any, user_id: int) -> bool:
    try:
        entry = await backend.get_entry(store, info.key, scope=info.scope)
    except NotFound:
        return False
    return user_id in entry.user_ids


async def _exists(
    backend: DataStoreBackend, store: str, scope: str, key: str, ordered: bool
) -> bool:
    try:
        if ordered:
            await backend.get_ordered(store, key, scope=scope)
        else:
            await backend.get_entry(store, key, scope=scope)
    except (NotFound, NotSupported):
        return False
    return True
