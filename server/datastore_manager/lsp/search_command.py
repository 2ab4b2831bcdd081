"""The ``dataStore.search`` command: ``dsm search`` from the editor, over the same index
(services/search: SQLite FTS5 for words, JSON-leaf paths for ``where`` clauses).

The index of a connection is ``.dsm-search/<hash of its target>.sqlite`` under the workspace
root (the CLI's folder and naming). It is built on the first search, when ``rebuild`` is asked
for, and — for ``local:`` / ``snapshot:`` connections — when the store file changed since; an
Open Cloud index is only rebuilt on request (a full read of the universe). The index is built
masked under the workspace's sensitive paths and schema mappings (services/search/sensitive.py)
and rebuilt — whatever the connection — when it was built before masking or under other rules;
a where clause on a sensitive path is refused. Hits show the entry's current values at the
clauses' paths and a preview, masked (services/masking.py) unless the user may reveal them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model import (
    DataStoreError,
    Entry,
    EntryNotFound,
    InvalidArgument,
    JsonValue,
    TargetKind,
    format_time,
    parse_target,
)
from ..model.uris import entry_uri
from ..services.masking import MASK, mask_value
from ..services.search import SearchIndex, SearchQuery, parse_condition
from ..services.search.flatten import leaves
from ..services.search.index import build_index, built_masked
from ..services.search.query import Condition
from ..services.search.sensitive import IndexMasker
from . import commands
from .requests import _str

if TYPE_CHECKING:
    from ..backends import DataStoreBackend
    from .server import DsmServer

COMMANDS = ("dataStore.search",)
INDEX_DIR = ".dsm-search"  # under the workspace root, as ``dsm search`` run there
DEFAULT_LIMIT = 50
PREVIEW_CHARS = 160
READ_WORKERS = 8
_building: dict[Path, asyncio.Lock] = {}


def index_path(root: Path | None, target: str, base_url: str | None) -> Path:
    label = target if base_url is None else f"{target} {base_url}"
    name = hashlib.sha256(label.encode()).hexdigest()[:16]
    return (root or Path.cwd()) / INDEX_DIR / f"{name}.sqlite"


def parse_where(clauses: list[str]) -> tuple[Condition, ...]:
    """Each ``path op value`` clause; InvalidArgument names the clause that is not one."""
    found = []
    for text in clauses:
        try:
            found.append(parse_condition(text))
        except InvalidArgument as error:  # its message speaks of the CLI's --where option
            detail = error.message.replace("--where ", "", 1).replace("--where ", "")
            raise InvalidArgument(f"Where clause {detail}") from None
    return tuple(found)


async def search(server: DsmServer, args: dict[str, Any], token: Any) -> Any:
    connection = _str(args, "connection")
    where = parse_where(list(args.get("where") or []))
    limit = int(args.get("limit", DEFAULT_LIMIT))
    query = SearchQuery(str(args.get("query") or ""), args.get("store") or None, where, limit)
    backend = server.state.backend(connection)  # an unknown connection: NotFound, named
    config = server.state.settings.connections[connection]
    path = index_path(server.state.root, config.target, config.base_url)
    masker = IndexMasker(
        connection, tuple(server.state.sensitive_rules()), server.state.schemas, server.state.root
    )
    lock = _building.setdefault(path, asyncio.Lock())
    async with lock:
        stale = _stale(config.target, path) or not built_masked(path, masker)
        if bool(args.get("rebuild")) or stale:
            progress = server.start_progress(token, f"Indexing {connection} for search")
            try:
                count = await build_index(backend, path, config.target, masker)
            except BaseException:
                progress.end("Indexing failed")
                raise
            progress.end(f"{count:,} entries indexed")
        index = SearchIndex(path)
        try:
            matches, more = index.search(query)
            total = index.count()
            built = float(index.meta().get("builtAt", "0"))
        finally:
            index.close()
    reveal = server.state.reveal(connection)
    slots = asyncio.Semaphore(READ_WORKERS)

    async def hit(store: str, scope: str, key: str) -> dict[str, Any]:
        async with slots:
            return await _hit(server, backend, connection, (store, scope, key), where, reveal)

    hits = await asyncio.gather(*(hit(m.store, m.scope, m.key) for m in matches))
    return {
        "hits": list(hits),
        "total": total,
        "indexedAt": format_time(datetime.fromtimestamp(built, UTC)),
        "truncated": more,
    }


def _stale(target: str, path: Path) -> bool:
    """No index yet, or a store file written after the index was built."""
    if not path.exists():
        return True
    parsed = parse_target(target)
    if parsed.kind is TargetKind.OPENCLOUD:
        return False
    built = path.stat().st_mtime
    files = (parsed.path, parsed.path.with_name(parsed.path.name + "-wal"))
    return any(f.exists() and f.stat().st_mtime > built for f in files)


async def _hit(
    server: DsmServer,
    backend: DataStoreBackend,
    connection: str,
    where_found: tuple[str, str, str],
    where: tuple[Condition, ...],
    reveal: bool,
) -> dict[str, Any]:
    store, scope, key = where_found
    uri = entry_uri(connection, store, key, scope=scope)
    item: dict[str, Any] = {"uri": str(uri), "store": store, "scope": scope, "key": key}
    try:
        entry = await backend.get_entry(store, key, scope=scope)
    except EntryNotFound:  # deleted since the index was built
        return item | {"deleted": True}
    except DataStoreError:
        return item  # listed without values rather than failing the search
    shown = entry.value if reveal else _masked(server, uri.mapping_path, entry)
    if where:
        item["matches"] = [_values_at(c.path, entry.value, shown) for c in where]
    text = json.dumps(shown, ensure_ascii=False, separators=(",", ":"))
    item["preview"] = text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
    return item


def _masked(server: DsmServer, mapping_path: str, entry: Entry) -> JsonValue:
    root = server.state.root
    schema = server.state.schemas.for_document([mapping_path], entry.value, root)
    content = schema.content if schema is not None else None
    rules = server.state.sensitive_rules()
    return mask_value(entry.value, store=entry.store, schema=content, rules=rules)


def _values_at(path: str, value: JsonValue, shown: JsonValue) -> dict[str, Any]:
    """The leaves at a clause's path (``[]``: any element), as shown: a leaf under a masked
    part is the mask."""
    found = [leaf for at, leaf in leaves(shown) if at == path]
    if not found and any(at == path for at, _ in leaves(value)):
        found = [MASK]
    return {"path": path, "values": found}


commands.register("dataStore.search", search)
