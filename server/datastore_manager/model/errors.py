"""One error hierarchy for every backend.

Each class corresponds to a Roblox Open Cloud error code (FACTS §9); ``code`` is the v2
string code and ``http_status`` the status Roblox sends. Backends raise these, the emulator
turns them back into Roblox's bodies, and the CLI maps them to exit codes.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DataStoreError(Exception):
    """Base class of every error a backend raises."""

    code: ClassVar[str] = "INTERNAL"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details

    def to_dict(self) -> dict[str, Any]:
        """A stable, JSON-serialisable description (used by ``--json`` and LSP errors)."""
        return {"code": self.code, "error": type(self).__name__, "message": self.message} | (
            {"details": self.details} if self.details else {}
        )


class InvalidArgument(DataStoreError):
    """A request Roblox would reject with 400 INVALID_ARGUMENT."""

    code = "INVALID_ARGUMENT"
    http_status = 400


class InvalidName(InvalidArgument):
    """An empty or over-long data store name, scope or key."""


class LimitExceeded(InvalidArgument):
    """A value, attribute map or user-id list over one of Roblox's limits."""

    def __init__(self, message: str, *, limit_name: str, limit: int, actual: int) -> None:
        super().__init__(message, limit_name=limit_name, limit=limit, actual=actual)
        self.limit_name = limit_name
        self.limit = limit
        self.actual = actual


class InvalidCursor(InvalidArgument):
    """A page cursor that this listing did not produce (or whose query changed)."""


class NotFound(DataStoreError):
    code = "NOT_FOUND"
    http_status = 404


class DataStoreNotFound(NotFound):
    pass


class EntryNotFound(NotFound):
    pass


class EntryDeleted(EntryNotFound):
    """The latest version of the entry is a tombstone (v1 answers 204 for it)."""


class VersionNotFound(NotFound):
    pass


class DataStoreDeleted(NotFound):
    """The data store is scheduled for deletion; its entries are inaccessible until undeleted."""


class PreconditionFailed(DataStoreError):
    """A conditional write lost: the entry's version is not the one the caller saw.

    ``current_version`` is the version that is there now (None when the entry does not exist).
    Nothing was written.
    """

    code = "FAILED_PRECONDITION"
    http_status = 412

    def __init__(self, message: str, *, current_version: str | None = None, **details: Any):
        super().__init__(message, current_version=current_version, **details)
        self.current_version = current_version


class AlreadyExists(PreconditionFailed):
    """An exclusive create (or ordered create) of an entry that exists."""


class Aborted(DataStoreError):
    code = "ABORTED"
    http_status = 409


class Unauthenticated(DataStoreError):
    code = "UNAUTHENTICATED"
    http_status = 401


class PermissionDenied(DataStoreError):
    code = "PERMISSION_DENIED"
    http_status = 403


class ReadOnly(PermissionDenied):
    """A write against a read-only target (a snapshot archive, a fixed version)."""


class RateLimited(DataStoreError):
    code = "RESOURCE_EXHAUSTED"
    http_status = 429

    def __init__(self, message: str, *, retry_after: float | None = None, **details: Any):
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class Unavailable(DataStoreError):
    code = "UNAVAILABLE"
    http_status = 503


class InternalError(DataStoreError):
    code = "INTERNAL"
    http_status = 500


class NotSupported(DataStoreError):
    """The backend cannot do this operation (e.g. Open Cloud cannot list ordered stores)."""

    code = "NOT_IMPLEMENTED"
    http_status = 501
