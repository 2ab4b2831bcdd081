"""v1 standard data stores: ``/datastores/v1/universes/{u}/standard-datastores/...`` (FACTS §3).

Deviations from the spec's schemas follow the documented examples (FACTS §22): list bodies are
``datastores`` / ``keys: [{scope, key}]`` / ``versions``; a tombstoned entry answers 204;
a failed ``matchVersion`` / ``exclusiveCreate`` answers 412 with the current entry's headers.
"""

from __future__ import annotations

import base64
import hashlib

from starlette.responses import Response

from ..model import (
    DataStoreError,
    Entry,
    EntryDeleted,
    EntryNotFound,
    InvalidArgument,
    PreconditionFailed,
    parse_time,
)
from ..model.limits import DEFAULT_SCOPE
from . import auth
from .context import Call
from .params import flag, json_body, optional_int, required
from .routing import Handler, Operation
from .wire import (
    Api,
    entry_body,
    entry_headers,
    error_from_exception,
    json_response,
    parse_attributes_header,
    parse_user_ids_header,
)

BASE = "/datastores/v1/universes/{universe}/standard-datastores"
ENTRY = BASE + "/datastore/entries/entry"


def _scope(call: Call) -> str:
    return call.request.query_params.get("scope") or DEFAULT_SCOPE


def _entry_response(entry: Entry) -> Response:
    body = entry_body(entry.value)
    return Response(body, 200, headers=entry_headers(entry, body), media_type="application/json")


async def list_data_stores(call: Call) -> Response:
    query = call.request.query_params
    page = await call.backend.list_data_stores(
        prefix=query.get("prefix") or "",
        cursor=query.get("cursor") or None,
        limit=optional_int(query, "limit"),
    )
    stores = [{"name": s.name, "createdTime": s.to_dict()["createdTime"]} for s in page.items]
    return json_response({"datastores": stores, "nextPageCursor": page.next_cursor or ""})


async def list_keys(call: Call) -> Response:
    query = call.request.query_params
    all_scopes = flag(query, "allScopes")
    if all_scopes and query.get("scope"):
        raise InvalidArgument("Pass either scope or allScopes=true, not both.")
    page = await call.backend.list_keys(
        required(query, "datastoreName"),
        scope=_scope(call),
        all_scopes=all_scopes,
        prefix=query.get("prefix") or "",
        cursor=query.get("cursor") or None,
        limit=optional_int(query, "limit"),
        include_deleted=True,  # V1: tombstoned keys are listed until purged
    )
    keys = [{"scope": k.scope, "key": k.key} for k in page.items]
    return json_response({"keys": keys, "nextPageCursor": page.next_cursor or ""})


async def get_entry(call: Call) -> Response:
    query = call.request.query_params
    try:
        entry = await call.backend.get_entry(
            required(query, "datastoreName"), required(query, "entryKey"), scope=_scope(call)
        )
    except EntryDeleted:
        return Response(status_code=204)
    return _entry_response(entry)


async def _require_write_scopes(call: Call, store: str, key: str, scope: str) -> None:
    """v1 Set/Increment need objects:update for an existing key, objects:create for a new
    one, and control:create for a new data store (FACTS §3, §15). Only looked up when the key
    does not hold all three anyway."""
    if not call.lacks_any(auth.OBJECTS_UPDATE, auth.OBJECTS_CREATE, auth.CONTROL_CREATE):
        return
    try:
        await call.backend.get_entry(store, key, scope=scope)
        exists = True
    except EntryNotFound:
        exists = False
    call.require(auth.OBJECTS_UPDATE if exists else auth.OBJECTS_CREATE)
    if not exists and call.lacks_any(auth.CONTROL_CREATE):
        page = await call.backend.list_data_stores(prefix=store)
        if not any(info.name == store for info in page.items):
            call.require(auth.CONTROL_CREATE)


async def set_entry(call: Call) -> Response:
    request, query = call.request, call.request.query_params
    store, key, scope = required(query, "datastoreName"), required(query, "entryKey"), _scope(call)
    body = await request.body()
    expected_md5 = request.headers.get("content-md5")
    if expected_md5 is not None:
        actual = base64.b64encode(hashlib.md5(body).digest()).decode("ascii")
        if expected_md5.strip() != actual:
            raise InvalidArgument(
                f"content-md5 {expected_md5.strip()!r} does not match the body (its MD5 is "
                f"{actual!r}); the body was changed in transit or the checksum was computed "
                "over different bytes. Nothing was written."
            )
    value = json_body(body, "entry value")
    attributes = parse_attributes_header(request.headers.get("roblox-entry-attributes"))
    user_ids = parse_user_ids_header(request.headers.get("roblox-entry-userids"))
    await _require_write_scopes(call, store, key, scope)
    call.charge_write(len(body), store, scope, key)
    try:
        version = await call.backend.set_entry(
            store,
            key,
            value,
            scope=scope,
            match_version=query.get("matchVersion") or None,
            exclusive_create=flag(query, "exclusiveCreate"),
            attributes=attributes,
            user_ids=user_ids,
        )
    except PreconditionFailed as exc:
        return await _precondition_failed(call, exc, store, key, scope)
    return json_response(version.to_dict(), media_type="text/json")


