"""The single safety gate every write passes (called from ``entries._before_write``).

Order: role → protected connection (idle write access, confirmation, typed reason) →
session-lock guard (a live lock refuses unless forced with a reason) → the write → an audit
record. Refusals are audited too; in every refusal nothing reaches the store.

Who is writing is known per backend: whoever opens a backend for a connection binds a
:class:`GuardSession` to it (:func:`bind`; the CLI does it in ``CliState.open_backend``, the
language server per connection). What the user asked for this write — reason, force,
confirmation — travels in a context variable (:func:`write_intent`), so the service signatures
stay as they are and one backend can serve many requests.
"""

from __future__ import annotations

import contextvars
import getpass
import logging
import os
import uuid
from collections.abc import Awaitable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from typing import Any, Final, TypeVar
from weakref import WeakKeyDictionary

from ..backends import DataStoreBackend
from ..model import (
    Entry,
    NotFound,
    OrderedEntry,
    Unavailable,
    VersionInfo,
    format_time,
    utc_now,
)
from .audit import AuditTrail
from .roles import (
    ConfirmationRequired,
    ConnectionPolicy,
    ReasonRequired,
    Role,
    RoleForbidsWrite,
    WriteAccess,
    WriteRefused,
)
from .session_locks import SessionLock, detect_session_lock

log = logging.getLogger(__name__)
T = TypeVar("T")

IDENTITY_ENV: Final = "DSM_IDENTITY"
MIN_REASON_LENGTH: Final = 4


class SessionLocked(WriteRefused):
    """A live session lock (a game server owns the profile); ``details['lock']`` describes it.
    Resend with ``force`` and a ``reason`` to write anyway."""

    refusal = "session_lock"


@dataclass(frozen=True, slots=True)
class WriteIntent:
    """What the user said about the writes made under it."""

    reason: str | None = None
    force: bool = False  # write even over a live session lock
    confirmed: bool = False  # the user confirmed writing to a protected connection
    job: str | None = None  # the bulk job the write belongs to (set by job_scope)


@dataclass(frozen=True, slots=True)
class Actor:
    os_user: str
    identity: str | None = None  # the editor's account, --identity, $DSM_IDENTITY

    @classmethod
    def current(cls, identity: str | None = None) -> Actor:
        try:
            user = getpass.getuser()
        except (OSError, KeyError):  # no login name (some containers)
            user = f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"
        return cls(user, identity or os.environ.get(IDENTITY_ENV) or None)


@dataclass(slots=True)
class GuardSession:
    """One connection as seen by one client (a CLI run, a language-server workspace)."""

    policy: ConnectionPolicy
    actor: Actor
    audit: AuditTrail | None
    access: WriteAccess = field(default_factory=WriteAccess)


_SESSIONS: WeakKeyDictionary[DataStoreBackend, GuardSession] = WeakKeyDictionary()
_NO_INTENT: Final = WriteIntent()  # frozen, so sharing it as the default is safe
_INTENT: contextvars.ContextVar[WriteIntent] = contextvars.ContextVar(
    "dsm_write_intent",
    default=_NO_INTENT,
)


def bind(backend: DataStoreBackend, session: GuardSession) -> DataStoreBackend:
    """Attach the connection's policy, actor and audit trail to ``backend``."""
    _SESSIONS[backend] = session
    return backend


def session_of(backend: DataStoreBackend) -> GuardSession | None:
    return _SESSIONS.get(backend)


def current_intent() -> WriteIntent:
    return _INTENT.get()


def set_intent(intent: WriteIntent) -> None:
    """Set the intent for the rest of this context (the CLI: once per invocation)."""
    _INTENT.set(intent)


@contextmanager
def write_intent(intent: WriteIntent) -> Iterator[None]:
    """The intent of the writes made inside the block (the language server: per request)."""
    token = _INTENT.set(intent)
    try:
        yield
    finally:
        _INTENT.reset(token)


@dataclass(slots=True)
class WriteTicket:
    """A write the gate let through; :meth:`run` performs it and audits the outcome."""

    session: GuardSession | None
    record: dict[str, Any]

    async def run(self, write: Awaitable[T]) -> T:
        try:
            result = await write
        except Unavailable as unknown:
            # Open Cloud may have applied it and lost the answer: the attempt goes on record
            # (a job that then reads the entry back may settle it as written).
            if self.session is not None and self.session.audit is not None:
                self.session.audit.record(
                    self.record | {"outcome": "unknown", "error": unknown.message}
                )
            raise
        if self.session is not None and self.session.audit is not None:
            self.session.audit.record(self.record | _after(result) | {"outcome": "ok"})
        return result


