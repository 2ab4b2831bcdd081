"""The ``dataStore/*`` custom requests (docs/protocol.md): the extension's only data channel."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..model import (
    DataStoreError,
    EntryNotFound,
    InvalidArgument,
    PreconditionFailed,
    ReadOnly,
    StoreKind,
    parse_time,
)
from ..model.limits import DEFAULT_SCOPE
from ..model.uris import EntryUri, FolderUri, entry_uri, parse_entry_uri
from ..services import entries, guard
from ..services.session_locks import detect_session_lock
from . import lock_markers, validation
from .errors import rpc_error

if TYPE_CHECKING:
    from .server import DsmServer

Handler = Callable[["DsmServer", dict[str, Any]], Awaitable[Any]]
HANDLERS: dict[str, Handler] = {}


def request(method: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[method] = handler
        return handler

    return register


async def dispatch(server: DsmServer, method: str, params: Any) -> Any:
    if params is not None and not isinstance(params, Mapping):
        raise rpc_error(InvalidArgument(f"{method} takes an object of parameters."))
    try:
        validation.check_params(method, dict(params or {}))
        return await HANDLERS[method](server, dict(params or {}))
    except DataStoreError as error:
        raise rpc_error(error) from None


def _str(params: Mapping[str, Any], name: str, default: str | None = None) -> str:
    value = params.get(name, default)
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"Parameter {name!r} must be a non-empty string.")
    return value


def _int(params: Mapping[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidArgument(f"Parameter {name!r} must be an integer.")
    return value


def _entry(params: Mapping[str, Any], kind: StoreKind | None = None) -> EntryUri:
    uri = parse_entry_uri(_str(params, "uri"))
    if kind is not None and uri.kind is not kind:
        raise InvalidArgument(f"{uri} is not a {kind.value} entry URI; see docs/uri-scheme.md.")
    return uri


# ---- listings ----------------------------------------------------------------------------


@request("dataStore/listConnections")
async def list_connections(server: DsmServer, params: dict[str, Any]) -> Any:
    state = server.state
    return {
        "connections": [
            {
                "name": c.name,
                "target": c.target,
                "kind": c.target.split(":", 1)[0],
                "readOnly": c.read_only,
                "hasApiKey": c.name in state.settings.api_keys,
                "description": c.description,
                "uri": str(FolderUri(c.name)),
                "source": c.source,
            }
            | ({"baseUrl": c.base_url} if c.base_url else {})
            | _safety(server, c.name)
            for c in sorted(state.settings.connections.values(), key=lambda c: c.name)
        ],
        "configError": state.config_error,
    }


def _safety(server: DsmServer, connection: str) -> dict[str, Any]:
    """``role``, ``protected``, ``idleTimeoutMinutes`` and ``writesEnabled`` of a connection."""
    state = server.state
    try:
        policy = state.policy(connection)
    except DataStoreError:
        return {}
    session = state.sessions.get(connection)
    return {
        "role": policy.role.value,
        "protected": policy.protected,
        "idleTimeoutMinutes": policy.idle_timeout_minutes,
        "writesEnabled": _writes_enabled(policy, session),
    }


def _writes_enabled(policy: Any, session: guard.GuardSession | None) -> bool:
    if not policy.role.can_write():
        return False
    if not policy.protected:
        return True
    if session is None:
        return False
    try:
        session.access.check(policy)
    except DataStoreError:
        return False
    return True


@request("dataStore/enableWrites")
async def enable_writes(server: DsmServer, params: dict[str, Any]) -> Any:
    """Grant (``enabled`` true, the default) or revoke write access to a connection; on a
    protected connection access lapses after ``idleTimeoutMinutes`` without activity."""
    connection = _str(params, "connection")
    enabled = params.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InvalidArgument("Parameter 'enabled' must be true or false.")
    state = server.state
    session = state.session(connection)
    session.policy = state.policy(connection)
    if enabled:
        session.access.grant()
    else:
        session.access.revoke()
    return {"connection": connection} | _safety(server, connection)


@request("dataStore/listStores")
async def list_stores(server: DsmServer, params: dict[str, Any]) -> Any:
    connection = _str(params, "connection")
    backend = server.state.backend(connection)
    kind = StoreKind(params.get("kind", "standard"))
    lister = backend.list_ordered_data_stores if kind is StoreKind.ORDERED else None
    if lister is not None:
        page = await lister(
            prefix=params.get("prefix", ""),
            cursor=params.get("cursor"),
            limit=_int(params, "limit"),
        )
    else:
        page = await backend.list_data_stores(
            prefix=params.get("prefix", ""),
            cursor=params.get("cursor"),
            limit=_int(params, "limit"),
        )
    items = [
        info.to_dict()
        | {"kind": kind.value, "uri": str(FolderUri(connection, info.name, kind=kind))}
        for info in page.items
    ]
    return {"items": items, "nextCursor": page.next_cursor}


@request("dataStore/listScopes")
async def list_scopes(server: DsmServer, params: dict[str, Any]) -> Any:
    """Roblox has no scope listing: scopes are read off an all-scopes key listing."""
    connection, store = _str(params, "connection"), _str(params, "store")
    backend = server.state.backend(connection)
    limit = _int(params, "limit") or 100
    scopes: list[str] = []
    cursor = params.get("cursor")
    while len(scopes) < limit:
        page = await backend.list_keys(store, all_scopes=True, cursor=cursor, limit=256)
        for info in page.items:
            if (not scopes or scopes[-1] != info.scope) and info.scope not in scopes:
                scopes.append(info.scope)
        cursor = page.next_cursor
        if cursor is None:
            break
    items = [{"scope": s, "uri": str(FolderUri(connection, store, s))} for s in scopes]
    return {"items": items, "nextCursor": cursor}


@request("dataStore/listKeys")
async def list_keys(server: DsmServer, params: dict[str, Any]) -> Any:
    connection, store = _str(params, "connection"), _str(params, "store")
    scope = _str(params, "scope", DEFAULT_SCOPE)
    page = await server.state.backend(connection).list_keys(
        store,
        scope=scope,
        prefix=params.get("prefix", ""),
        cursor=params.get("cursor"),
        limit=_int(params, "limit"),
        include_deleted=bool(params.get("includeDeleted", False)),
    )
    locks = await lock_markers.page_locks(server, connection, store, page.items)
    items = [
        info.to_dict()
        | {"uri": str(entry_uri(connection, store, info.key, scope=info.scope))}
        | ({"sessionLock": lock} if (lock := locks.get((info.scope, info.key))) else {})
        for info in page.items
    ]
    return {"items": items, "nextCursor": page.next_cursor}


# ---- standard entries ----------------------------------------------------------------------


def metadata_of(entry: Any) -> dict[str, Any]:
    data = entry.to_dict()
    keys = ("createdTime", "updatedTime", "versionCreatedTime", "attributes", "userIds")
    return {k: data[k] for k in keys} | {"size": entry.size, "contentMd5": entry.content_md5}


@request("dataStore/read")
async def read(server: DsmServer, params: dict[str, Any]) -> Any:
    uri = _entry(params)
    state = server.state
    backend = state.backend(uri.connection)
    if uri.kind is StoreKind.ORDERED:
        ordered = await backend.get_ordered(uri.store, uri.key, scope=uri.scope)
        return {
            "uri": str(uri),
            "kind": "ordered",
            "content": f"{ordered.value}\n",
            "version": None,
            "readOnly": backend.read_only,
            "sessionLock": None,
        }
    entry = await entries.read_entry(
        backend, uri.store, uri.key, scope=uri.scope, version=uri.version
    )
    state.entries[str(uri)] = entry
    lock = detect_session_lock(entry.value, entry.attributes)
    return {
        "uri": str(uri),
        "kind": "standard",
        "content": state.format_value(entry.value),
        "version": entry.version,
        "readOnly": uri.read_only or backend.read_only,
        "metadata": metadata_of(entry),
        "sessionLock": lock.to_dict() if lock else None,
    }


def parse_content(content: Any, uri: EntryUri) -> Any:
    if not isinstance(content, str):
        raise InvalidArgument("Parameter 'content' must be the JSON text of the value.")
    try:
        return json.loads(content, parse_constant=_no_constants)
    except json.JSONDecodeError as error:
        raise InvalidArgument(
            f"{uri.key}: not valid JSON at line {error.lineno}, column {error.colno} "
            f"({error.msg}); nothing was written."
        ) from None


def _no_constants(name: str) -> Any:
    raise InvalidArgument(f"{name} is not JSON and Roblox cannot store it; nothing was written.")


def write_intent(params: Mapping[str, Any]) -> guard.WriteIntent:
    """What the user said about this write: ``reason``, ``force`` (``overrideSessionLock`` is
    its older name) and ``confirmed`` (a protected connection)."""
    reason = params.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise InvalidArgument("Parameter 'reason' must be a string.")
    flags = {}
    for name in ("force", "overrideSessionLock", "confirmed"):
        value = params.get(name, False)
        if not isinstance(value, bool):
            raise InvalidArgument(f"Parameter {name!r} must be true or false.")
        flags[name] = value
    return guard.WriteIntent(
        reason=reason or None,
        force=flags["force"] or flags["overrideSessionLock"],
        confirmed=flags["confirmed"],
    )


@contextmanager
def gated(params: Mapping[str, Any]) -> Iterator[None]:
    """Run the block's writes with this request's intent (roles, protected connections,
    session locks and the audit log are applied by services/guard.py on the bound backend)."""
    with guard.write_intent(write_intent(params)):
        yield


async def conflict(
    server: DsmServer, uri: EntryUri, expected: str | None, error: DataStoreError
) -> Exception:
    """The Conflict error: carries the remote value and version for the client's diff."""
    backend = server.state.backend(uri.connection)
    remote: dict[str, Any] = {"exists": False, "deleted": False, "version": None, "content": None}
    try:
        current = await backend.get_entry(uri.store, uri.key, scope=uri.scope)
        remote = {
            "exists": True,
            "deleted": False,
            "version": current.version,
            "content": server.state.format_value(current.value),
            "metadata": metadata_of(current),
        }
    except EntryNotFound:
        latest = await entries.latest_version(backend, uri.store, uri.key, scope=uri.scope)
        if latest is not None:
            remote |= {"deleted": latest.deleted, "version": latest.version}
    return rpc_error(error, uri=str(uri.latest()), expectedVersion=expected, remote=remote)


