"""OpenCloudTools' SQLite bulk-download file: its schema, a reader and a writer.

OpenCloudTools (github.com/jlwitthuhn/OpenCloudTools) writes one row per entry into a table
``datastore`` (``src/sqlite_wrapper.cpp``; the schema is quoted in
``docs/interop-opencloudtools.md``). Every SQL statement about the format lives in this module.

* :class:`OpenCloudToolsReader` opens a file read-only (``mode=ro``; the input is never
  modified) and yields its entries in the shape a restore consumes
  (:class:`~..jobs.restore.EntrySource`). Extra tables and columns are ignored; a missing table
  or column is a clear error. A row whose JSON is invalid, over a Roblox limit, or whose names or
  metadata Roblox would refuse is skipped and reported (:attr:`OpenCloudToolsReader.skipped`).
* :class:`OpenCloudToolsWriter` writes a file OpenCloudTools itself opens: the same five tables,
  columns and declared types (its "Resume download" checks them column by column), the same
  value encodings (``data_raw`` is the entry's JSON text, ``userids`` and ``attributes`` the
  raw ``roblox-entry-*`` header texts), and a finished download (nothing pending).
"""

from __future__ import annotations

import fnmatch
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ...model import Entry, InvalidArgument, JsonValue, OrderedEntry, validation
from ...model.times import format_time
from ...model.values import EncodedValue

#: Where the schema below was read (docs/interop-opencloudtools.md quotes it in full).
SCHEMA_SOURCE = "jlwitthuhn/OpenCloudTools src/sqlite_wrapper.cpp @ d0588827 (v2025.04.11.0)"
#: The versions whose files this module reads (the ``datastore`` table appeared in the first).
READABLE_VERSIONS = "OpenCloudTools v2022.06.26.0 or later"
#: The versions that open (and resume) the files this module writes.
WRITTEN_FOR = "OpenCloudTools v2023.03.25.0 to v2025.04.11.0 (schema unchanged since)"

#: The tables ``SqliteDatastoreWrapper::new_from_path`` creates, statement for statement.
SCHEMA: tuple[str, ...] = (
    "CREATE TABLE datastore (universe_id INTEGER NOT NULL, datastore_name TEXT NOT NULL, "
    "scope TEXT NOT NULL, key_name TEXT NOT NULL, version TEXT NOT NULL, data_type TEXT NOT NULL, "
    "data_raw TEXT NOT NULL, data_str TEXT, data_num REAL, data_bool INTEGER, userids TEXT, "
    "attributes TEXT, PRIMARY KEY (universe_id, datastore_name, scope, key_name))",
    "CREATE TABLE datastore_deleted (universe_id INTEGER NOT NULL, datastore_name TEXT NOT NULL, "
    "scope TEXT NOT NULL, key_name TEXT NOT NULL, "
    "PRIMARY KEY (universe_id, datastore_name, scope, key_name))",
    "CREATE TABLE datastore_enumerate (universe_id INTEGER NOT NULL, datastore_name TEXT NOT NULL, "
    "next_cursor TEXT, PRIMARY KEY (universe_id, datastore_name))",
    "CREATE TABLE datastore_enumerate_meta (universe_id INTEGER NOT NULL, key TEXT NOT NULL, "
    "value TEXT NOT NULL, PRIMARY KEY (universe_id, key))",
    "CREATE TABLE datastore_pending (id INTEGER PRIMARY KEY, universe_id INTEGER NOT NULL, "
    "datastore_name TEXT NOT NULL, scope TEXT NOT NULL, key_name TEXT NOT NULL)",
)
#: Columns of ``datastore`` an import reads (present in every OpenCloudTools version).
REQUIRED_COLUMNS: tuple[str, ...] = (
    "universe_id", "datastore_name", "scope", "key_name", "version", "data_raw", "userids",
    "attributes",
)  # fmt: skip
_INSERT_ENTRY = (
    "INSERT INTO datastore (universe_id, datastore_name, scope, key_name, version, data_type, "
    "data_raw, data_str, data_num, data_bool, userids, attributes) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_DELETED = (
    "INSERT INTO datastore_deleted (universe_id, datastore_name, scope, key_name) "
    "VALUES (?, ?, ?, ?)"
)
_INSERT_META = "INSERT INTO datastore_enumerate_meta (universe_id, key, value) VALUES (?, ?, ?)"
_SELECT_ENTRIES = (
    "SELECT rowid, datastore_name, scope, key_name, version, data_raw, userids, attributes "
    "FROM datastore WHERE rowid > ? AND universe_id = ? AND datastore_name IN ({marks}) "
    "ORDER BY rowid LIMIT ?"
)
#: ``data_type`` as OpenCloudTools names it (``get_enum_string(DatastoreEntryType)``).
TYPE_JSON, TYPE_STRING, TYPE_NUMBER, TYPE_BOOL, TYPE_ERROR = (
    "Table (Json)", "String", "Number", "Bool", "Error",
)  # fmt: skip
#: OpenCloudTools records no capture time: unless told, every differing target entry counts as
#: changed after the download (``conflicting``), so nothing newer is overwritten by default.
UNKNOWN_CAPTURE = datetime(1970, 1, 1, tzinfo=UTC)
_BATCH = 500
#: How many skipped rows a summary lists (all are counted).
MAX_LISTED = 200


