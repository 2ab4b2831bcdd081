"""``dsm plan``: compare a changeset folder with its target, file by file; reads only.

Statuses (``docs/changesets.md``):

* ``unchanged`` — the file holds the live value (also when someone made the same change);
* ``modified`` — edited locally, the remote entry still at the version pulled: apply writes it;
* ``new`` — a file with no sidecar record and no live entry: apply creates it (exclusive);
* ``delete`` — a pulled file removed locally, allowed with ``allow_deletes``: apply deletes it;
* ``deleted-locally`` — the same without ``allow_deletes``: reported, skipped;
* ``remote-changed`` — not edited locally but changed remotely since the pull: apply leaves it,
  ``dsm pull`` refreshes it;
* ``conflict`` — edited (or deleted, or new) locally AND changed remotely since the pull;
* ``invalid`` — not UTF-8 / JSON, misplaced, a bad name, over Roblox's size limit, or fails the
  schema its workspace mapping gives it.

Conflicts and invalid files block ``apply``. Values that Luau would change on the next save
(FACTS §20, ``services/roblox_values.py``) are warnings, as in the editor.
"""

from __future__ import annotations

import asyncio
import difflib
import json
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn

from ...backends import DataStoreBackend
from ...model import Aborted, EncodedValue, Entry, EntryNotFound, InvalidArgument, JsonValue
from ...model.validation import check_key, check_scope, check_store_name, encode_checked_value
from ..jobs.apply import Incoming, diff_text
from ..roblox_values import roblox_findings
from ..roles import find_config, load_workspace_config
from ..schemas import SchemaAssociation, SchemaRegistry
from . import layout
from .layout import Pulled, Sidecar

#: Remote reads in flight at once.
WORKERS = 8
#: Problems listed per file.
MAX_PROBLEMS = 5


class Status(StrEnum):
    UNCHANGED = "unchanged"
    MODIFIED = "modified"
    NEW = "new"
    DELETE = "delete"
    DELETED_LOCALLY = "deleted-locally"
    REMOTE_CHANGED = "remote-changed"
    CONFLICT = "conflict"
    INVALID = "invalid"


#: What apply writes.
WRITES = frozenset({Status.MODIFIED, Status.NEW, Status.DELETE})
#: What stops apply.
BLOCKING = frozenset({Status.CONFLICT, Status.INVALID})


class ChangesetConflict(Aborted):
    """Entries changed remotely since they were pulled; nothing was applied."""


@dataclass
class PlanItem:
    path: str  # relative to the changeset folder
    status: Status
    detail: str = ""
    store: str | None = None
    scope: str | None = None
    key: str | None = None
    pulled: Pulled | None = None
    current: Entry | None = None  # the live entry now (None: absent or deleted)
    value: JsonValue = None  # the file's value (files that parse)
    md5: str | None = None  # the md5 of the file's value as Roblox would store it
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.store}/{self.scope}/{self.key}" if self.key is not None else self.path

    def to_dict(self, *, diff: bool = False) -> dict[str, Any]:
        document: dict[str, Any] = {
            "path": self.path,
            "status": self.status.value,
            "store": self.store,
            "scope": self.scope,
            "key": self.key,
            "pulledVersion": self.pulled.version if self.pulled else None,
            "remoteVersion": self.current.version if self.current else None,
            "detail": self.detail,
            "warnings": self.warnings,
        }
        if diff and self.status in WRITES | {Status.CONFLICT}:
            document["diff"] = self.diff()
        return document

    def diff(self) -> str:
        """Unified diff live → file (a delete: live → nothing)."""
        if self.status is Status.DELETE or self.md5 is None:
            before = [] if self.current is None else _lines(self.current.value)
            return "\n".join(_unified(before, [], self.label))
        assert self.store is not None and self.scope is not None and self.key is not None
        meta = self.current or self.pulled
        incoming = Incoming.of_value(
            self.store,
            self.scope,
            self.key,
            self.value,
            dict(meta.attributes) if meta else {},
            tuple(meta.user_ids) if meta else (),
        )
        return diff_text(incoming, self.current)


