"""``dataStore/stat`` and ``dataStore/readDirectory``: what a FileSystemProvider needs
without reading values (docs/protocol.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..backends import DataStoreBackend
from ..backends.cursors import decode_cursor, encode_cursor, fingerprint
from ..model import (
    Entry,
    EntryDeleted,
    EntryNotFound,
    InvalidArgument,
    NotSupported,
    PermissionDenied,
    StoreKind,
)
from ..model.limits import DEFAULT_SCOPE
from ..model.times import format_time
from ..model.uris import ENTRY_SUFFIX, EntryUri, FolderUri, entry_uri, escape_name, parse_uri
from ..services import entries
from .requests import _int, _str, list_scopes, request

if TYPE_CHECKING:
    from .server import DsmServer

MAX_PAGE = 1000


@request("dataStore/stat")
async def stat(server: DsmServer, params: dict[str, Any]) -> Any:
    """Entries: version, size (bytes of the stored JSON) and times from the version listing
    (no value is read — unless the API key may not list versions); folders: ``type:
    "directory"``. A deleted or unknown entry is NotFound (``EntryNotFound`` /
    ``EntryDeleted``)."""
    uri = parse_uri(_str(params, "uri"))
    if isinstance(uri, FolderUri):
        server.state.backend(uri.connection)  # an unknown connection is NotFound
        return {"uri": str(uri), "type": "directory", "version": None, "size": 0,
                "createdTime": None, "updatedTime": None, "readOnly": True}  # fmt: skip
    backend = server.state.backend(uri.connection)
    read_only = uri.read_only or backend.read_only
    if uri.kind is StoreKind.ORDERED:
        item = await backend.get_ordered(uri.store, uri.key, scope=uri.scope)
        return _file(uri, None, len(f"{item.value}\n"), None, None, read_only)
    if uri.version is not None:
        cached = server.state.entries.get(str(uri))
        entry = cached or await entries.read_entry(
            backend, uri.store, uri.key, scope=uri.scope, version=uri.version
        )
        return _entry_file(uri, entry, read_only)
    try:
        latest = await entries.latest_version(backend, uri.store, uri.key, scope=uri.scope)
    except PermissionDenied:
        # An API key may read entries without listing versions: stat from the entry itself
        # (the editor reads it next anyway, from the cache).
        entry = await entries.read_entry(backend, uri.store, uri.key, scope=uri.scope)
        return _entry_file(uri, entry, read_only)
    if latest is None:
        raise EntryNotFound(f"{uri.store}/{uri.key} does not exist (scope {uri.scope}).")
    if latest.deleted:
        raise EntryDeleted(f"{uri.store}/{uri.key} is deleted (version {latest.version}).")
    return _file(
        uri,
        latest.version,
        latest.content_length,
        format_time(latest.object_created_time),
        format_time(latest.created_time),
        read_only,
    )


def _entry_file(uri: EntryUri, entry: Entry, read_only: bool) -> dict[str, Any]:
    return _file(
        uri,
        entry.version,
        entry.size,
        format_time(entry.created_time),
        format_time(entry.version_created_time),
        read_only,
    )


def _file(
    uri: EntryUri,
    version: str | None,
    size: int,
    created: str | None,
    updated: str | None,
    read_only: bool,
) -> dict[str, Any]:
    return {
        "uri": str(uri),
        "type": "file",
        "version": version,
        "size": size,
        "createdTime": created,
        "updatedTime": updated,
        "readOnly": read_only,
    }


def _child(name: str, kind: str, uri: Any, segment: str | None = None) -> dict[str, Any]:
    """``name`` as users read it; ``segment`` is the URI path segment (escaped name, and
    ``.json`` for entries) a client joins to the folder's path."""
    return {"name": name, "segment": segment or escape_name(name), "type": kind, "uri": str(uri)}