def ordered_operation(operation: str) -> bool:
    return operation.startswith("ordered.")


@dataclass(frozen=True, slots=True)
class KnownCurrent:
    """The entry as the caller knows it, when the write is CONDITIONAL on exactly that state
    (``entry`` None: an exclusive create, i.e. "must not exist"; else a match on
    ``entry.version``). The guard then skips its own read: if the entry changed meanwhile the
    backend refuses the write, so the session lock and "version before" it derives from
    ``entry`` are exactly those of the entry the write replaced. Only
    ``services/entries.py`` builds one, and only for such conditional writes."""

    entry: Entry | None


async def before_write(
    backend: DataStoreBackend,
    operation: str,
    store: str,
    key: str,
    scope: str,
    *,
    known: KnownCurrent | None = None,
    extra: Mapping[str, Any] | None = None,
) -> WriteTicket:
    """Refuse (raising a :class:`WriteRefused`) or return the ticket that audits the write.

    ``extra`` adds fields to the audit record (a rollback's ``rollbackTo``)."""
    session = _SESSIONS.get(backend)
    intent = _INTENT.get()
    if session is None:  # a backend nobody bound (library use, unit tests): no policy
        return WriteTicket(None, {})
    policy = session.policy
    record = _base_record(session, intent, operation, store, key, scope) | dict(extra or {})
    where = f"{store}/{scope}/{key}"
    if not policy.role.can_write():
        _refuse(
            session,
            record,
            RoleForbidsWrite(
                f"Cannot {operation} {where}: your role on connection {policy.name!r} is "
                f"{policy.role.value} (read-only). Nothing was written.",
                connection=policy.name,
                role=policy.role.value,
            ),
        )
    if policy.protected:
        _check_protected(session, record, intent, operation, where)
    if known is not None and not ordered_operation(operation):
        lock, before = _known(known)
    else:
        lock, before = await _current(backend, operation, store, key, scope)
    record["versionBefore"] = before
    if lock is not None and lock.live:
        record["lock"] = lock.to_dict()
        if not intent.force:
            _refuse(
                session,
                record,
                SessionLocked(
                    f"Cannot {operation} {where}: {lock.message} Force the write with a reason "
                    "(--force --reason TEXT) if you accept that. Nothing was written.",
                    lock=lock.to_dict(),
                    connection=policy.name,
                ),
            )
        if not _has_reason(intent):
            _refuse(
                session,
                record,
                ReasonRequired(
                    f"Forcing a write over a live session lock on {where} needs a reason "
                    f"(--reason TEXT, at least {MIN_REASON_LENGTH} characters). "
                    "Nothing was written.",
                    lock=lock.to_dict(),
                    connection=policy.name,
                ),
            )
        record["forced"] = True
    session.access.touch()
    return WriteTicket(session, record)


@contextmanager
def job_scope(backend: DataStoreBackend, kind: str, *, job_id: str | None = None) -> Iterator[str]:
    """Run a bulk job (restore, bulk edit, migrate, erase-user) under ONE gate pass.

    Checks the role and, on a protected connection, the confirmation and typed reason once for
    the whole job (a refusal is audited once and raised before anything is written); records
    ``job.start`` with the job id, kind and reason; then every write inside the block carries
    ``job`` (and the reason) in its record and passes the per-entry gate (session-lock guard,
    audit) without asking again. ``job.end`` records the outcome. The block is one audit group
    commit (:meth:`AuditTrail.batch`); call :func:`checkpoint` where the job saves its state.
    Yields the job id. An unbound backend only gets the job id in its intent.
    """
    session = _SESSIONS.get(backend)
    intent = _INTENT.get()
    job_id = job_id or f"{kind}-{uuid.uuid4().hex[:12]}"
    job_intent = replace(intent, job=job_id)
    if session is None:
        with write_intent(job_intent):
            yield job_id
        return
    policy = session.policy
    record = _base_record(session, job_intent, "job.start", None, None, None)
    record["jobKind"] = kind
    what = f"run a {kind} job on connection {policy.name!r}"
    if not policy.role.can_write():
        _refuse(
            session,
            record,
            RoleForbidsWrite(
                f"Cannot {what}: your role is {policy.role.value} (read-only). Nothing was "
                "written.",
                connection=policy.name,
                role=policy.role.value,
            ),
        )
    if policy.protected:
        _check_protected(session, record, job_intent, f"{kind} job", f"connection {policy.name}")
    trail = session.audit
    with trail.batch() if trail is not None else nullcontext():
        audit_refusal_only(session, record | {"outcome": "ok"})
        end = record | {"operation": "job.end"}
        try:
            with write_intent(job_intent):
                yield job_id
        except BaseException as error:
            audit_refusal_only(session, end | {"outcome": "failed", "error": type(error).__name__})
            raise
        audit_refusal_only(session, end | {"outcome": "ok"})


