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

INVALID_ARGUMENT = 1001
NOT_FOUND = 1002
CONFLICT = 1003
PERMISSION_DENIED = 1004
UNAUTHENTICATED = 1005
RATE_LIMITED = 1006
UNAVAILABLE = 1007
NOT_SUPPORTED = 1008
SESSION_LOCKED = 1009
DATASTORE_ERROR = 1000

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
    code = next((c for kind, c in _CODES if isinstance(error, kind)), DATASTORE_ERROR)
    data = error.to_dict() | extra
    return DataStoreRpcError(message=error.message, code=code, data=data)


def session_locked(message: str, lock: dict[str, Any]) -> DataStoreRpcError:
    data = {"code": "FAILED_PRECONDITION", "error": "SessionLocked", "message": message}
    return DataStoreRpcError(
        message=message, code=SESSION_LOCKED, data=data | {"sessionLock": lock}
    )