class NotAnOpenCloudToolsFile(InvalidArgument):
    """The file is missing, not SQLite, or lacks what an OpenCloudTools bulk download has."""


@dataclass(frozen=True, slots=True)
class OctEntry:
    """One valid row of ``datastore``, checked against Roblox's limits."""

    row_id: int
    store: str
    scope: str
    key: str
    version: str  # the Roblox version OpenCloudTools downloaded (a target writes a new one)
    text: str  # the value's compact JSON (what a write stores)
    md5: str
    attributes: dict[str, JsonValue]
    user_ids: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"{self.store}/{self.scope}/{self.key}"


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A row that was not imported, and why."""

    row_id: int
    entry: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row_id, "entry": self.entry, "reason": self.reason}


class OpenCloudToolsReader:
    """A bulk-download file, read-only. One universe at a time: a file holding several needs
    ``universe_id``. An unfinished download is refused unless ``allow_incomplete``."""

    def __init__(
        self,
        path: Path,
        *,
        universe_id: int | None = None,
        captured_at: datetime | None = None,
        allow_incomplete: bool = False,
    ) -> None:
        self.path = path
        self.skipped: dict[int, SkippedRow] = {}
        if not path.is_file():
            raise NotAnOpenCloudToolsFile(
                f"No file at {path}; give an OpenCloudTools .sqlite3 file."
            )
        try:
            self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            self.tables = {
                str(row[0])
                for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.DatabaseError:
            raise NotAnOpenCloudToolsFile(
                f"{path} is not an SQLite file, so not an OpenCloudTools bulk download "
                f"({READABLE_VERSIONS}: Bulk Data → Download). Nothing was imported."
            ) from None
        try:
            self._check_schema()
            self.universe_id = self._pick_universe(universe_id)
            if not allow_incomplete:
                self._check_finished()
        except BaseException:
            self.db.close()
            raise
        started = format_time(captured_at or UNKNOWN_CAPTURE)
        self.manifest: dict[str, Any] = {"format": "opencloudtools", "startedAt": started}
        self.captured_at_known = captured_at is not None

    # ---- checks ------------------------------------------------------------------------

    def _check_schema(self) -> None:
        if "datastore" not in self.tables:
            hint = ""
            if {"meta", "entries", "versions"} <= self.tables:
                hint = " It looks like a dsm file: use `dsm restore` for an archive."
            found = ", ".join(sorted(self.tables)) or "none"
            raise NotAnOpenCloudToolsFile(
                f"{self.path} is an SQLite file but not an OpenCloudTools bulk download: it has "
                f"no table 'datastore' (tables found: {found}). dsm reads files written by "
                f"{READABLE_VERSIONS} (Bulk Data → Download).{hint} Nothing was imported."
            )
        columns = {str(row[1]) for row in self.db.execute("PRAGMA table_info(datastore)")}
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise NotAnOpenCloudToolsFile(
                f"{self.path}: table 'datastore' lacks column(s) {', '.join(missing)}; files "
                f"written by {READABLE_VERSIONS} have {', '.join(REQUIRED_COLUMNS)}. "
                "Nothing was imported."
            )

    def _pick_universe(self, wanted: int | None) -> int | None:
        found = [
            int(row[0])
            for row in self.db.execute(
                "SELECT DISTINCT universe_id FROM datastore ORDER BY universe_id"
            )
        ]
        if wanted is not None:
            if wanted not in found:
                raise NotAnOpenCloudToolsFile(
                    f"{self.path} has no entries of universe {wanted} (it has: "
                    f"{', '.join(map(str, found)) or 'no entries'}). Nothing was imported."
                )
            return wanted
        if len(found) > 1:
            raise InvalidArgument(
                f"{self.path} holds entries of {len(found)} universes "
                f"({', '.join(map(str, found))}); choose one with --universe ID. "
                "Nothing was imported."
            )
        return found[0] if found else None

    def _check_finished(self) -> None:
        """OpenCloudTools keeps a row per store still being listed and per key still to download
        until the download ends; either left means the file is missing entries."""
        unfinished = []
        for table, what in (
            ("datastore_enumerate", "data store(s) not fully listed"),
            ("datastore_pending", "key(s) listed but not downloaded"),
        ):
            if table in self.tables and self.universe_id is not None:
                count = self._scalar(f"SELECT count(*) FROM {table} WHERE universe_id = ?")
                if count:
                    unfinished.append(f"{count:,} {what}")
        if unfinished:
            raise InvalidArgument(
                f"{self.path} is an unfinished OpenCloudTools download ({'; '.join(unfinished)})."
                " Finish it in OpenCloudTools (Bulk Data → Resume download), or pass "
                "--allow-incomplete to import only the entries it has. Nothing was imported."
            )

    def _scalar(self, sql: str, *args: Any) -> int:
        return int(self.db.execute(sql, (self.universe_id, *args)).fetchone()[0])

    # ---- the entry source ----------------------------------------------------------------

    def close(self) -> None:
        self.db.close()

    def store_names(self, stores: str = "*") -> list[str]:
        if self.universe_id is None:
            return []
        rows = self.db.execute(
            "SELECT DISTINCT datastore_name FROM datastore WHERE universe_id = ? "
            "ORDER BY datastore_name",
            (self.universe_id,),
        )
        return [str(row[0]) for row in rows if fnmatch.fnmatchcase(str(row[0]), stores)]

    def count_entries(self, stores: str = "*") -> int:
        wanted = self.store_names(stores)
        if not wanted:
            return 0
        marks = ",".join("?" * len(wanted))
        return self._scalar(
            f"SELECT count(*) FROM datastore WHERE universe_id = ? AND datastore_name IN ({marks})",
            *wanted,
        )

    def entries(self, stores: str = "*", *, after_id: int = 0) -> Iterator[OctEntry]:
        """Every valid row of matching stores in row order (resume with ``after_id``); invalid
        rows are recorded in :attr:`skipped` and not yielded."""
        wanted = self.store_names(stores)
        if not wanted:
            return
        sql = _SELECT_ENTRIES.format(marks=",".join("?" * len(wanted)))
        last = after_id
        while True:
            rows = self.db.execute(sql, (last, self.universe_id, *wanted, _BATCH)).fetchall()
            for row in rows:
                entry = self._parse(row)
                if entry is not None:
                    yield entry
            if len(rows) < _BATCH:
                return
            last = int(rows[-1][0])

    def ordered_entries(self, stores: str = "*") -> Iterator[OrderedEntry]:
        """OpenCloudTools downloads standard data stores only."""
        return iter(())

    def _parse(self, row: tuple[Any, ...]) -> OctEntry | None:
        row_id, store, scope, key, version, raw, user_ids, attributes = row
        label = "/".join(str(part) for part in (store, scope, key))
        try:
            for kind, name in (("data store name", store), ("scope", scope), ("key", key)):
                if not isinstance(name, str):
                    raise InvalidArgument(f"The {kind} is {type(name).__name__}, not text.")
            validation.check_store_name(store)
            validation.check_scope(scope)
            validation.check_key(key)
            if not isinstance(raw, str):
                raise InvalidArgument("Column data_raw holds no JSON text.")
            try:
                value = json.loads(raw)
            except ValueError as error:
                raise InvalidArgument(f"The stored JSON is invalid: {error}.") from None
            encoded = validation.encode_checked_value(value)
            entry = OctEntry(
                int(row_id),
                store,
                scope,
                key,
                str(version),
                encoded.text,
                encoded.md5,
                validation.check_attributes(_attributes(attributes)),
                validation.check_user_ids(_user_ids(user_ids)),
            )
        except InvalidArgument as error:
            self.skipped[int(row_id)] = SkippedRow(int(row_id), label, error.message)
            return None
        return entry

    # ---- what else the file says -----------------------------------------------------------

    def deleted_count(self, stores: str = "*") -> int:
        """Keys OpenCloudTools listed but found deleted when it downloaded them (not imported:
        an import never deletes)."""
        if "datastore_deleted" not in self.tables or self.universe_id is None:
            return 0
        rows = self.db.execute(
            "SELECT datastore_name FROM datastore_deleted WHERE universe_id = ?",
            (self.universe_id,),
        )
        return sum(1 for (name,) in rows if fnmatch.fnmatchcase(str(name), stores))

    def download_settings(self) -> dict[str, str]:
        """The scope and key prefix the download was started with (from OpenCloudTools
        v2023.03.25.0; an empty scope means every scope)."""
        if "datastore_enumerate_meta" not in self.tables or self.universe_id is None:
            return {}
        rows = self.db.execute(
            "SELECT key, value FROM datastore_enumerate_meta WHERE universe_id = ?",
            (self.universe_id,),
        )
        names = {"search_scope": "scope", "search_key_prefix": "keyPrefix"}
        return {names[str(k)]: str(v) for k, v in rows if str(k) in names}

    def skipped_rows(self) -> list[dict[str, Any]]:
        return [self.skipped[row].to_dict() for row in sorted(self.skipped)[:MAX_LISTED]]


def _attributes(raw: object) -> dict[str, JsonValue] | None:
    """``roblox-entry-attributes`` as OpenCloudTools stored it: JSON object text, or NULL."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        parsed = json.loads(str(raw))
    except ValueError:
        parsed = raw
    if not isinstance(parsed, dict):
        raise InvalidArgument(f"Column attributes is not a JSON object: {str(raw)[:60]!r}.")
    return parsed