@dataclass
class ChangesetPlan:
    root: Path
    sidecar: Sidecar
    target: str
    items: list[PlanItem]
    allow_deletes: bool = False

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(item.status.value for item in self.items))

    def having(self, *statuses: Status) -> list[PlanItem]:
        return [item for item in self.items if item.status in statuses]

    @property
    def writes(self) -> list[PlanItem]:
        return [item for item in self.items if item.status in WRITES]

    @property
    def blocked(self) -> bool:
        return any(item.status in BLOCKING for item in self.items)

    def to_dict(self, *, diff: bool = False) -> dict[str, Any]:
        return {
            "dir": str(self.root),
            "target": self.target,
            "connection": self.sidecar.connection,
            "allowDeletes": self.allow_deletes,
            "counts": self.counts,
            "entries": [item.to_dict(diff=diff) for item in self.items],
        }

    def raise_if_blocked(self) -> None:
        """The refusal of ``apply``: names every blocking file and its problem."""
        invalid = self.having(Status.INVALID)
        conflicts = self.having(Status.CONFLICT)
        if not invalid and not conflicts:
            return
        parts = []
        if invalid:
            named = "; ".join(f"{i.path}: {i.detail}" for i in invalid[:10])
            parts.append(f"{len(invalid)} invalid file(s) — {named}")
        if conflicts:
            named = "; ".join(f"{i.path}: {i.detail}" for i in conflicts[:10])
            parts.append(f"{len(conflicts)} conflict(s) — {named}")
        message = (
            f"Nothing was applied: {'. '.join(parts)}. Fix the files (`dsm plan {self.root}` "
            "lists every problem; `dsm pull` refreshes entries changed remotely) and apply again."
        )
        details = {
            "invalid": [i.to_dict() for i in invalid],
            "conflicts": [i.to_dict() for i in conflicts],
        }
        error: InvalidArgument | ChangesetConflict = (
            InvalidArgument(message, **details)
            if invalid
            else ChangesetConflict(message, **details)
        )
        raise error


async def make_plan(
    backend: DataStoreBackend,
    root: Path,
    target: str,
    connection: str,
    *,
    allow_deletes: bool = False,
    check_unchanged: bool = False,
    schemas: WorkspaceSchemas | None = None,
) -> ChangesetPlan:
    """Classify each file; writes nothing. The live entry is read for every file edited,
    added or removed locally; files left as pulled are read only with ``check_unchanged``
    (to report ``remote-changed``), so a plan costs requests in proportion to the change, not
    to the folder (a 10,000-entry pull with one edit is one read on Open Cloud)."""
    sidecar = layout.load_sidecar(root)
    layout.check_same_target(root, sidecar, target, connection)
    schemas = schemas if schemas is not None else WorkspaceSchemas.load()
    files = set(layout.entry_files(root))
    items: list[PlanItem] = []
    for relative in sorted(files | set(sidecar.entries)):
        items.append(_local(root, relative, sidecar.entries.get(relative), relative in files))
    _refuse_duplicates(items)
    slots = asyncio.Semaphore(WORKERS)

    async def settle(item: PlanItem) -> None:
        if item.status is Status.INVALID or item.key is None:
            return
        as_pulled = item.pulled is not None and item.md5 == item.pulled.md5
        if as_pulled and not check_unchanged:
            return  # unchanged locally: nothing to write, no request spent
        async with slots:
            item.current = await _live(backend, item)
        _classify(item, allow_deletes)
        if item.status in (Status.MODIFIED, Status.NEW):
            _validate(item, root, sidecar.connection, schemas)

    await asyncio.gather(*(settle(item) for item in items))
    return ChangesetPlan(root, sidecar, target, items, allow_deletes)


# ---- local side --------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def _reject(message: str) -> NoReturn:
    raise _Invalid(message)


def _local(root: Path, relative: str, pulled: Pulled | None, exists: bool) -> PlanItem:
    """What the file says, before looking at the remote entry."""
    item = PlanItem(relative, Status.UNCHANGED, pulled=pulled)
    try:
        if pulled is not None:
            item.store, item.scope, item.key = pulled.store, pulled.scope, pulled.key
        else:
            item.store, item.scope, item.key = layout.names_of(relative)
            check_store_name(item.store)
            check_scope(item.scope)
            check_key(item.key)
        if exists:
            data = (root / relative).read_bytes()
            if pulled is not None and layout.file_md5(_text(data)) == pulled.file_md5:
                item.md5 = pulled.md5  # byte for byte as pulled: no need to parse it
                return item
            item.value = _parse(data)
            item.md5 = EncodedValue.from_value(item.value).md5
    except InvalidArgument as error:
        item.status, item.detail = Status.INVALID, error.message
    except _Invalid as error:
        item.status, item.detail = Status.INVALID, error.message
    except OSError as error:  # a folder where the file should be, no permission, …
        item.status, item.detail = Status.INVALID, f"unreadable ({error.strerror or error})"
    return item


def _refuse_duplicates(items: list[PlanItem]) -> None:
    """Two files naming one entry (``a b.json`` typed by hand beside ``a%20b.json``): both
    are invalid, since neither can be said to be the one meant."""
    seen: dict[tuple[str | None, str | None, str | None], PlanItem] = {}
    for item in items:
        if item.key is None or item.status is Status.INVALID:
            continue
        other = seen.setdefault((item.store, item.scope, item.key), item)
        if other is not item:
            for one, two in ((item, other), (other, item)):
                one.status = Status.INVALID
                one.detail = f"{two.path} holds the same entry ({item.label}); keep one of them"


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _parse(data: bytes) -> JsonValue:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        _reject(f"not UTF-8 (byte {error.start}); save it as UTF-8 JSON")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        _reject(f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}")
    except ValueError as error:
        _reject(f"not valid JSON: {error}")


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON (Roblox cannot store it)")


