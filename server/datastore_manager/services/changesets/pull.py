"""``dsm pull``: write entries of a store into a changeset folder, one JSON file per entry.

Which keys: explicit KEYS, a ``--prefix`` or ``--all`` (the listing followed page by page at
Roblox's largest page size). Before anything is written, every destination is checked: a file
edited since it was pulled (or created by hand) is never overwritten unless ``force``, so a
refresh cannot lose local work. Files are then read and written in batches, the sidecar saved
every few seconds and at the end (a pull interrupted between a file and its sidecar record
leaves a file the next pull reports as a local edit — never silently dropped).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from ...backends import DataStoreBackend
from ...model import (
    EncodedValue,
    Entry,
    EntryNotFound,
    InvalidArgument,
    format_time,
    limits,
    utc_now,
)
from ...model.limits import DEFAULT_SCOPE
from ...model.validation import check_key, check_scope, check_store_name
from ..jobs.base import Job
from . import layout
from .layout import Pulled, Sidecar

#: Entries read at once (the Open Cloud budget still paces them) and written per checkpoint.
WORKERS = 8
BATCH = 64
#: Seconds between two saves of the sidecar during a long pull (and once at the end).
SAVE_INTERVAL = 5.0
#: How many locally edited files a refusal names.
LISTED = 10


@dataclass(frozen=True, slots=True)
class PullOptions:
    root: Path
    store: str
    keys: tuple[str, ...] = ()
    scope: str | None = None  # None: the default scope (every scope with ``all_keys``)
    prefix: str | None = None
    all_keys: bool = False
    force: bool = False  # overwrite files edited locally since they were pulled


class PullJob(Job):
    kind = "pull"

    def __init__(
        self, backend: DataStoreBackend, target: str, connection: str, options: PullOptions
    ) -> None:
        super().__init__(backend)
        self.backend = backend
        self.target = target
        self.connection = connection
        self.options = options
        self._reads = asyncio.Semaphore(WORKERS)

    async def _run(self) -> dict[str, Any]:
        options, root = self.options, self.options.root
        sidecar = self._sidecar()
        self.phase = "listing"
        wanted = await self._keys()
        known = {(p.store, p.scope, p.key): path for path, p in sidecar.entries.items()}
        relatives = {  # an entry keeps its file, even one named by hand (``a b.json``)
            known.get((options.store, scope, key))
            or layout.relative_path(options.store, scope, key): (scope, key)
            for scope, key in wanted
        }
        layout.check_case_collisions([*sidecar.entries, *relatives])
        self._refuse_local_edits(sidecar, relatives)
        self.total = len(relatives)
        self.phase = "pulling"
        todo = iter(sorted(relatives.items()))
        size = len(relatives) if options.keys else BATCH  # explicit keys: all read first
        missing: list[str] = []
        saved = time.monotonic()
        while batch := list(islice(todo, size)):
            read = await asyncio.gather(*(self._read(scope, key) for _, (scope, key) in batch))
            if options.keys:  # explicit keys: all must exist, checked before writing any
                pairs = zip(batch, read, strict=True)
                missing += [f"{options.store}/{s}/{k}" for (_, (s, k)), e in pairs if e is None]
                if missing:
                    break
            for (relative, _), entry in zip(batch, read, strict=True):
                if entry is None:
                    self.counts["vanished"] += 1  # deleted between the listing and the read
                    continue
                self._write(sidecar, relative, entry)
            if time.monotonic() - saved >= SAVE_INTERVAL:  # not per batch: the file grows
                layout.save_sidecar(root, sidecar)
                saved = time.monotonic()
            self.done += len(batch)
            self.emit()
            self.checkpoint_reached()
        if missing:
            raise EntryNotFound(
                f"{', '.join(missing[:LISTED])} not found (or deleted); nothing was pulled. "
                "Pull existing keys only; to create an entry, add its file under "
                f"{root}/<store>/<scope>/ and apply it."
            )
        layout.save_sidecar(root, sidecar)
        return {
            "dir": str(root),
            "target": self.target,
            "connection": self.connection,
            "files": len(sidecar.entries),
        }

    def _sidecar(self) -> Sidecar:
        root = self.options.root
        if root.exists() and not root.is_dir():
            raise InvalidArgument(f"{root} is a file; pull into a folder (--to DIR).")
        if layout.is_changeset(root):
            sidecar = layout.load_sidecar(root)
            layout.check_same_target(root, sidecar, self.target, self.connection)
            return sidecar
        if root.exists() and any(layout.entry_files(root)):
            raise InvalidArgument(
                f"{root} holds JSON files but no {layout.SIDECAR_DIR}/{layout.SIDECAR_NAME}; pull "
                "into an empty folder or an existing changeset."
            )
        return Sidecar(self.target, self.connection)

    async def _keys(self) -> list[tuple[str, str]]:
        options = self.options
        check_store_name(options.store)
        chosen = sum((bool(options.keys), options.prefix is not None, options.all_keys))
        if chosen != 1:
            raise InvalidArgument(
                "Say which entries to pull: KEYS, --prefix P or --all (exactly one of them)."
            )
        if options.keys:
            scope = check_scope(options.scope or DEFAULT_SCOPE)
            return [(scope, check_key(key)) for key in dict.fromkeys(options.keys)]
        all_scopes = options.all_keys and options.scope is None
        scope = check_scope(options.scope or DEFAULT_SCOPE)
        found: list[tuple[str, str]] = []
        cursor: str | None = None
        while True:
            page = await self.backend.list_keys(
                options.store,
                scope=scope,
                all_scopes=all_scopes,
                prefix=options.prefix or "",
                cursor=cursor,
                limit=limits.LIST_KEYS_PAGE[1],
            )
            found.extend((info.scope, info.key) for info in page.items if not info.deleted)
            self.counts["listed"] += len(page.items)
            self.emit()
            cursor = page.next_cursor
            if cursor is None:
                return found

    def _refuse_local_edits(self, sidecar: Sidecar, relatives: dict[str, Any]) -> None:
        if self.options.force:
            return
        edited = []
        for relative in sorted(relatives):
            path = self.options.root / relative
            if not path.exists():
                continue
            record = sidecar.entries.get(relative)
            if record is None or layout.file_md5(_read_text(path)) != record.file_md5:
                edited.append(relative)
        if edited:
            more = f" and {len(edited) - LISTED} more" if len(edited) > LISTED else ""
            raise InvalidArgument(
                f"{len(edited)} file(s) in {self.options.root} were edited since they were "
                f"pulled: {', '.join(edited[:LISTED])}{more}. Nothing was pulled. Apply or "
                "commit them first, or pass --force to overwrite them."
            )

    async def _read(self, scope: str, key: str) -> Entry | None:
        async with self._reads:
            try:
                return await self.backend.get_entry(self.options.store, key, scope=scope)
            except EntryNotFound:
                return None

    def _write(self, sidecar: Sidecar, relative: str, entry: Entry) -> None:
        path = self.options.root / relative
        text = layout.entry_text(entry.value)
        record = Pulled(
            entry.store,
            entry.scope,
            entry.key,
            entry.version,
            EncodedValue.from_value(entry.value).md5,
            layout.file_md5(text),
            dict(entry.attributes),
            tuple(entry.user_ids),
            format_time(utc_now()),
        )
        previous = sidecar.entries.get(relative)
        if path.exists() and _read_text(path) == text:
            self.counts["unchanged"] += 1
        else:
            layout.write_atomically(path, text)
            self.counts["refreshed" if previous is not None else "written"] += 1
        sidecar.entries[relative] = record
        self.counts["processed"] += 1


def _read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "surrogateescape")
