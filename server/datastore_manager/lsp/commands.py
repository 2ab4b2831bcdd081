"""``workspace/executeCommand`` commands: snapshot, rollback, compare, validate, infer, docs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ..model import DataStoreError, InvalidArgument, PreconditionFailed, StoreKind
from ..model.limits import DEFAULT_SCOPE
from ..model.uris import entry_uri, parse_entry_uri
from ..services import entries
from ..services.schemas import LoadedSchema, content_version, resolve_url
from . import validation
from .errors import rpc_error
from .requests import conflict, gated

if TYPE_CHECKING:
    from .server import DsmServer

COMMANDS = (
    "dataStore.snapshot",
    "dataStore.rollback",
    "dataStore.compareVersions",
    "dataStore.validateStore",
    "dataStore.inferSchema",
    "dataStore.schemaDocs",
)
PROGRESS_EVERY = 25


async def execute(server: DsmServer, params: types.ExecuteCommandParams) -> Any:
    args = params.arguments or [{}]
    if not isinstance(args[0], Mapping):
        raise rpc_error(InvalidArgument(f"{params.command} takes one object argument."))
    handler = _HANDLERS.get(params.command)
    if handler is None:
        raise rpc_error(InvalidArgument(f"Unknown command {params.command!r}."))
    try:
        validation.check_arguments(params.command, dict(args[0]))
        return await handler(server, dict(args[0]), params.work_done_token)
    except DataStoreError as error:
        raise rpc_error(error) from None


async def snapshot(server: DsmServer, args: dict[str, Any], token: Any) -> Any:
    backend = server.state.backend(str(args.get("connection")))
    return (await backend.snapshot()).to_dict()


async def rollback(server: DsmServer, args: dict[str, Any], token: Any) -> Any:
    uri = parse_entry_uri(str(args.get("uri")))
    if uri.version is None:
        raise InvalidArgument("Roll back needs a version URI (…/key.json?version=<id>).")
    expected = args.get("expectedVersion")
    if not isinstance(expected, str) or not expected:
        raise InvalidArgument("Parameter 'expectedVersion' (the latest version you saw) is needed.")
    latest = uri.latest()
    try:
        with gated(args):
            written = await entries.rollback_entry(
                server.state.backend(uri.connection),
                uri.store,
                uri.key,
                uri.version,
                scope=uri.scope,
                expected_latest=expected,
            )
    except PreconditionFailed as error:
        raise await conflict(server, latest, expected, error) from None
    server.after_write(latest)
    return {"uri": str(latest), "version": written.version, "restoredFrom": uri.version}


async def compare_versions(server: DsmServer, args: dict[str, Any], token: Any) -> Any:
    uri = parse_entry_uri(str(args.get("uri")))
    backend = server.state.backend(uri.connection)
    versions = [
        v.version
        for v in await entries.all_versions(backend, uri.store, uri.key, scope=uri.scope)
        if not v.deleted
    ]
    if not versions:
        raise InvalidArgument(f"{uri.key} has no versions to compare.")
    right = args.get("version") or uri.version or versions[-1]
    left = args.get("otherVersion")
    if left is None:
        index = versions.index(right) if right in versions else len(versions) - 1
        if index == 0:
            raise InvalidArgument(f"Version {right} is the first one; nothing to compare with.")
        left = versions[index - 1]
    base = uri.latest()
    right_uri = str(base) if right == versions[-1] else str(base.at_version(right))
    return {
        "left": str(base.at_version(left)),
        "right": right_uri,
        "title": f"{uri.key}: {left} ↔ {right}",
    }


async def validate_store(server: DsmServer, args: dict[str, Any], token: Any) -> Any:
    connection, store = str(args.get("connection")), str(args.get("store"))
    scope = str(args.get("scope") or DEFAULT_SCOPE)
    all_scopes = bool(args.get("allScopes"))
    max_failures = int(args.get("maxFailures", 50))
    backend = server.state.backend(connection)
    inline = args.get("schema")
    progress = server.start_progress(token, f"Validating {store}")
    counts = {"checked": 0, "valid": 0, "invalid": 0, "unreadable": 0}
    failures: list[dict[str, Any]] = []
    schema_url: str | None = None
    cursor: str | None = None
    cancelled = False
    try:
        while not cancelled:
            page = await backend.list_keys(
                store, scope=scope, all_scopes=all_scopes, cursor=cursor, limit=256
            )
            for info in page.items:
                if progress.cancelled:
                    cancelled = True
                    break
                uri = entry_uri(connection, store, info.key, scope=info.scope)
                counts["checked"] += 1
                try:
                    entry = await backend.get_entry(store, info.key, scope=info.scope)
                except DataStoreError:
                    counts["unreadable"] += 1
                    continue
                schema = _schema(server, inline, uri.mapping_path, entry.value)
                if schema is None:
                    counts["valid"] += 1
                    continue
                schema_url = schema.url
                problems = schema.validate(entry.value, limit=20)
                if not problems:
                    counts["valid"] += 1
                else:
                    counts["invalid"] += 1
                    if len(failures) < max_failures:
                        failures.append(
                            {
                                "uri": str(uri),
                                "diagnostics": [
                                    {
                                        "path": "/" + "/".join(map(str, p.path)),
                                        "message": p.message,
                                        "severity": "error",
                                    }
                                    for p in problems
                                ],
                            }
                        )
                if counts["checked"] % PROGRESS_EVERY == 0:
                    progress.report(f"{counts['checked']} keys, {counts['invalid']} invalid")
                    await server.yield_to_loop()
            cursor = page.next_cursor
            if cursor is None:
                break
    finally:
        progress.end(f"{counts['checked']} keys checked, {counts['invalid']} invalid")
    return counts | {"cancelled": cancelled, "schemaUrl": schema_url, "failures": failures}


def _schema(server: DsmServer, inline: Any, path: str, value: Any) -> LoadedSchema | None:
    if isinstance(inline, Mapping):
        text = json.dumps(inline, sort_keys=True)
        return LoadedSchema("inline", inline, content_version(text))
    return server.state.schemas.for_document([path], value, server.state.root)


async def infer_schema(server: DsmServer, args: dict[str, Any], token: Any) -> Any:
    from ..services.schema_inference import infer_schema as infer

    connection, store = str(args.get("connection")), str(args.get("store"))
    scope = str(args.get("scope") or DEFAULT_SCOPE)
    size = int(args.get("sampleSize", 100))
    backend = server.state.backend(connection)
    page = await backend.list_keys(store, scope=scope, limit=min(size, 256))
    values = []
    for info in page.items[:size]:
        try:
            values.append((await backend.get_entry(store, info.key, scope=info.scope)).value)
        except DataStoreError:
            continue
    return {"schema": infer(values, title=store), "sampled": len(values)}


async def schema_docs(server: DsmServer, args: dict[str, Any], token: Any) -> Any:
    from ..services.schema_inference import schema_markdown

    schema = args.get("schema")
    if not isinstance(schema, Mapping):
        url = args.get("uri")
        if not isinstance(url, str):
            raise InvalidArgument("Give the schema's 'uri' (a file URL) or the 'schema' itself.")
        loaded = server.state.schemas.load(resolve_url(url, server.state.root))
        if loaded.error is not None:
            raise InvalidArgument(loaded.error)
        schema = loaded.content
    return {"markdown": schema_markdown(schema)}


_HANDLERS = {
    "dataStore.snapshot": snapshot,
    "dataStore.rollback": rollback,
    "dataStore.compareVersions": compare_versions,
    "dataStore.validateStore": validate_store,
    "dataStore.inferSchema": infer_schema,
    "dataStore.schemaDocs": schema_docs,
}
_ = StoreKind


def register(name: str, handler: Any) -> None:
    """Commands of other lsp modules (``export_command.py``): dispatched by :func:`execute`."""
    _HANDLERS[name] = handler