@request("dataStore/write")
async def write(server: DsmServer, params: dict[str, Any]) -> Any:
    uri = _entry(params, StoreKind.STANDARD)
    if uri.read_only:
        raise ReadOnly(f"{uri} is a fixed version (read-only); roll back to it instead.")
    if "expectedVersion" not in params:
        raise InvalidArgument("Parameter 'expectedVersion' is required (null to create).")
    expected = params["expectedVersion"]
    value = parse_content(params.get("content"), uri)
    precondition = (
        entries.MUST_NOT_EXIST if expected is None else entries.Precondition.match(str(expected))
    )
    backend = server.state.backend(uri.connection)
    try:
        with gated(params):
            written = await entries.write_entry(
                backend,
                uri.store,
                uri.key,
                value,
                scope=uri.scope,
                precondition=precondition,
                attributes=params.get("attributes", entries.KEEP),
                user_ids=params.get("userIds", entries.KEEP),
            )
    except PreconditionFailed as error:
        raise await conflict(server, uri, expected, error) from None
    server.after_write(uri)
    return {"uri": str(uri), **_written(written)}


def _written(info: Any) -> dict[str, Any]:
    data = info.to_dict()
    return {
        "version": data["version"],
        "createdTime": data["createdTime"],
        "contentLength": data["contentLength"],
    }