async def _precondition_failed(
    call: Call, exc: PreconditionFailed, store: str, key: str, scope: str
) -> Response:
    """412 carrying the *current* entry's headers, as real clients expect (FACTS §8)."""
    response = error_from_exception(Api.V1, exc)
    try:
        current = await call.backend.get_entry(store, key, scope=scope)
    except DataStoreError:
        return response
    headers = entry_headers(current, entry_body(current.value))
    del headers["content-md5"]  # describes the error body's neighbour, not this body
    response.headers.update(headers)
    return response


async def delete_entry(call: Call) -> Response:
    query = call.request.query_params
    await call.backend.delete_entry(
        required(query, "datastoreName"), required(query, "entryKey"), scope=_scope(call)
    )
    return Response(status_code=204)


async def increment_entry(call: Call) -> Response:
    request, query = call.request, call.request.query_params
    store, key, scope = required(query, "datastoreName"), required(query, "entryKey"), _scope(call)
    by = optional_int(query, "incrementBy")
    attributes = parse_attributes_header(request.headers.get("roblox-entry-attributes"))
    user_ids = parse_user_ids_header(request.headers.get("roblox-entry-userids"))
    await _require_write_scopes(call, store, key, scope)
    call.charge_write(1, store, scope, key)
    entry = await call.backend.increment_entry(
        store,
        key,
        1 if by is None else by,
        scope=scope,
        attributes=attributes,
        user_ids=user_ids,
    )
    return _entry_response(entry)


async def list_versions(call: Call) -> Response:
    query = call.request.query_params
    order = query.get("sortOrder") or "Ascending"
    if order not in ("Ascending", "Descending"):
        raise InvalidArgument(f"sortOrder must be Ascending or Descending, got {order!r}.")
    start, end = query.get("startTime"), query.get("endTime")
    page = await call.backend.list_versions(
        required(query, "datastoreName"),
        required(query, "entryKey"),
        scope=_scope(call),
        start_time=parse_time(start) if start else None,
        end_time=parse_time(end) if end else None,
        descending=order == "Descending",
        cursor=query.get("cursor") or None,
        limit=optional_int(query, "limit"),
    )
    versions = [v.to_dict() for v in page.items]
    return json_response({"versions": versions, "nextPageCursor": page.next_cursor or ""})


async def get_version(call: Call) -> Response:
    query = call.request.query_params
    try:
        entry = await call.backend.get_entry(
            required(query, "datastoreName"),
            required(query, "entryKey"),
            scope=_scope(call),
            version=required(query, "versionId"),
        )
    except EntryDeleted:
        return Response(status_code=204)
    return _entry_response(entry)


def _op(
    name: str, method: str, path: str, handler: Handler, *scopes: str, budget: str
) -> Operation:
    return Operation(
        name=f"v1.{name}",
        api=Api.V1,
        method=method,
        template=path,
        handler=handler,
        scopes=scopes,
        category=budget,
    )


OPERATIONS = (
    _op("list_data_stores", "GET", BASE, list_data_stores, auth.CONTROL_LIST,
        budget="standard.list"),
    _op("list_keys", "GET", BASE + "/datastore/entries", list_keys, auth.OBJECTS_LIST,
        budget="standard.list"),
    _op("get_entry", "GET", ENTRY, get_entry, auth.OBJECTS_READ, budget="standard.read"),
    _op("set_entry", "POST", ENTRY, set_entry, budget="standard.write"),
    _op("delete_entry", "DELETE", ENTRY, delete_entry, auth.OBJECTS_DELETE,
        budget="standard.remove"),
    _op("increment_entry", "POST", ENTRY + "/increment", increment_entry,
        budget="standard.write"),
    _op("list_versions", "GET", ENTRY + "/versions", list_versions, auth.VERSIONS_LIST,
        budget="standard.list"),
    _op("get_version", "GET", ENTRY + "/versions/version", get_version, auth.VERSIONS_READ,
        budget="standard.read"),
)  # fmt: skip
