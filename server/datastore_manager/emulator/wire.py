"""Roblox's wire format: JSON bodies, error bodies of each API family, and entry headers.

Three error shapes exist (FACTS §9): the gateway's ``{"errors":[{"code":0,...}]}`` for auth and
routing, v1 standard's ``{"error","message","errorDetails"}``, and v2's (also used by v1
ordered) ``{"code","message","details"}``.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from starlette.responses import Response

from ..model import (
    AlreadyExists,
    DataStoreDeleted,
    DataStoreError,
    DataStoreNotFound,
    EntryNotFound,
    InvalidArgument,
    InvalidCursor,
    InvalidName,
    LimitExceeded,
    PreconditionFailed,
    RateLimited,
    VersionNotFound,
)
from ..model.times import format_time
from ..model.values import Entry, JsonValue, content_md5

JSON = "application/json"


class Api(StrEnum):
    V1 = "v1"  # /datastores/v1/... standard data stores
    ORDERED_V1 = "ordered-v1"  # /ordered-data-stores/v1/...
    V2 = "v2"  # /cloud/v2/...


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(
    data: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    media_type: str = JSON,
) -> Response:
    return Response(dumps(data), status_code=status, headers=headers, media_type=media_type)


def gateway_error(status: int, message: str) -> Response:
    """The API gateway's body for authentication and routing failures."""
    return json_response({"errors": [{"code": 0, "message": message}]}, status)


def error_response(
    api: Api,
    status: int,
    code: str,
    message: str,
    *,
    datastore_code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any]
    if api is Api.V1:
        body = {"error": code, "message": message}
        if datastore_code:
            body["errorDetails"] = [
                {"errorDetailType": "DatastoreErrorInfo", "datastoreErrorCode": datastore_code}
            ]
    else:
        body = {"code": code, "message": message}
    return json_response(body, status, headers)


def permission_denied(api: Api, scope: str, universe: int) -> Response:
    message = (
        f"The API key lacks the permission {scope} for universe {universe}. Add it to the key "
        "on the Creator Dashboard (https://create.roblox.com/dashboard/credentials)."
    )
    code = "INSUFFICIENT_SCOPE" if api is Api.V1 else "PERMISSION_DENIED"
    return error_response(api, 403, code, message, datastore_code="InsufficientScope")


def error_from_exception(api: Api, exc: DataStoreError) -> Response:
    """A model error as the given API family reports it."""
    status, code = exc.http_status, exc.code
    if isinstance(exc, AlreadyExists) and api is not Api.V1:
        status, code = 400, "INVALID_ARGUMENT"  # v2 / ordered create of an existing entry (OA)
    elif isinstance(exc, PreconditionFailed) and api is Api.V2:
        status, code = 409, "ABORTED"  # stale etag; see docs/opencloud-notes.md
    headers = None
    if isinstance(exc, RateLimited) and exc.retry_after is not None:
        headers = {"retry-after": str(max(1, round(exc.retry_after)))}
    return error_response(
        api, status, code, exc.message, datastore_code=_datastore_code(exc), headers=headers
    )


_LIMIT_CODES = {
    "MAX_VALUE_LENGTH": "ValueTooLarge",
    "MAX_ATTRIBUTES_LENGTH": "AttributeSizeTooLarge",
    "MAX_ATTRIBUTE_KEY_LENGTH": "AttributeSizeTooLarge",
    "MAX_ATTRIBUTE_VALUE_LENGTH": "AttributeSizeTooLarge",
    "MAX_USER_IDS": "UserIdLimitExceeded",
}


def _datastore_code(exc: DataStoreError) -> str | None:
    """v1's ``datastoreErrorCode`` (names from ECL)."""
    if isinstance(exc, LimitExceeded):
        return _LIMIT_CODES.get(exc.limit_name, "InvalidArgument")
    for kind, name in (
        (InvalidCursor, "InvalidCursor"),
        (InvalidName, "InvalidTarget"),
        (InvalidArgument, "InvalidArgument"),
        (VersionNotFound, "VersionNotFound"),
        (DataStoreDeleted, "DatastoreDeleted"),
        (DataStoreNotFound, "DatastoreNotFound"),
        (EntryNotFound, "KeyNotFound"),
        (PreconditionFailed, "PreconditionFailed"),
        (RateLimited, "Throttled"),
    ):
        if isinstance(exc, kind):
            return name
    return None


# ---- v1 entry headers -----------------------------------------------------------------------


def entry_body(value: JsonValue) -> bytes:
    return dumps(value)


def entry_headers(entry: Entry, body: bytes) -> dict[str, str]:
    """The ``roblox-entry-*`` and ``content-md5`` headers of v1 Get / Get Version / Increment."""
    return {
        "content-md5": content_md5(body.decode("utf-8")),
        "roblox-entry-version": entry.version,
        "roblox-entry-created-time": format_time(entry.created_time),
        "roblox-entry-version-created-time": format_time(entry.version_created_time),
        # Headers are latin-1 on the wire: escape non-ASCII so any attribute survives.
        "roblox-entry-attributes": json.dumps(entry.attributes, separators=(",", ":")),
        "roblox-entry-userids": json.dumps(list(entry.user_ids), separators=(",", ":")),
    }


def header_text(raw: str) -> str:
    """Starlette decodes header bytes as latin-1; clients send UTF-8."""
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def parse_attributes_header(raw: str | None) -> dict[str, JsonValue] | None:
    """``roblox-entry-attributes``: a JSON object; absent means "clear" (FACTS §3)."""
    if raw is None:
        return None
    try:
        value = json.loads(header_text(raw))
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise InvalidArgument(
            'roblox-entry-attributes must be a JSON object, e.g. {"myAttribute":"myValue"}.'
        )
    return value


def parse_user_ids_header(raw: str | None) -> list[int] | None:
    """``roblox-entry-userids``: a JSON array like ``[1,2]``; a bare comma list is accepted too
    because the spec's prose describes one (FACTS §22.5)."""
    if raw is None:
        return None
    text = raw.strip()
    try:
        value = json.loads(text if text.startswith("[") else f"[{text}]")
    except ValueError:
        value = None
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        raise InvalidArgument("roblox-entry-userids must be a JSON array of numbers, e.g. [1,2].")
    return value