@request("dataStore/delete")
async def delete(server: DsmServer, params: dict[str, Any]) -> Any:
    uri = _entry(params)
    backend = server.state.backend(uri.connection)
    if uri.kind is StoreKind.ORDERED:
        with gated(params):
            await entries.delete_ordered(backend, uri.store, uri.key, scope=uri.scope)
        return {"uri": str(uri), "version": None}
    if uri.read_only:
        raise ReadOnly(f"{uri} is a fixed version (read-only).")
    expected = params.get("expectedVersion")
    precondition = entries.Precondition.match(expected) if expected else entries.UNCONDITIONAL
    try:
        with gated(params):
            info = await entries.delete_entry(
                backend, uri.store, uri.key, scope=uri.scope, precondition=precondition
            )
    except PreconditionFailed as error:
        raise await conflict(server, uri, expected, error) from None
    server.after_write(uri)
    return {"uri": str(uri), **_written(info)}


@request("dataStore/listVersions")
async def list_versions(server: DsmServer, params: dict[str, Any]) -> Any:
    uri = _entry(params, StoreKind.STANDARD)
    times = {
        name: parse_time(params[key]) if params.get(key) else None
        for name, key in (("start_time", "startTime"), ("end_time", "endTime"))
    }
    page = await entries.list_versions(
        server.state.backend(uri.connection),
        uri.store,
        uri.key,
        scope=uri.scope,
        descending=bool(params.get("descending", True)),
        cursor=params.get("cursor"),
        limit=_int(params, "limit"),
        **times,
    )
    items = [v.to_dict() | {"uri": str(uri.latest().at_version(v.version))} for v in page.items]
    return {"items": items, "nextCursor": page.next_cursor}


