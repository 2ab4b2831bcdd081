"""Reading and writing entries: the one write path shared by the CLI and the language server.

Every change to data (set, delete, increment, rollback, ordered writes) goes through a function
of this module, and each of them passes :func:`_before_write` first. That is where later issues
hook roles, the session-lock guard and audit; nothing else may call a backend's write methods.

Two rules from Roblox shape the functions (FACTS §3, §5, §19):

* A write *replaces* user metadata: attributes or user ids that are not sent are cleared. So by
  default these functions KEEP the current metadata by reading it and sending it again.
* Keeping metadata needs a read before the write; the write is then made conditional on the
  version just read, so nothing written in between is silently overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final, Literal

from ..backends import DataStoreBackend
from ..model import (
    EntryDeleted,
    EntryNotFound,
    InvalidArgument,
    JsonValue,
    OrderedEntry,
    Page,
    PreconditionFailed,
    ReadOnly,
    VersionInfo,
)
from ..model.limits import DEFAULT_SCOPE
from ..model.validation import (
    check_attributes,
    check_int64,
    check_key,
    check_ordered_key,
    check_scope,
    check_store_name,
    check_user_ids,
    encode_checked_value,
)
from ..model.values import Entry
from . import guard
from .guard import WriteTicket


class Keep(Enum):
    """Sentinel: keep the entry's current attributes / user ids (the default of every write)."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP

#: How many times an unconditional write that keeps metadata retries after losing a race.
UNCONDITIONAL_WRITE_ATTEMPTS: Final = 5


@dataclass(frozen=True, slots=True)
class Precondition:
    """When a write may happen: build one with :meth:`match`, :data:`MUST_NOT_EXIST` or
    :data:`UNCONDITIONAL`."""

    kind: Literal["match", "absent", "none"]
    version: str | None = None

    @classmethod
    def match(cls, version: str) -> Precondition:
        """Only if the entry's latest version is ``version`` (the version the user saw)."""
        if not version:
            raise InvalidArgument("The version to match cannot be empty.")
        return cls("match", version)

    def describe(self) -> str:
        if self.kind == "match":
            return f"the latest version to be {self.version}"
        return "the entry not to exist" if self.kind == "absent" else "nothing"


MUST_NOT_EXIST: Final = Precondition("absent")
#: Preconditions of :func:`set_ordered` (ordered entries have no versions to match).
OrderedPrecondition = Literal["must_not_exist", "must_exist", "none"]
UNCONDITIONAL: Final = Precondition("none")


# ---- reads -------------------------------------------------------------------------------


async def read_entry(
    backend: DataStoreBackend,
    store: str,
    key: str,
    *,
    scope: str = DEFAULT_SCOPE,
    version: str | None = None,
    as_of: datetime | None = None,
) -> Entry:
    """The latest entry, one version of it, or the version current at ``as_of``.

    Raises EntryNotFound (EntryDeleted for a tombstone) or VersionNotFound.
    """
    if version is not None and as_of is not None:
        raise InvalidArgument("Give either a version or a time (as of), not both.")
    _check_names(store, key, scope)
    return await backend.get_entry(store, key, scope=scope, version=version, as_of=as_of)