@request("dataStore/readDirectory")
async def read_directory(server: DsmServer, params: dict[str, Any]) -> Any:
    """One page of a folder's children: a connection → its data stores and ``:ordered``;
    ``:ordered`` → ordered stores; a store → its scopes; a scope → its entries."""
    uri = parse_uri(_str(params, "uri"))
    if not isinstance(uri, FolderUri):
        raise InvalidArgument(f"{uri} is an entry, not a folder; use dataStore/stat.")
    limit = _int(params, "limit") or 256
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidArgument(f"'limit' must be between 1 and {MAX_PAGE}.")
    cursor = params.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise InvalidArgument("'cursor' must be a string or null.")
    connection = uri.connection
    backend = server.state.backend(connection)
    items: list[dict[str, Any]] = []
    next_cursor: str | None
    if uri.store is None:
        ordered = uri.kind is StoreKind.ORDERED
        lister = backend.list_ordered_data_stores if ordered else backend.list_data_stores
        page = await lister(cursor=cursor, limit=limit)
        items = [
            _child(s.name, "directory", FolderUri(connection, s.name, kind=uri.kind))
            for s in page.items
        ]
        next_cursor = page.next_cursor
        if not ordered and cursor is None:
            marker = FolderUri(connection, kind=StoreKind.ORDERED)
            items.insert(0, {"name": ":ordered", "segment": "%3Aordered", "type": "directory",
                             "uri": str(marker)})  # fmt: skip
    elif uri.scope is None:
        if uri.kind is StoreKind.ORDERED:
            names = await ordered_scopes(server, backend, connection, uri.store)
            query = fingerprint("ordered-scopes", connection, uri.store)
            after = str(decode_cursor(cursor, query)[0]) if cursor else None
            rest = [name for name in names if after is None or name > after]
            items = [
                _child(name, "directory", FolderUri(connection, uri.store, name, kind=uri.kind))
                for name in rest[:limit]
            ]
            more = len(rest) > limit
            next_cursor = encode_cursor(query, [rest[limit - 1]]) if more else None
            return {"uri": str(uri), "items": items, "nextCursor": next_cursor}
        scopes = await list_scopes(
            server,
            {
                "connection": connection,
                "store": uri.store,
                "cursor": cursor,
                "limit": limit,
            },
        )
        items = [
            _child(s["scope"], "directory", FolderUri(connection, uri.store, s["scope"]))
            for s in scopes["items"]
        ]
        next_cursor = scopes["nextCursor"]
    elif uri.kind is StoreKind.ORDERED:
        page_o = await backend.list_ordered(uri.store, scope=uri.scope, cursor=cursor, limit=limit)
        items = [_entry_child(connection, i.store, i.scope, i.key, uri.kind) for i in page_o.items]
        next_cursor = page_o.next_cursor
    else:
        page_k = await backend.list_keys(uri.store, scope=uri.scope, cursor=cursor, limit=limit)
        items = [
            _entry_child(connection, uri.store, i.scope, i.key, uri.kind) for i in page_k.items
        ]
        next_cursor = page_k.next_cursor
    return {"uri": str(uri), "items": items, "nextCursor": next_cursor}


async def ordered_scopes(
    server: DsmServer, backend: DataStoreBackend, connection: str, store: str
) -> list[str]:
    """An ordered store's scopes, by name: the real ones when the backend can list them (local,
    snapshot); else (Open Cloud has no such API) ``global`` plus the connection's configured
    ``orderedScopes`` for the store."""
    try:
        return await backend.list_ordered_scopes(store)
    except NotSupported:
        config = server.state.settings.connections.get(connection)
        named = config.ordered_scopes.get(store, ()) if config is not None else ()
        return sorted({DEFAULT_SCOPE, *named})


def _entry_child(connection: str, store: str, scope: str, key: str, kind: StoreKind) -> Any:
    uri = entry_uri(connection, store, key, scope=scope, kind=kind)
    return _child(key, "file", uri, escape_name(key) + ENTRY_SUFFIX)
