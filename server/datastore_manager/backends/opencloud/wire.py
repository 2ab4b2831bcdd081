"""Open Cloud responses → model values. Accepts every documented shape where sources disagree
(FACTS §22): list wrappers, key items as strings or objects, user ids as JSON or comma lists."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from ...model import (
    DataStoreInfo,
    Entry,
    InternalError,
    JsonValue,
    KeyInfo,
    OrderedEntry,
    SnapshotResult,
    StoreKind,
    StoreState,
    VersionInfo,
    parse_time,
)
from ...model.values import content_md5


def body_json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        raise InternalError(
            f"Open Cloud sent a non-JSON body to {response.request.method} "
            f"{response.request.url.path} ({response.status_code})."
        ) from None


def next_cursor(body: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = body.get(name)
        if value:
            return str(value)
    return None


def _time(value: object) -> datetime | None:
    return parse_time(str(value)) if value else None


# ---- v1 standard ---------------------------------------------------------------------------


def header_json(headers: httpx.Headers, name: str) -> Any:
    raw = headers.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def user_ids_from_header(headers: httpx.Headers) -> tuple[int, ...]:
    value = header_json(headers, "roblox-entry-userids")
    if isinstance(value, list):
        return tuple(int(v) for v in value)
    if isinstance(value, int):
        return (value,)
    if isinstance(value, str):  # "1, 2, 3" (the spec's prose, FACTS §22.5)
        return tuple(int(part) for part in value.split(",") if part.strip())
    return ()


def entry_from_v1(store: str, scope: str, key: str, response: httpx.Response) -> Entry:
    """v1 Get / Get Version / Increment: the body is the value, metadata rides in headers."""
    headers = response.headers
    text = response.content.decode("utf-8")
    value: JsonValue = body_json(response)
    version_time = _time(headers.get("roblox-entry-version-created-time"))
    created = _time(headers.get("roblox-entry-created-time")) or version_time
    attributes = header_json(headers, "roblox-entry-attributes")
    if version_time is None or created is None:
        raise InternalError("Open Cloud sent an entry without its roblox-entry-* time headers.")
    return Entry(
        store=store,
        scope=scope,
        key=key,
        value=value,
        version=headers.get("roblox-entry-version", ""),
        created_time=created,
        updated_time=version_time,
        version_created_time=version_time,
        attributes=attributes if isinstance(attributes, dict) else {},
        user_ids=user_ids_from_header(headers),
        content_md5=headers.get("content-md5") or content_md5(text),
        size=len(text),
    )


def version_from_v1(item: Mapping[str, Any]) -> VersionInfo:
    created = _time(item.get("createdTime"))
    if created is None:
        raise InternalError("Open Cloud sent a version without createdTime.")
    return VersionInfo(
        version=str(item.get("version", "")),
        deleted=bool(item.get("deleted", False)),
        content_length=int(item.get("contentLength", 0)),
        created_time=created,
        object_created_time=_time(item.get("objectCreatedTime")) or created,
    )


def versions_from_v1(body: Any) -> list[VersionInfo]:
    """The wrapper is undocumented (FACTS §22.3): accept a list, ``versions`` or ``data``."""
    if isinstance(body, Mapping) and "version" in body:
        return [version_from_v1(body)]
    items = body if isinstance(body, list) else None
    if isinstance(body, Mapping):
        items = body.get("versions", body.get("data", body.get("entries", [])))
    return [version_from_v1(item) for item in items or []]


def key_from_v1(item: object, scope: str) -> KeyInfo:
    """``"k"``, ``{"key": "k"}`` or ``{"scope": "s", "key": "k"}`` (FACTS §22.2)."""
    if isinstance(item, Mapping):
        return KeyInfo(scope=str(item.get("scope") or scope), key=str(item.get("key", "")))
    return KeyInfo(scope=scope, key=str(item))


# ---- v2 ----------------------------------------------------------------------------------------


def _state(value: object) -> StoreState:
    return StoreState.DELETED if value == "DELETED" else StoreState.ACTIVE


def data_store_from_v2(item: Mapping[str, Any]) -> DataStoreInfo:
    name = item.get("id") or str(item.get("path", "")).rsplit("/", 1)[-1]
    return DataStoreInfo(
        name=str(name),
        created_time=_time(item.get("createTime")),
        kind=StoreKind.STANDARD,
        state=_state(item.get("state")),
        expire_time=_time(item.get("expireTime")),
    )


def key_from_v2(item: Mapping[str, Any], scope: str, *, all_scopes: bool) -> KeyInfo:
    """A list item carries ``path`` and ``id``; listing ``scopes/-`` gives ids ``scope/key``.
    ``state`` is not documented on list items; it is used when present."""
    entry_id = str(item.get("id", ""))
    if all_scopes:
        scope, _, entry_id = entry_id.partition("/")
    return KeyInfo(scope=scope, key=entry_id, deleted=item.get("state") == "DELETED")


def user_id_from_v2(text: object) -> int:
    return int(str(text).rsplit("/", 1)[-1])


def entry_from_v2(store: str, scope: str, key: str, item: Mapping[str, Any]) -> Entry:
    value = item.get("value")
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    version_time = _time(item.get("revisionCreateTime"))
    if version_time is None:
        raise InternalError("Open Cloud sent an entry without revisionCreateTime.")
    attributes = item.get("attributes")
    return Entry(
        store=store,
        scope=scope,
        key=key,
        value=value,
        version=str(item.get("revisionId", "")),
        created_time=_time(item.get("createTime")) or version_time,
        updated_time=version_time,
        version_created_time=version_time,
        attributes=dict(attributes) if isinstance(attributes, Mapping) else {},
        user_ids=tuple(user_id_from_v2(u) for u in item.get("users") or ()),
        content_md5=content_md5(text),
        size=len(text),
    )


def snapshot_from_v2(body: Mapping[str, Any]) -> SnapshotResult:
    latest = _time(body.get("latestSnapshotTime"))
    if latest is None:
        raise InternalError("Open Cloud's snapshot answer had no latestSnapshotTime.")
    return SnapshotResult(bool(body.get("newSnapshotTaken", False)), latest)


# ---- ordered ---------------------------------------------------------------------------------


def ordered_from_wire(store: str, scope: str, item: Mapping[str, Any]) -> OrderedEntry:
    """v1 ``{path, id, value:int64}`` or v2 ``{path, id, value:double}``."""
    key = item.get("id") or str(item.get("path", "")).rsplit("/", 1)[-1]
    raw = item.get("value", 0)
    value = int(raw) if isinstance(raw, int) else round(float(raw))
    return OrderedEntry(store=store, scope=scope, key=str(key), value=value)