# ---- remote side -------------------------------------------------------------------------


async def _live(backend: DataStoreBackend, item: PlanItem) -> Entry | None:
    assert item.store is not None and item.scope is not None and item.key is not None
    try:
        return await backend.get_entry(item.store, item.key, scope=item.scope)
    except EntryNotFound:  # absent, or its latest version is a deletion
        return None


def _classify(item: PlanItem, allow_deletes: bool) -> None:
    current, pulled = item.current, item.pulled
    live_md5 = EncodedValue.from_value(current.value).md5 if current is not None else None
    live_version = current.version if current is not None else None
    if item.md5 is None:  # pulled, then the file was removed
        assert pulled is not None
        if current is None:
            item.status, item.detail = Status.UNCHANGED, "already deleted remotely"
        elif not allow_deletes:
            item.status = Status.DELETED_LOCALLY
            item.detail = "file removed; pass --allow-deletes to delete the entry (skipped)"
        elif live_version == pulled.version:
            item.status, item.detail = Status.DELETE, "file removed: will delete the entry"
        else:
            item.status = Status.CONFLICT
            item.detail = f"changed remotely since the pull ({pulled.version} → {live_version})"
        return
    if live_md5 == item.md5:
        item.status = Status.UNCHANGED
        if pulled is None or live_version != pulled.version:
            item.detail = "already live"
        return
    if pulled is None:
        if current is None:
            item.status, item.detail = Status.NEW, "will create (must not exist)"
        else:
            item.status = Status.CONFLICT
            item.detail = f"exists remotely (version {live_version}); pull it, then edit"
        return
    edited = item.md5 != pulled.md5
    if live_version == pulled.version:
        item.status = Status.MODIFIED if edited else Status.UNCHANGED
        return
    now = "deleted" if current is None else live_version
    if edited:
        item.status = Status.CONFLICT
        item.detail = f"changed remotely since the pull ({pulled.version} → {now})"
    else:
        item.status = Status.REMOTE_CHANGED
        item.detail = f"changed remotely ({pulled.version} → {now}); `dsm pull` refreshes it"


# ---- validation --------------------------------------------------------------------------


@dataclass
class WorkspaceSchemas:
    """The schema mappings of the workspace config (``schemas``), as the editor uses them."""

    registry: SchemaRegistry
    base: Path | None

    @classmethod
    def load(cls) -> WorkspaceSchemas:
        config = load_workspace_config(find_config())
        registry = SchemaRegistry()
        base = config.path.parent if config.path is not None else None
        registry.set_associations(
            SchemaAssociation.from_json(item, base) for item in config.data.get("schemas") or []
        )
        return cls(registry, base)


def _validate(item: PlanItem, root: Path, connection: str, schemas: WorkspaceSchemas) -> None:
    """Size, schema (invalid) and Roblox round-trip findings (warnings) of a file to write."""
    try:
        encode_checked_value(item.value)
    except InvalidArgument as error:
        item.status, item.detail = (
            Status.INVALID,
            error.message.replace(" Nothing was written.", ""),
        )
        return
    paths = [f"{connection}/{item.store}/{item.scope}/{item.key}"]
    absolute = (root / item.path).resolve()
    if schemas.base is not None and absolute.is_relative_to(schemas.base.resolve()):
        paths.append(absolute.relative_to(schemas.base.resolve()).as_posix())
    paths.append(absolute.as_posix())
    schema = schemas.registry.for_document(paths, item.value, schemas.base)
    if schema is not None:
        if schema.error is not None:
            item.status, item.detail = Status.INVALID, schema.error
            return
        try:
            problems = schema.validate(item.value, limit=MAX_PROBLEMS)
        except InvalidArgument as error:
            item.status, item.detail = Status.INVALID, error.message
            return
        if problems:
            shown = "; ".join(f"{_pointer(p.path)}: {p.message}" for p in problems[:MAX_PROBLEMS])
            item.status = Status.INVALID
            item.detail = f"fails schema {schema.url}: {shown}"
            return
    item.warnings = [
        f"{_pointer(f.path)}: {f.message}" for f in roblox_findings(item.value, limit=MAX_PROBLEMS)
    ]


def _pointer(path: tuple[str | int, ...]) -> str:
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _lines(value: JsonValue) -> list[str]:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def _unified(before: list[str], after: list[str], label: str) -> list[str]:
    return list(
        difflib.unified_diff(before, after, f"target/{label}", "changeset/(deleted)", lineterm="")
    )