def checkpoint(backend: DataStoreBackend) -> None:
    """Make the audit records of ``backend``'s writes so far durable (a job's checkpoint:
    call it before saving the job's own state)."""
    session = _SESSIONS.get(backend)
    if session is not None and session.audit is not None:
        session.audit.checkpoint()


def audit_refusal_only(session: GuardSession, record: Mapping[str, Any]) -> None:
    if session.audit is not None:
        session.audit.record(dict(record))


def _refuse(session: GuardSession, record: dict[str, Any], error: WriteRefused) -> None:
    audit_refusal_only(
        session, record | {"outcome": "refused", "refusal": error.refusal, "error": error.message}
    )
    raise error


def _check_protected(
    session: GuardSession, record: dict[str, Any], intent: WriteIntent, operation: str, where: str
) -> None:
    policy = session.policy
    try:
        session.access.check(policy)
    except WriteRefused as error:
        _refuse(session, record, error)
    if not intent.confirmed:
        _refuse(
            session,
            record,
            ConfirmationRequired(
                f"Connection {policy.name!r} is protected: confirm the {operation} of {where} "
                "(--yes) and give a reason (--reason TEXT). Nothing was written.",
                connection=policy.name,
                needs=["confirmation", "reason"],
            ),
        )
    if not _has_reason(intent):
        _refuse(
            session,
            record,
            ReasonRequired(
                f"Connection {policy.name!r} is protected: each write needs a typed reason "
                f"(--reason TEXT, at least {MIN_REASON_LENGTH} characters). Nothing was written.",
                connection=policy.name,
                needs=["reason"],
            ),
        )


def _has_reason(intent: WriteIntent) -> bool:
    return intent.reason is not None and len(intent.reason.strip()) >= MIN_REASON_LENGTH


async def _current(
    backend: DataStoreBackend, operation: str, store: str, key: str, scope: str
) -> tuple[SessionLock | None, str | int | None]:
    """The session lock (standard entries) and the version (or ordered value) before."""
    try:
        if ordered_operation(operation):
            return None, (await backend.get_ordered(store, key, scope=scope)).value
        entry = await backend.get_entry(store, key, scope=scope)
    except NotFound:
        return None, None
    return detect_session_lock(entry.value, entry.attributes), entry.version


def _known(known: KnownCurrent) -> tuple[SessionLock | None, str | int | None]:
    entry = known.entry
    if entry is None:
        return None, None
    return detect_session_lock(entry.value, entry.attributes), entry.version


def _base_record(
    session: GuardSession,
    intent: WriteIntent,
    operation: str,
    store: str | None,
    key: str | None,
    scope: str | None,
) -> dict[str, Any]:
    policy = session.policy
    job = {"job": intent.job} if intent.job else {}
    return job | {
        "time": format_time(utc_now()),
        "osUser": session.actor.os_user,
        "identity": session.actor.identity,
        "connection": policy.name,
        "role": policy.role.value,
        "store": store,
        "scope": scope,
        "key": key,
        "operation": operation,
        "reason": intent.reason.strip() if intent.reason else None,
        "forced": False,
    }


def _after(result: object) -> dict[str, Any]:
    if isinstance(result, VersionInfo):
        return {"versionAfter": result.version, "size": result.content_length}
    if isinstance(result, Entry):
        return {"versionAfter": result.version, "size": result.size}
    if isinstance(result, OrderedEntry):
        return {"valueAfter": result.value}
    return {"versionAfter": None}


def require_role(session: GuardSession | None, needed: Role, action: str) -> None:
    """For whole-target work (erase-user): refuse below ``needed``."""
    if session is not None and session.policy.role.rank < needed.rank:
        raise RoleForbidsWrite(
            f"{action} needs the {needed.value} role on connection {session.policy.name!r}; "
            f"yours is {session.policy.role.value}. Nothing was changed.",
            connection=session.policy.name,
            role=session.policy.role.value,
        )
