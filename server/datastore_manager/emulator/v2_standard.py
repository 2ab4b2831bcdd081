"""v2 standard data stores: ``/cloud/v2/universes/{u}/data-stores/...`` (FACTS §5, §5a, §5b, §12).

Entry paths come in two forms: unscoped (``.../{store}/entries``, the ``global`` scope here) and
scoped (``.../{store}/scopes/{scope}/entries``; ``scopes/-`` lists every scope with ids written
``scope/key``). A GET id may end in ``@<revisionId>``, ``@latest`` or ``@latest:<RFC 3339>``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from ..model import (
    DataStoreInfo,
    Entry,
    EntryDeleted,
    EntryNotFound,
    InvalidArgument,
    JsonValue,
    PreconditionFailed,
    StoreState,
    VersionInfo,
    format_time,
    parse_time,
    utc_now,
)
from ..model import limits as roblox
from ..model.limits import DEFAULT_SCOPE
from . import auth
from .context import Call
from .filters import id_prefix, revision_time_range
from .params import flag, json_object, optional_int, required
from .routing import Handler, Operation
from .wire import Api, json_response

BASE = "/cloud/v2/universes/{universe}/data-stores"
STORE = BASE + "/{store}"
ALL_SCOPES = "-"
_UPDATE_RETRIES = 5  # an unconditional PATCH re-reads and retries when it races another write


def _store_dict(universe: int, info: DataStoreInfo) -> dict[str, Any]:
    body: dict[str, Any] = {
        "path": f"universes/{universe}/data-stores/{info.name}",
        "id": info.name,
        "state": info.state.value,
    }
    if info.created_time is not None:
        body["createTime"] = format_time(info.created_time)
    if info.expire_time is not None:
        body["expireTime"] = format_time(info.expire_time)
    return body


def _scope(call: Call) -> str:
    return call.params.get("scope", DEFAULT_SCOPE)


def _entry_path(call: Call, entry_id: str) -> str:
    store = f"universes/{call.universe}/data-stores/{call.params['store']}"
    if "scope" in call.params:
        return f"{store}/scopes/{call.params['scope']}/entries/{entry_id}"
    return f"{store}/entries/{entry_id}"


def _full_entry(
    call: Call,
    entry_id: str,
    *,
    value: JsonValue,
    version: str,
    created: datetime,
    revision_created: datetime,
    attributes: dict[str, JsonValue],
    user_ids: tuple[int, ...] | list[int],
) -> dict[str, Any]:
    return {
        "path": _entry_path(call, entry_id),
        "createTime": format_time(created),
        "revisionId": version,
        "revisionCreateTime": format_time(revision_created),
        "state": "ACTIVE",
        "etag": version,
        "value": value,
        "id": entry_id,
        "users": [f"users/{user_id}" for user_id in user_ids],
        "attributes": attributes,
    }


def _from_entry(call: Call, entry: Entry, entry_id: str | None = None) -> dict[str, Any]:
    return _full_entry(
        call,
        entry_id or entry.key,
        value=entry.value,
        version=entry.version,
        created=entry.created_time,
        revision_created=entry.version_created_time,
        attributes=entry.attributes,
        user_ids=entry.user_ids,
    )


def _users(body: dict[str, Any]) -> list[int]:
    users = body.get("users") or []
    if not isinstance(users, list):
        raise InvalidArgument('users must be a list like ["users/123"].')
    ids: list[int] = []
    for user in users:
        prefix, _, number = str(user).partition("/")
        if prefix != "users" or not number.isdigit():
            raise InvalidArgument(f"User {user!r} is not in the form users/<id>, e.g. users/123.")
        ids.append(int(number))
    return ids


def _attributes(body: dict[str, Any]) -> dict[str, JsonValue]:
    attributes = body.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise InvalidArgument('attributes must be a JSON object, e.g. {"LockId": "…"}.')
    return attributes


def _page_size(call: Call) -> int:
    return optional_int(call.request.query_params, "maxPageSize") or roblox.V2_DEFAULT_PAGE_SIZE


# ---- data stores ------------------------------------------------------------------------


async def list_data_stores(call: Call) -> Response:
    query = call.request.query_params
    page = await call.backend.list_data_stores(
        prefix=id_prefix(query.get("filter")),
        cursor=query.get("pageToken") or None,
        limit=_page_size(call),
        show_deleted=flag(query, "showDeleted"),
    )
    stores = [_store_dict(call.universe, s) for s in page.items]
    return json_response({"dataStores": stores, "nextPageToken": page.next_cursor or ""})


async def delete_data_store(call: Call) -> Response:
    info = await call.backend.delete_data_store(call.params["store"])
    return json_response(_store_dict(call.universe, info))


async def undelete_data_store(call: Call) -> Response:
    info = await call.backend.undelete_data_store(call.params["store"])
    if info.state is not StoreState.ACTIVE:
        raise InvalidArgument(f"Data store {info.name!r} could not be undeleted.")
    return json_response(_store_dict(call.universe, info))


async def snapshot(call: Call) -> Response:
    result = await call.backend.snapshot()
    return json_response(result.to_dict())


# ---- entries ----------------------------------------------------------------------------


async def list_entries(call: Call) -> Response:
    query = call.request.query_params
    scope = _scope(call)
    all_scopes = scope == ALL_SCOPES
    page = await call.backend.list_keys(
        call.params["store"],
        scope=DEFAULT_SCOPE if all_scopes else scope,
        all_scopes=all_scopes,
        prefix=id_prefix(query.get("filter")),
        cursor=query.get("pageToken") or None,
        limit=_page_size(call),
        include_deleted=flag(query, "showDeleted"),
    )
    entries = []
    for item in page.items:
        entry_id = f"{item.scope}/{item.key}" if all_scopes else item.key
        entries.append({"path": _entry_path(call, entry_id), "id": entry_id})
    return json_response({"dataStoreEntries": entries, "nextPageToken": page.next_cursor or ""})


async def create_entry(call: Call) -> Response:
    key = required(call.request.query_params, "id")
    body_bytes = await call.request.body()
    body = json_object(body_bytes)
    if "value" not in body:
        raise InvalidArgument('The entry needs a value; send {"value": …}.')
    users, attributes = _users(body), _attributes(body)
    store, scope = call.params["store"], _scope(call)
    call.charge_write(len(body_bytes), store, scope, key)
    info = await call.backend.set_entry(
        store,
        key,
        body["value"],
        scope=scope,
        exclusive_create=True,
        attributes=attributes,
        user_ids=users,
    )
    return json_response(_written(call, key, body["value"], info, attributes, users))


def _written(
    call: Call,
    key: str,
    value: JsonValue,
    info: VersionInfo,
    attributes: dict[str, JsonValue],
    users: list[int],
) -> dict[str, Any]:
    return _full_entry(
        call,
        key,
        value=value,
        version=info.version,
        created=info.object_created_time,
        revision_created=info.created_time,
        attributes=attributes,
        user_ids=users,
    )


def _selector(entry_id: str) -> tuple[str, str | None, datetime | None]:
    """Split ``key@revision``, ``key@latest`` and ``key@latest:<time>`` (OA Get Entry)."""
    key, at, suffix = entry_id.rpartition("@")
    if not at:
        return entry_id, None, None
    if suffix == "latest":
        return key, None, None
    if suffix.startswith("latest:"):
        moment = parse_time(suffix.removeprefix("latest:"))
        if moment <= datetime(1970, 1, 1, tzinfo=UTC):
            raise InvalidArgument("The @latest:<time> timestamp must be after the Unix epoch.")
        if moment > utc_now() + roblox.MAX_FUTURE_TIMESTAMP:
            raise InvalidArgument(
                "The @latest:<time> timestamp may be at most "
                f"{roblox.MAX_FUTURE_TIMESTAMP.total_seconds() / 60:g} minutes in the future."
            )
        return key, None, moment
    return key, suffix, None


async def get_entry(call: Call) -> Response:
    key, version, as_of = _selector(call.params["entry"])
    entry = await call.backend.get_entry(
        call.params["store"], key, scope=_scope(call), version=version, as_of=as_of
    )
    return json_response(_from_entry(call, entry, call.params["entry"] if version else key))


async def update_entry(call: Call) -> Response:
    """PATCH is a full replacement; omitted users/attributes are cleared (OA). With ``etag``
    the write is conditional on it; without ``allowMissing`` the entry must exist."""
    key = call.params["entry"]  # an @revision suffix names a new key here (OA)
    body_bytes = await call.request.body()
    body = json_object(body_bytes)
    if "value" not in body:
        raise InvalidArgument("PATCH replaces the whole entry; the body needs a value.")
    users, attributes = _users(body), _attributes(body)
    etag = body.get("etag") or None
    allow_missing = flag(call.request.query_params, "allowMissing")
    store, scope = call.params["store"], _scope(call)
    call.charge_write(len(body_bytes), store, scope, key)
    for _ in range(_UPDATE_RETRIES):
        match = etag or (None if allow_missing else await _current_version(call, store, key))
        try:
            info = await call.backend.set_entry(
                store,
                key,
                body["value"],
                scope=scope,
                match_version=match,
                attributes=attributes,
                user_ids=users,
            )
        except PreconditionFailed:
            if etag is not None:
                raise
            continue  # another writer got in between our read and write: read again
        return json_response(_written(call, key, body["value"], info, attributes, users))
    raise PreconditionFailed(f"Entry {key!r} kept changing during the update; retry.")


async def _current_version(call: Call, store: str, key: str) -> str:
    try:
        return (await call.backend.get_entry(store, key, scope=_scope(call))).version
    except EntryDeleted as deleted:
        # A deleted entry can be restored by updating it (DSM); match its tombstone.
        return str(deleted.details["version"])
    except EntryNotFound:
        raise EntryNotFound(
            f"Entry {key!r} does not exist; create it, or pass allowMissing=true to PATCH."
        ) from None


async def delete_entry(call: Call) -> Response:
    await call.backend.delete_entry(call.params["store"], call.params["entry"], scope=_scope(call))
    return json_response({})  # OA's 200 has an empty content map; {} is the Empty message


async def increment_entry(call: Call) -> Response:
    body = json_object(await call.request.body())
    amount = body.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise InvalidArgument('The body needs a numeric amount, e.g. {"amount": 1}.')
    if isinstance(amount, float) and not amount.is_integer():
        raise InvalidArgument(f"amount must be an integer, got {amount}.")
    key = call.params["entry"]
    call.charge_write(1, call.params["store"], _scope(call), key)
    entry = await call.backend.increment_entry(
        call.params["store"],
        key,
        int(amount),
        scope=_scope(call),
        attributes=_attributes(body),
        user_ids=_users(body),
    )
    return json_response(_from_entry(call, entry))


async def list_revisions(call: Call) -> Response:
    query = call.request.query_params
    start, end = revision_time_range(query.get("filter"))
    key = call.params["entry"]
    page = await call.backend.list_versions(
        call.params["store"],
        key,
        scope=_scope(call),
        start_time=start,
        end_time=end,
        cursor=query.get("pageToken") or None,
        limit=_page_size(call),
    )
    revisions = []
    for version in page.items:
        revision_id = f"{key}@{version.version}"
        revisions.append(
            {
                "path": _entry_path(call, revision_id),
                "createTime": format_time(version.object_created_time),
                "revisionId": version.version,
                "revisionCreateTime": format_time(version.created_time),
                "state": "DELETED" if version.deleted else "ACTIVE",
                "etag": version.version,
                "id": revision_id,
            }
        )
    return json_response({"dataStoreEntries": revisions, "nextPageToken": page.next_cursor or ""})


def _op(
    name: str, method: str, path: str, handler: Handler, scopes: tuple[str, ...], budget: str | None
) -> Operation:
    return Operation(
        name=f"v2.{name}",
        api=Api.V2,
        method=method,
        template=path,
        handler=handler,
        scopes=scopes,
        category=budget,
    )


def _entry_operations(entries: str, form: str) -> tuple[Operation, ...]:
    entry = entries + "/{entry}"
    return (
        _op(f"{form}.list_entries", "GET", entries, list_entries, (auth.OBJECTS_LIST,),
            "standard.list"),
        _op(f"{form}.create_entry", "POST", entries, create_entry, (auth.OBJECTS_CREATE,),
            "standard.write"),
        _op(f"{form}.increment_entry", "POST", entry + ":increment", increment_entry,
            (auth.OBJECTS_CREATE, auth.OBJECTS_UPDATE), "standard.write"),
        _op(f"{form}.list_revisions", "GET", entry + ":listRevisions", list_revisions,
            (auth.VERSIONS_LIST,), "standard.list"),
        _op(f"{form}.get_entry", "GET", entry, get_entry, (auth.OBJECTS_READ,), "standard.read"),
        _op(f"{form}.update_entry", "PATCH", entry, update_entry, (auth.OBJECTS_UPDATE,),
            "standard.write"),
        _op(f"{form}.delete_entry", "DELETE", entry, delete_entry, (auth.OBJECTS_DELETE,),
            "standard.remove"),
    )  # fmt: skip


# Suffixed paths (``:snapshot``, ``:undelete``, ``:increment``…) come before the plain ones.
OPERATIONS = (
    _op("snapshot", "POST", BASE + ":snapshot", snapshot, (auth.CONTROL_SNAPSHOT,), None),
    _op("list_data_stores", "GET", BASE, list_data_stores, (auth.CONTROL_LIST,), "standard.list"),
    _op("undelete_data_store", "POST", STORE + ":undelete", undelete_data_store,
        (auth.CONTROL_DELETE,), "standard.remove"),
    _op("delete_data_store", "DELETE", STORE, delete_data_store, (auth.CONTROL_DELETE,),
        "standard.remove"),
    *_entry_operations(STORE + "/scopes/{scope}/entries", "scoped"),
    *_entry_operations(STORE + "/entries", "unscoped"),
)  # fmt: skip