@request("dataStore/updateMetadata")
async def update_metadata(server: DsmServer, params: dict[str, Any]) -> Any:
    uri = _entry(params, StoreKind.STANDARD)
    expected = _str(params, "expectedVersion")
    backend = server.state.backend(uri.connection)
    current = await entries.read_entry(backend, uri.store, uri.key, scope=uri.scope)
    try:
        with gated(params):
            written = await entries.write_entry(
                backend,
                uri.store,
                uri.key,
                current.value,
                scope=uri.scope,
                precondition=entries.Precondition.match(expected),
                attributes=params.get("attributes", entries.KEEP),
                user_ids=params.get("userIds", entries.KEEP),
            )
    except PreconditionFailed as error:
        raise await conflict(server, uri, expected, error) from None
    server.after_write(uri)
    return {"uri": str(uri), **_written(written)}


# ---- ordered entries ---------------------------------------------------------------------


def _ordered_item(connection: str, item: Any) -> dict[str, Any]:
    uri = entry_uri(connection, item.store, item.key, scope=item.scope, kind=StoreKind.ORDERED)
    return {"uri": str(uri), "scope": item.scope, "key": item.key, "value": item.value}


@request("dataStore/orderedList")
async def ordered_list(server: DsmServer, params: dict[str, Any]) -> Any:
    connection, store = _str(params, "connection"), _str(params, "store")
    page = await server.state.backend(connection).list_ordered(
        store,
        scope=_str(params, "scope", DEFAULT_SCOPE),
        descending=bool(params.get("descending", False)),
        min_value=_int(params, "minValue"),
        max_value=_int(params, "maxValue"),
        cursor=params.get("cursor"),
        limit=_int(params, "limit"),
    )
    return {
        "items": [_ordered_item(connection, item) for item in page.items],
        "nextCursor": page.next_cursor,
    }


@request("dataStore/orderedGet")
async def ordered_get(server: DsmServer, params: dict[str, Any]) -> Any:
    uri = _entry(params, StoreKind.ORDERED)
    backend = server.state.backend(uri.connection)
    item = await backend.get_ordered(uri.store, uri.key, scope=uri.scope)
    return _ordered_item(uri.connection, item)


_MODES = {"create": "must_not_exist", "update": "must_exist", "upsert": "none"}


@request("dataStore/orderedSet")
async def ordered_set(server: DsmServer, params: dict[str, Any]) -> Any:
    uri = _entry(params, StoreKind.ORDERED)
    mode = params.get("mode", "update")
    if mode not in _MODES:
        raise InvalidArgument(f"Parameter 'mode' must be one of {sorted(_MODES)}, got {mode!r}.")
    value = _int(params, "value")
    if value is None:
        raise InvalidArgument("Parameter 'value' (an integer) is required.")
    with gated(params):
        item = await entries.set_ordered(
            server.state.backend(uri.connection),
            uri.store,
            uri.key,
            value,
            scope=uri.scope,
            precondition=_MODES[mode],  # type: ignore[arg-type]
        )
    return _ordered_item(uri.connection, item)


@request("dataStore/orderedIncrement")
async def ordered_increment(server: DsmServer, params: dict[str, Any]) -> Any:
    uri = _entry(params, StoreKind.ORDERED)
    amount = _int(params, "amount")
    if amount is None:
        raise InvalidArgument("Parameter 'amount' (an integer) is required.")
    with gated(params):
        item = await entries.increment_ordered(
            server.state.backend(uri.connection), uri.store, uri.key, amount, scope=uri.scope
        )
    return _ordered_item(uri.connection, item)
