"""Roblox error responses → the model's errors, with messages that say what to do.

Roblox answers in several body shapes (FACTS §9): v2 ``{code, message}``, gateway
``{errors:[{code, message}]}``, v1 ``{error, message, errorDetails}`` and RFC 9110 validation
bodies. Whatever the shape, the HTTP status decides the class and the operation decides the
wording. The API key never appears in a message: bodies are not echoed beyond Roblox's message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from ...model import (
    Aborted,
    DataStoreDeleted,
    DataStoreError,
    DataStoreNotFound,
    EntryNotFound,
    InternalError,
    InvalidArgument,
    InvalidCursor,
    NotFound,
    NotSupported,
    PermissionDenied,
    PreconditionFailed,
    RateLimited,
    Unauthenticated,
    Unavailable,
    VersionNotFound,
)
from ...security.secrets import CREDENTIALS_URL
from .operations import Operation


@dataclass(frozen=True, slots=True)
class Subject:
    """What a request was about, for messages: every field is optional."""

    universe_id: int
    store: str | None = None
    scope: str | None = None
    key: str | None = None
    version: str | None = None

    def describe(self) -> str:
        if self.key is not None:
            where = f"entry {self.key!r} in {self.store!r}"
            if self.scope and self.scope != "global":
                where += f" (scope {self.scope!r})"
            if self.version:
                where += f" at version {self.version}"
            return where
        if self.store is not None:
            return f"data store {self.store!r}"
        return f"universe {self.universe_id}"


@dataclass(frozen=True, slots=True)
class RobloxError:
    code: str
    message: str
    detail_code: str  # v1 datastoreErrorCode, e.g. InvalidCursor


def parse_error_body(response: httpx.Response) -> RobloxError:
    try:
        body: Any = json.loads(response.content or b"null")
    except ValueError:
        return RobloxError("", response.text[:200].strip(), "")
    if not isinstance(body, dict):
        return RobloxError("", "", "")
    detail_code = ""
    for detail in body.get("errorDetails") or body.get("details") or []:
        if isinstance(detail, dict) and detail.get("datastoreErrorCode"):
            detail_code = str(detail["datastoreErrorCode"])
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):  # gateway
        return RobloxError(str(errors[0].get("code", "")), str(errors[0].get("message", "")), "")
    if isinstance(errors, dict):  # RFC 9110 validation problem
        parts = [f"{field}: {'; '.join(map(str, msgs))}" for field, msgs in errors.items()]
        return RobloxError("INVALID_ARGUMENT", ", ".join(parts), "")
    code = body.get("code") or body.get("error") or ""
    return RobloxError(str(code), str(body.get("message", "")), detail_code)


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def error_from_response(
    response: httpx.Response, operation: Operation, subject: Subject
) -> DataStoreError:
    """The model error for a non-success response of ``operation`` on ``subject``."""
    status = response.status_code
    roblox = parse_error_body(response)
    said = f" Roblox said: {roblox.message}" if roblox.message else ""
    what = subject.describe()
    universe = subject.universe_id
    if status == 400:
        if roblox.detail_code == "InvalidCursor" or "cursor" in roblox.message.lower():
            return InvalidCursor(
                f"The page cursor for {operation.name} is invalid or belongs to a different "
                f"query; restart the listing from the first page.{said}"
            )
        return InvalidArgument(f"Roblox rejected {operation.name} for {what}.{said}")
    if status == 401:
        return Unauthenticated(
            f"The API key was rejected for universe {universe} (invalid, revoked or expired — "
            f"keys expire after 60 days unused). Create or renew one at {CREDENTIALS_URL}.{said}"
        )
    if status == 403:
        scopes = " or ".join(operation.scopes)
        return PermissionDenied(
            f"API key lacks {scopes} for universe {universe} (needed to {operation.name} "
            f"on {what}) — add it at {CREDENTIALS_URL}, or check that the key is allowed "
            f"for this experience and its IP.{said}",
            scopes=list(operation.scopes),
            universe_id=universe,
        )
    if status == 404:
        return _not_found(operation, subject, roblox, said)
    if status == 409:
        return Aborted(f"{operation.name} on {what} conflicted with another write; retry.{said}")
    if status == 412:
        current = response.headers.get("roblox-entry-version")
        return PreconditionFailed(
            f"{what} changed since you read it (now at version {current or 'unknown'}); "
            f"nothing was written. Reload it, re-apply your change and save again.",
            current_version=current,
        )
    if status == 429:
        retry_after = retry_after_seconds(response)
        return RateLimited(
            f"Roblox is throttling {operation.name} for universe {universe} "
            f"({operation.category} budget); retry after {retry_after or 'a few'} seconds or "
            f"lower --budget-share.{said}",
            retry_after=retry_after,
        )
    if status == 501:
        return NotSupported(f"Roblox does not support {operation.name} here.{said}")
    if status in (502, 503, 504):
        return Unavailable(
            f"Open Cloud is unavailable ({status}) for {operation.name} on {what}; "
            f"try again shortly.{said}"
        )
    return InternalError(f"Open Cloud answered {status} to {operation.name} on {what}.{said}")


def _not_found(operation: Operation, subject: Subject, roblox: RobloxError, said: str) -> NotFound:
    message = roblox.message.lower()
    by_detail: dict[str, type[NotFound]] = {
        "KeyNotFound": EntryNotFound,
        "VersionNotFound": VersionNotFound,
        "DatastoreNotFound": DataStoreNotFound,
    }
    if roblox.detail_code in by_detail:
        return by_detail[roblox.detail_code](f"{subject.describe()} does not exist.{said}")
    if roblox.detail_code == "DatastoreDeleted" or ("delet" in message and "store" in message):
        return DataStoreDeleted(
            f"Data store {subject.store!r} is scheduled for deletion; undelete it before "
            f"using its entries.{said}"
        )
    if subject.version is not None:
        return VersionNotFound(
            f"Version {subject.version} of {subject.describe()} does not exist (versions "
            f"expire 30 days after being overwritten).{said}"
        )
    if subject.key is not None:
        return EntryNotFound(f"{subject.describe()} does not exist.{said}")
    if subject.store is not None:
        return DataStoreNotFound(f"Data store {subject.store!r} does not exist.{said}")
    return NotFound(f"Universe {subject.universe_id} was not found by Open Cloud.{said}")
