"""Code lenses on entries: version/history, compare with previous, roll back, session lock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from ..model import StoreKind, utc_now
from ..model.uris import EntryUri, is_datastore_uri, parse_uri
from ..services import entries
from ..services.session_locks import detect_session_lock

if TYPE_CHECKING:
    from .server import DsmServer

TOP = types.Range(types.Position(0, 0), types.Position(0, 0))


def _ago(seconds: float) -> str:
    if seconds < 90:
        return "just now"
    if seconds < 5400:
        return f"{int(seconds // 60)} min ago"
    if seconds < 172800:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


async def code_lenses(server: DsmServer, uri: str) -> list[types.CodeLens]:
    if not is_datastore_uri(uri):
        return []
    parsed = parse_uri(uri)
    if not isinstance(parsed, EntryUri) or parsed.kind is StoreKind.ORDERED:
        return []
    backend = server.state.backend(parsed.connection)
    versions = await entries.all_versions(backend, parsed.store, parsed.key, scope=parsed.scope)
    if not versions:
        return []
    latest = versions[-1]
    shown = parsed.version or latest.version
    ago = _ago((utc_now() - latest.created_time).total_seconds())
    entry_uri = str(parsed.latest())
    lenses = [
        types.CodeLens(
            TOP,
            types.Command(
                f"version {shown} · updated {ago} · {len(versions)} versions",
                "dataStore.client.showHistory",
                arguments=[entry_uri],
            ),
        )
    ]
    ids = [v.version for v in versions]
    index = ids.index(shown) if shown in ids else len(ids) - 1
    if index > 0:
        left = str(parsed.latest().at_version(ids[index - 1]))
        right = str(parsed) if parsed.version else entry_uri
        lenses.append(
            types.CodeLens(
                TOP,
                types.Command(
                    "Compare with previous version",
                    "dataStore.client.compare",
                    arguments=[left, right, f"{parsed.key}: {ids[index - 1]} ↔ {shown}"],
                ),
            )
        )
    if parsed.version is not None and parsed.version != latest.version:
        lenses.append(
            types.CodeLens(
                TOP,
                types.Command(
                    "Roll back to this version", "dataStore.client.rollback", arguments=[uri]
                ),
            )
        )
    document = server.state.document(uri)
    if document is not None and document.is_valid_json:
        entry = server.state.entries.get(str(parsed))
        lock = detect_session_lock(document.value, entry.attributes if entry else None)
        if lock is not None and lock.live:
            lenses.append(
                types.CodeLens(
                    TOP,
                    types.Command(
                        f"⚠ {lock.library} session lock is live: edits will be overwritten",
                        "dataStore.client.showSessionLock",
                        arguments=[entry_uri, lock.to_dict()],
                    ),
                )
            )
    return lenses
