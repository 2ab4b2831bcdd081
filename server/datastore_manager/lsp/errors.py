"""DataStoreError → JSON-RPC error with the codes and ``data`` of docs/protocol.md."""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcException

from ..model import (
    DataStoreError,
    InvalidArgument,
    NotFound,
    NotSupported,
    PermissionDenied,
    PreconditionFailed,
    RateLimited,
    Unauthenticated,
    Unavailable,
)
from ..services.roles import WriteRefused

INVALID_ARGUMENT = 1001
NOT_FOUND = 1002
CONFLICT = 1003
PERMISSION_DENIED = 1004
UNAUTHENTICATED = 1005
RATE_LIMITED = 1006
UNAVAILABLE = 1007
NOT_SUPPORTED = 1008
SESSION_LOCKED = 1009
WRITE_FORBIDDEN = 1010  # the role is viewer: nothing this user sends is written
CONFIRMATION_REQUIRED = 1011  # protected connection: resend with confirmed + reason
REASON_REQUIRED = 1012  # resend with a typed reason (>= 4 characters)
WRITE_ACCESS_EXPIRED = 1013  # protected connection idle: dataStore/enableWrites, resend
DATASTORE_ERROR = 1000

#: ``roles.WriteRefused.refusal`` → JSON-RPC code (docs/protocol.md, "Write refusals").
REFUSAL_CODES: dict[str, int] = {
    "role": WRITE_FORBIDDEN,
    "confirmation": CONFIRMATION_REQUIRED,
    "reason": REASON_REQUIRED,
    "idle": WRITE_ACCESS_EXPIRED,
    "session_lock": SESSION_LOCKED,
}

_CODES: tuple[tuple[type[DataStoreError], int], ...] = (
    (PreconditionFailed, CONFLICT),
    (InvalidArgument, INVALID_ARGUMENT),
    (NotFound, NOT_FOUND),
    (PermissionDenied, PERMISSION_DENIED),
    (Unauthenticated, UNAUTHENTICATED),
    (RateLimited, RATE_LIMITED),
    (Unavailable, UNAVAILABLE),
    (NotSupported, NOT_SUPPORTED),
)


class DataStoreRpcError(JsonRpcException):
    """A failure the client is expected to handle (not a server bug)."""


def rpc_error(error: DataStoreError, **extra: Any) -> DataStoreRpcError:
    if isinstance(error, WriteRefused):
        return write_refused(error)
    code = next((c for kind, c in _CODES if isinstance(error, kind)), DATASTORE_ERROR)
    data = error.to_dict() | extra
    return DataStoreRpcError(message=error.message, code=code, data=data)


def write_refused(error: WriteRefused) -> DataStoreRpcError:
    """A refusal of the safety gate: its own code per ``refusal`` and the facts the client
    needs at the top of ``data`` (``refusal``, ``connection``, and ``role`` / ``needs`` /
    ``idleTimeoutMinutes`` / ``sessionLock`` when they apply). SessionLocked (1009) keeps the
    shape it had before the gate: ``code: FAILED_PRECONDITION``, ``error: SessionLocked``."""
    details = dict(error.details)
    refusal = str(details.get("refusal", error.refusal))
    data: dict[str, Any] = error.to_dict() | {"refusal": refusal}
    for name in ("connection", "role", "needs"):
        if name in details:
            data[name] = details[name]
    if "idle_timeout_minutes" in details:
        data["idleTimeoutMinutes"] = details["idle_timeout_minutes"]
    if isinstance(details.get("lock"), dict):
        data["sessionLock"] = details["lock"]
    if refusal == "session_lock":
        data |= {"code": "FAILED_PRECONDITION", "error": "SessionLocked"}
    code = REFUSAL_CODES.get(refusal, PERMISSION_DENIED)
    return DataStoreRpcError(message=error.message, code=code, data=data)