def _user_ids(raw: object) -> tuple[int, ...] | None:
    """``roblox-entry-userids`` as stored: a JSON array (``[1, 2]``), a bare comma list, or NULL."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    try:
        parsed = json.loads(text if text.startswith("[") else f"[{text}]")
    except ValueError:
        parsed = None
    if not isinstance(parsed, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in parsed
    ):
        raise InvalidArgument(f"Column userids is not a list of user ids: {text[:60]!r}.")
    return tuple(parsed)


# ---- writing ----------------------------------------------------------------------------


def data_type(value: JsonValue) -> str:
    """How OpenCloudTools classifies a value (``StandardDatastoreEntryFull``'s constructor)."""
    if isinstance(value, dict | list):
        return TYPE_JSON
    if isinstance(value, str):
        return TYPE_STRING
    if isinstance(value, bool):  # before int: bool is an int in Python
        return TYPE_BOOL
    if isinstance(value, int | float):
        return TYPE_NUMBER
    return TYPE_ERROR  # JSON null: OpenCloudTools has no type for it


def entry_row(universe_id: int, entry: Entry) -> tuple[Any, ...]:
    """One ``datastore`` row, encoded as OpenCloudTools' ``write_details`` encodes it."""
    value = entry.value
    kind = data_type(value)
    number: float | None = None
    if kind == TYPE_NUMBER:
        try:
            number = float(value)
        except OverflowError:  # an integer beyond a double: OpenCloudTools leaves it NULL too
            number = None
    return (
        universe_id,
        entry.store,
        entry.scope,
        entry.key,
        entry.version,
        kind,
        EncodedValue.from_value(value).text,
        value if kind == TYPE_STRING else None,
        number,
        int(value) if kind == TYPE_BOOL else None,
        # The roblox-entry-userids / -attributes header texts, compact as Roblox sends them.
        json.dumps(list(entry.user_ids), separators=(",", ":")),
        json.dumps(entry.attributes, separators=(",", ":")),
    )


class OpenCloudToolsWriter:
    """Writes a finished bulk download to ``path`` (never over an existing file): rows go to
    ``<path>.partial``, renamed into place by :meth:`finish`, so a failed export leaves none."""

    def __init__(
        self, path: Path, *, universe_id: int, scope: str = "", key_prefix: str = ""
    ) -> None:
        if path.exists():
            raise InvalidArgument(f"{path} exists; an export never overwrites a file.")
        self.path = path
        self.universe_id = universe_id
        self.partial = path.with_name(path.name + ".partial")
        self.partial.unlink(missing_ok=True)  # our own leftover from an interrupted export
        self.db = sqlite3.connect(self.partial)
        with self.db:
            for statement in SCHEMA:
                self.db.execute(statement)
            # What OpenCloudTools records when a download starts; its "Resume download" reads
            # them back. No datastore_enumerate / datastore_pending rows: the download is done.
            self.db.execute(_INSERT_META, (universe_id, "search_scope", scope))
            self.db.execute(_INSERT_META, (universe_id, "search_key_prefix", key_prefix))
        self.count = 0
        self.deleted = 0

    def add(self, entry: Entry) -> None:
        self.db.execute(_INSERT_ENTRY, entry_row(self.universe_id, entry))
        self.count += 1

    def add_deleted(self, store: str, scope: str, key: str) -> None:
        """A key listed but gone when read: OpenCloudTools records it in datastore_deleted."""
        self.db.execute(_INSERT_DELETED, (self.universe_id, store, scope, key))
        self.deleted += 1

    def finish(self) -> None:
        self.db.commit()
        self.db.close()
        if self.path.exists():
            raise InvalidArgument(f"{self.path} appeared during the export; it was not replaced.")
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        self.db.close()
        self.partial.unlink(missing_ok=True)