async def list_versions(
    backend: DataStoreBackend,
    store: str,
    key: str,
    *,
    scope: str = DEFAULT_SCOPE,
    start_time: datetime | None = None,
    end_time: datetime | None = None,
    descending: bool = False,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[VersionInfo]:
    """One page of the entry's versions (tombstones included), oldest first unless
    ``descending``."""
    _check_names(store, key, scope)
    return await backend.list_versions(
        store,
        key,
        scope=scope,
        start_time=start_time,
        end_time=end_time,
        descending=descending,
        cursor=cursor,
        limit=limit,
    )


async def all_versions(
    backend: DataStoreBackend, store: str, key: str, *, scope: str = DEFAULT_SCOPE
) -> list[VersionInfo]:
    """Every version of the entry, oldest first (follows every page)."""
    versions: list[VersionInfo] = []
    cursor: str | None = None
    while True:
        page = await list_versions(backend, store, key, scope=scope, cursor=cursor)
        versions.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return versions


async def latest_version(
    backend: DataStoreBackend, store: str, key: str, *, scope: str = DEFAULT_SCOPE
) -> VersionInfo | None:
    """The newest version (possibly a tombstone), or None when the key was never written."""
    try:
        page = await list_versions(backend, store, key, scope=scope, descending=True, limit=1)
    except EntryNotFound:  # backends may refuse to list the versions of an unknown key
        return None
    return page.items[0] if page.items else None


# ---- standard writes ---------------------------------------------------------------------


async def write_entry(
    backend: DataStoreBackend,
    store: str,
    key: str,
    value: JsonValue,
    *,
    scope: str = DEFAULT_SCOPE,
    precondition: Precondition = UNCONDITIONAL,
    attributes: Mapping[str, JsonValue] | Keep = KEEP,
    user_ids: Iterable[int] | Keep = KEEP,
    current: Entry | None = None,
) -> VersionInfo:
    """Write a new version of an entry; THE write path of the product.

    ``precondition``: :meth:`Precondition.match` (the version the user saw),
    :data:`MUST_NOT_EXIST`, or :data:`UNCONDITIONAL`. ``attributes`` / ``user_ids`` default to
    keeping the current ones; pass ``{}`` / ``()`` to clear them.

    ``current``: the entry the caller just read, when ``precondition`` matches its version
    (a job that compared before writing). The safety gate and the metadata keeping then use it
    instead of reading the entry again; the write stays conditional on that version, so
    nothing changes in what is checked or audited. Ignored when the versions differ.

    Raises PreconditionFailed (``current_version`` = what is there now) when the precondition
    does not hold, LimitExceeded / InvalidName / InvalidArgument for bad input; in every error
    case nothing is written.
    """
    return await _write(
        backend, store, key, value, scope, precondition, attributes, user_ids, current, "set"
    )


async def _write(
    backend: DataStoreBackend,
    store: str,
    key: str,
    value: JsonValue,
    scope: str,
    precondition: Precondition,
    attributes: Mapping[str, JsonValue] | Keep,
    user_ids: Iterable[int] | Keep,
    current: Entry | None,
    operation: str,
    extra: Mapping[str, JsonValue] | None = None,
) -> VersionInfo:
    _check_names(store, key, scope)
    encode_checked_value(value)  # fail on the limit before any read
    new_attributes = None if attributes is KEEP else check_attributes(attributes)
    new_user_ids = None if user_ids is KEEP else check_user_ids(user_ids)
    known = _known_current(precondition, current)
    ticket = await _before_write(backend, operation, store, key, scope, known, extra)
    keeps_metadata = new_attributes is None or new_user_ids is None

    if precondition.kind == "absent" or not keeps_metadata:
        # Nothing to carry over: an exclusive create has no current metadata.
        return await ticket.run(
            backend.set_entry(
                store,
                key,
                value,
                scope=scope,
                match_version=precondition.version,
                exclusive_create=precondition.kind == "absent",
                attributes=new_attributes or {},
                user_ids=new_user_ids or (),
            )
        )

    attempts = 1 if precondition.kind == "match" else UNCONDITIONAL_WRITE_ATTEMPTS
    for attempt in range(1, attempts + 1):
        state = (
            _CurrentState(known.entry.version, dict(known.entry.attributes), known.entry.user_ids)
            if known is not None and known.entry is not None
            else await _current_state(backend, store, key, scope)
        )
        if precondition.kind == "match" and state.version != precondition.version:
            raise _lost(store, key, precondition, state.version)
        try:
            return await ticket.run(
                backend.set_entry(
                    store,
                    key,
                    value,
                    scope=scope,
                    match_version=state.version,
                    exclusive_create=state.version is None,
                    attributes=state.attributes if new_attributes is None else new_attributes,
                    user_ids=state.user_ids if new_user_ids is None else new_user_ids,
                )
            )
        except PreconditionFailed:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")  # the loop returns or raises


async def delete_entry(
    backend: DataStoreBackend,
    store: str,
    key: str,
    *,
    scope: str = DEFAULT_SCOPE,
    precondition: Precondition = UNCONDITIONAL,
) -> VersionInfo:
    """Delete an entry by writing a tombstone version; its history stays readable.

    Only :meth:`Precondition.match` and :data:`UNCONDITIONAL` make sense here.
    """
    if precondition.kind == "absent":
        raise InvalidArgument("A delete cannot require the entry not to exist.")
    _check_names(store, key, scope)
    ticket = await _before_write(backend, "delete", store, key, scope)
    return await ticket.run(
        backend.delete_entry(store, key, scope=scope, match_version=precondition.version)
    )


async def increment_entry(
    backend: DataStoreBackend,
    store: str,
    key: str,
    by: int,
    *,
    scope: str = DEFAULT_SCOPE,
    attributes: Mapping[str, JsonValue] | Keep = KEEP,
    user_ids: Iterable[int] | Keep = KEEP,
) -> Entry:
    """Atomically add ``by`` to an integer entry (created with ``by`` when missing).

    The increment itself is atomic in the backend; keeping metadata reads it just before, so a
    metadata change made in that instant would be replaced by the one read (the value never is).
    """
    _check_names(store, key, scope)
    by = check_int64("The increment", by)
    new_attributes = None if attributes is KEEP else check_attributes(attributes)
    new_user_ids = None if user_ids is KEEP else check_user_ids(user_ids)
    ticket = await _before_write(backend, "increment", store, key, scope)
    if new_attributes is None or new_user_ids is None:
        current = await _current_state(backend, store, key, scope)
        new_attributes = current.attributes if new_attributes is None else new_attributes
        new_user_ids = current.user_ids if new_user_ids is None else new_user_ids
    return await ticket.run(
        backend.increment_entry(
            store, key, by, scope=scope, attributes=new_attributes, user_ids=new_user_ids
        )
    )


async def rollback_entry(
    backend: DataStoreBackend,
    store: str,
    key: str,
    to_version: str,
    *,
    scope: str = DEFAULT_SCOPE,
    expected_latest: str | None = None,
) -> VersionInfo:
    """Write a NEW version holding ``to_version``'s value and metadata (history is kept).

    The write is conditional on the latest version (``expected_latest`` when the caller saw
    one), so a change made meanwhile is reported as PreconditionFailed, never overwritten.
    """
    _check_names(store, key, scope)
    try:
        old = await backend.get_entry(store, key, scope=scope, version=to_version)
    except EntryDeleted:
        raise InvalidArgument(
            f"Version {to_version} of {store}/{key} is a deletion; roll back to a version that "
            "holds a value (see `dsm versions`), or delete the entry instead."
        ) from None
    latest = await latest_version(backend, store, key, scope=scope)
    latest_id = latest.version if latest is not None else None
    expected = expected_latest or latest_id
    if expected is None:
        raise EntryNotFound(f"{store}/{key} has no versions to roll back.")
    return await _write(
        backend,
        store,
        key,
        old.value,
        scope,
        Precondition.match(expected),
        old.attributes,
        old.user_ids,
        None,
        "rollback",
        {"rollbackTo": to_version},
    )


# ---- ordered writes ----------------------------------------------------------------------


async def set_ordered(
    backend: DataStoreBackend,
    store: str,
    key: str,
    value: int,
    *,
    scope: str = DEFAULT_SCOPE,
    precondition: OrderedPrecondition = "none",
) -> OrderedEntry:
    """Create or replace an ordered entry (ordered stores keep no history or metadata).

    ``must_not_exist`` creates only (AlreadyExists otherwise); ``must_exist`` updates only
    (EntryNotFound otherwise).
    """
    _check_ordered_names(store, key, scope)
    value = check_int64("An ordered value", value)
    ticket = await _before_write(backend, "ordered.set", store, key, scope)
    if precondition == "must_not_exist":
        return await ticket.run(backend.create_ordered(store, key, value, scope=scope))
    return await ticket.run(
        backend.update_ordered(store, key, value, scope=scope, allow_missing=precondition == "none")
    )


async def increment_ordered(
    backend: DataStoreBackend, store: str, key: str, amount: int, *, scope: str = DEFAULT_SCOPE
) -> OrderedEntry:
    """Atomically add ``amount`` to an ordered entry (created when missing)."""
    _check_ordered_names(store, key, scope)
    amount = check_int64("The increment", amount)
    ticket = await _before_write(backend, "ordered.increment", store, key, scope)
    return await ticket.run(backend.increment_ordered(store, key, amount, scope=scope))


async def delete_ordered(
    backend: DataStoreBackend, store: str, key: str, *, scope: str = DEFAULT_SCOPE
) -> None:
    """Delete an ordered entry for good; EntryNotFound when missing."""
    _check_ordered_names(store, key, scope)
    ticket = await _before_write(backend, "ordered.delete", store, key, scope)
    await ticket.run(backend.delete_ordered(store, key, scope=scope))


# ---- internals ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CurrentState:
    """What a write that keeps metadata needs to know about the entry right now."""

    version: str | None  # the latest version (a tombstone's too); None when never written
    attributes: dict[str, JsonValue]
    user_ids: tuple[int, ...]


async def _current_state(
    backend: DataStoreBackend, store: str, key: str, scope: str
) -> _CurrentState:
    try:
        entry = await backend.get_entry(store, key, scope=scope)
    except EntryNotFound:
        # Missing or deleted: no metadata to keep, but a tombstone still has a version to
        # match, so that a concurrent re-creation is not overwritten.
        latest = await latest_version(backend, store, key, scope=scope)
        return _CurrentState(latest.version if latest else None, {}, ())
    return _CurrentState(entry.version, dict(entry.attributes), tuple(entry.user_ids))


def _lost(
    store: str, key: str, precondition: Precondition, current_version: str | None
) -> PreconditionFailed:
    now = f"it is {current_version}" if current_version else "the entry does not exist"
    return PreconditionFailed(
        f"{store}/{key} changed: expected {precondition.describe()} but {now}. Nothing was "
        "written; read the entry again and re-apply your change.",
        current_version=current_version,
    )


def _known_current(precondition: Precondition, current: Entry | None) -> guard.KnownCurrent | None:
    """What the write is conditional on, when the gate need not read it again."""
    if precondition.kind == "absent":
        return guard.KnownCurrent(None)  # an exclusive create: nothing live is replaced
    if (
        precondition.kind == "match"
        and current is not None
        and current.version == precondition.version
    ):
        return guard.KnownCurrent(current)
    return None


async def _before_write(
    backend: DataStoreBackend,
    operation: str,
    store: str,
    key: str,
    scope: str,
    known: guard.KnownCurrent | None = None,
    extra: Mapping[str, JsonValue] | None = None,
) -> WriteTicket:
    """The hook every write passes: read-only targets, then the safety gate (roles, protected
    connections, session-lock guard); the returned ticket runs the write and audits it."""
    if backend.read_only:
        raise ReadOnly(
            f"Cannot {operation} {store}/{key}: this target is read-only (a snapshot); "
            "restore it into a writable target first."
        )
    return await guard.before_write(backend, operation, store, key, scope, known=known, extra=extra)


def _check_names(store: str, key: str, scope: str) -> None:
    check_store_name(store)
    check_key(key)
    check_scope(scope)


def _check_ordered_names(store: str, key: str, scope: str) -> None:
    check_store_name(store)
    check_ordered_key(key)
    check_scope(scope)
