"""The search index: one SQLite file with

* ``docs(id, store, scope, key, value)`` — one row per entry (compact JSON value);
* ``docs_fts`` — a contentless FTS5 table (rowid = docs.id) over property names and leaves;
* ``fields(path, num, txt, doc)`` — every JSON leaf, indexed by (path, num) and (path, txt),
  which answers ``--where 'Data.Coins < 0'`` without parsing any JSON at query time;
* ``masked(store, path)`` — the paths whose values were masked (a ``where`` on one is refused).

Every entry is masked (:mod:`.sensitive`) before any of it is stored: the index never holds a
sensitive value. ``meta.masking`` is the fingerprint of the rules it was built under.

An index is built in one go from a backend (a local store, a ``snapshot:`` backup, or any
target) into a temporary file that replaces the old one atomically; searching never writes.
"""

from __future__ import annotations

import fnmatch
import json
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...backends import DataStoreBackend
from ...model import EntryNotFound, InvalidArgument, limits
from .flatten import limited_leaves, text_of
from .query import Condition, SearchQuery, fts_expression
from .sensitive import IndexMasker, check_where, masked_paths

SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE docs (
    id INTEGER PRIMARY KEY, store TEXT NOT NULL, scope TEXT NOT NULL, key TEXT NOT NULL,
    value TEXT NOT NULL, UNIQUE (store, scope, key)
);
CREATE VIRTUAL TABLE docs_fts USING fts5 (body, content = '', tokenize = 'unicode61');
CREATE TABLE fields (path TEXT NOT NULL, num REAL, txt TEXT, doc INTEGER NOT NULL);
CREATE TABLE masked (store TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (store, path));
"""
INDEXES = """
CREATE INDEX fields_num ON fields (path, num);
CREATE INDEX fields_txt ON fields (path, txt);
CREATE INDEX docs_store ON docs (store);
"""
PREVIEW_CHARS = 160
Row = tuple[str, str, str, Any]  # store, scope, key, value


@dataclass(frozen=True, slots=True)
class Match:
    store: str
    scope: str
    key: str
    preview: str

    def to_dict(self) -> dict[str, str]:
        return {"store": self.store, "scope": self.scope, "key": self.key, "preview": self.preview}


class IndexWriter:
    """Fills a new index file; :meth:`finish` creates the indexes and moves it into place."""

    def __init__(self, path: Path, source: str, masker: IndexMasker) -> None:
        self.path = path
        self.masker = masker
        self.temporary = path.with_name(path.name + ".building")
        self.temporary.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.temporary)
        self.conn.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + SCHEMA)
        self.conn.execute("INSERT INTO meta VALUES ('source', ?)", (source,))
        self.conn.execute("INSERT INTO meta VALUES ('masking', ?)", (masker.fingerprint(),))
        self.count = 0

    def add(self, rows: Iterable[Row]) -> None:
        docs, fts, fields = [], [], []
        masked: set[tuple[str, str]] = set()
        for store, scope, key, original in rows:
            value = self.masker.mask(store, scope, key, original)
            masked.update((store, path) for path in masked_paths(value))
            self.count += 1
            doc = self.count
            pairs = limited_leaves(value)
            docs.append((doc, store, scope, key, json.dumps(value, separators=(",", ":"))))
            fts.append((doc, f"{store} {scope} {key} {text_of(pairs)}"))
            for path, leaf in pairs:
                fields.append((path, *_columns(leaf), doc))
        self.conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", docs)
        self.conn.executemany("INSERT INTO docs_fts (rowid, body) VALUES (?, ?)", fts)
        self.conn.executemany("INSERT INTO fields VALUES (?, ?, ?, ?)", fields)
        self.conn.executemany("INSERT OR IGNORE INTO masked VALUES (?, ?)", sorted(masked))

    def finish(self) -> None:
        self.conn.executescript(INDEXES)
        self.conn.execute("INSERT INTO meta VALUES ('builtAt', ?)", (str(time.time()),))
        self.conn.commit()
        self.conn.close()
        os.replace(self.temporary, self.path)


def _columns(leaf: Any) -> tuple[float | None, str | None]:
    if isinstance(leaf, bool):
        return None, "true" if leaf else "false"
    if isinstance(leaf, int | float):
        return float(leaf), None
    if leaf is None:
        return None, "null"
    return None, str(leaf)


async def build_index(
    backend: DataStoreBackend, path: Path, source: str, masker: IndexMasker, stores: str = "*"
) -> int:
    """Index every live standard entry of ``backend`` (stores matching the glob), masked."""
    from ..jobs.keyspace import standard_stores

    writer = IndexWriter(path, source, masker)
    try:
        for info in await standard_stores(backend, stores):
            cursor: str | None = None
            while True:
                page = await backend.list_keys(
                    info.name, all_scopes=True, cursor=cursor, limit=limits.LIST_KEYS_PAGE[1]
                )
                rows: list[Row] = []
                for item in page.items:
                    try:
                        entry = await backend.get_entry(info.name, item.key, scope=item.scope)
                    except EntryNotFound:
                        continue
                    rows.append((info.name, item.scope, item.key, entry.value))
                writer.add(rows)
                cursor = page.next_cursor
                if cursor is None:
                    break
        writer.finish()
    except BaseException:
        writer.conn.close()
        writer.temporary.unlink(missing_ok=True)
        raise
    return writer.count


class SearchIndex:
    """Read-only queries over an index file."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise InvalidArgument(f"No search index at {path}; build it with --rebuild.")
        self.path = path
        self.conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)

    def close(self) -> None:
        self.conn.close()

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM docs").fetchone()[0])

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT name, value FROM meta").fetchall())

    def masked(self, store: str | None) -> set[str]:
        """Paths masked in the stores ``store`` (a glob; None: any) covers."""
        rows = self.conn.execute("SELECT store, path FROM masked").fetchall()
        return {p for s, p in rows if store is None or fnmatch.fnmatchcase(s, store)}

    def search(self, query: SearchQuery) -> tuple[list[Match], bool]:
        """Matches in index order (at most ``query.limit``) and whether there are more;
        InvalidArgument for a ``where`` on a sensitive (masked, so unindexed) path."""
        if query.where:
            masked = self.masked(query.store)
            for condition in query.where:
                check_where(condition, masked)
        sql = ["SELECT store, scope, key, value FROM docs WHERE 1"]
        params: list[Any] = []
        expression = fts_expression(query.words)
        if expression:
            sql.append("AND id IN (SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?)")
            params.append(expression)
        if query.store:
            if any(char in query.store for char in "*?["):
                stores = [
                    s
                    for (s,) in self.conn.execute("SELECT DISTINCT store FROM docs")
                    if fnmatch.fnmatchcase(s, query.store)
                ]
                sql.append(f"AND store IN ({','.join('?' * len(stores)) or 'NULL'})")
                params.extend(stores)
            else:
                sql.append("AND store = ?")
                params.append(query.store)
        for condition in query.where:
            clause, values = _condition_sql(condition)
            sql.append(clause)
            params.extend(values)
        sql.append("ORDER BY id LIMIT ?")
        params.append(query.limit + 1)
        rows = self.conn.execute(" ".join(sql), params).fetchall()
        matches = [
            Match(store, scope, key, _preview(value))
            for store, scope, key, value in rows[: query.limit]
        ]
        return matches, len(rows) > query.limit


def _preview(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def _condition_sql(condition: Condition) -> tuple[str, list[Any]]:
    value, op = condition.value, condition.op
    inner = "SELECT doc FROM fields WHERE path = ? AND "
    params: list[Any] = [condition.path]
    if op == "~":
        inner += "txt LIKE ? ESCAPE '\\'"
        escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
        return f"AND id IN ({inner})", params
    if op in ("<", "<=", ">", ">="):
        inner += f"num {op} ?"
        params.append(float(value))
        return f"AND id IN ({inner})", params
    num, txt = _columns(value)
    inner += "num = ?" if num is not None else "txt = ?"
    params.append(num if num is not None else txt)
    return (f"AND id {'NOT IN' if op == '!=' else 'IN'} ({inner})", params)


def built_masked(path: Path, masker: IndexMasker) -> bool:
    """The index at ``path`` exists and was built masked under ``masker``'s rules (an index
    from before masking, or under other rules, must be rebuilt rather than trusted)."""
    if not path.exists():
        return False
    try:
        index = SearchIndex(path)
    except InvalidArgument:
        return False
    try:
        return index.meta().get("masking") == masker.fingerprint()
    except sqlite3.DatabaseError:
        return False
    finally:
        index.close()
