"""``dsm migrate STORE --script FILE.py``: run ``migrate(value, entry) -> value | None`` over
every entry of a store.

* ``None`` (or the same value) leaves the entry alone (``unchanged``).
* Every new value is validated against the schema the workspace maps to the entry
  (``services/schemas``) before it is written; an invalid result is counted and listed, never
  written.
* Writes are conditional on the version the migration read and keep the entry's metadata. A
  concurrent game write wins: the entry is read again and migrated again (up to
  ``RACE_ATTEMPTS`` times). A write of unknown outcome (Open Cloud: applied, then the response
  was lost) is settled by reading: an entry that holds the migrated value is done, never
  migrated again.
* Resumable without applying a migration twice, even a non-idempotent one: per page, the md5
  of every value about to be written is journaled in the checkpoint BEFORE the writes; on
  resume an entry that already holds its journaled value counts as ``alreadyMigrated``.
* ``--dry-run`` reads only and shows ``--sample N`` diffs.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...backends import DataStoreBackend
from ...model import (
    EntryNotFound,
    InvalidArgument,
    JsonValue,
    PreconditionFailed,
    Unavailable,
    limits,
)
from ...model.values import EncodedValue, Entry
from .. import entries, guard
from ..guard import SessionLocked
from .apply import RACE_ATTEMPTS, Incoming, diff_text
from .base import Job
from .state import load_state, save_state

MigrateFunction = Callable[[JsonValue, dict[str, Any]], JsonValue | None]
#: Returns the schema problems of a new value for (store, scope, key); [] when valid/unmapped.
Validator = Callable[[str, str, str, JsonValue], list[str]]
DEFAULT_WORKERS = 8


@dataclass(frozen=True, slots=True)
class MigrateOptions:
    store: str
    script: Path
    dry_run: bool = False
    sample: int = 5
    resume: bool = False
    state_file: Path | None = None  # default: <script>.<store>.migrate-state.json
    workers: int = DEFAULT_WORKERS


def load_migration(script: Path) -> MigrateFunction:
    """The ``migrate`` function of a user's Python file."""
    spec = importlib.util.spec_from_file_location(f"dsm_migration_{script.stem}", script)
    if spec is None or spec.loader is None:
        raise InvalidArgument(f"{script} is not a Python file that can be loaded.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function = getattr(module, "migrate", None)
    if not callable(function):
        raise InvalidArgument(f"{script} must define migrate(value, entry) -> value | None.")
    return function  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class _Result:
    label: str
    new_md5: str | None  # None: nothing to write


class MigrateJob(Job):
    kind = "migrate"

    def __init__(
        self,
        backend: DataStoreBackend,
        target: str,
        options: MigrateOptions,
        migrate: MigrateFunction,
        validate: Validator | None = None,
    ) -> None:
        super().__init__(backend)
        self.backend = backend
        self.target = target
        self.options = options
        self.migrate = migrate
        self.validate = validate or (lambda store, scope, key, value: [])
        self._slots = asyncio.Semaphore(max(1, options.workers))
        self._samples: list[dict[str, Any]] = []
        self._invalid: list[dict[str, Any]] = []
        self._journal: dict[str, str] = {}

    @property
    def state_file(self) -> Path:
        script = self.options.script
        name = f"{script.name}.{self.options.store}.migrate-state.json"
        return self.options.state_file or script.with_name(name)

    async def _run(self) -> dict[str, Any]:
        options = self.options
        identity = {
            "target": self.target,
            "store": options.store,
            "script": str(options.script.resolve()),
        }
        saved = (
            load_state(self.state_file, job=self.kind, identity=identity)
            if options.resume and not options.dry_run
            else {}
        )
        self.counts.update({k: int(v) for k, v in saved.get("counts", {}).items()})
        if not saved.get("finished"):
            self._journal = dict(saved.get("journal", {}))
            self.done = int(saved.get("done", 0))
            self.phase = "planning" if options.dry_run else "migrating"
            if options.dry_run:
                await self._pages(saved.get("cursor"), identity)
            else:
                with guard.job_scope(self.backend, self.kind):
                    await self._pages(saved.get("cursor"), identity)
        return {
            "target": self.target,
            "store": options.store,
            "dryRun": options.dry_run,
            "samples": self._samples,
            "invalid": self._invalid[:20],
        }

    async def _pages(self, cursor: str | None, identity: dict[str, Any]) -> None:
        while True:
            page = await self.backend.list_keys(
                self.options.store, all_scopes=True, cursor=cursor, limit=limits.LIST_KEYS_PAGE[1]
            )
            planned = await asyncio.gather(*(self._plan(k.scope, k.key) for k in page.items))
            if not self.options.dry_run:
                journal = {p[0].label: p[0].new_md5 for p in planned if p and p[0].new_md5}
                # (only entries with a value to write are journaled)
                self._save(identity, cursor, journal)  # what is about to be written, first
                await asyncio.gather(*(self._write(*p) for p in planned if p and p[0].new_md5))
                guard.checkpoint(self.backend)
            self.done += len(page.items)
            cursor = page.next_cursor
            if not self.options.dry_run:
                self._save(identity, cursor, {}, finished=cursor is None)
            self.emit()
            self.checkpoint_reached()
            if cursor is None:
                return

    def _save(
        self,
        identity: dict[str, Any],
        cursor: str | None,
        journal: Mapping[str, str | None],
        *,
        finished: bool = False,
    ) -> None:
        state: dict[str, Any] = {"cursor": cursor, "done": self.done, "counts": dict(self.counts)}
        state |= {"journal": dict(journal), "finished": finished}
        save_state(self.state_file, job=self.kind, identity=identity, state=state)

    async def _plan(self, scope: str, key: str) -> tuple[_Result, Entry, JsonValue] | None:
        """Read and migrate one entry; returns what to write (or None)."""
        async with self._slots:
            store = self.options.store
            label = f"{store}/{scope}/{key}"
            try:
                entry = await self.backend.get_entry(store, key, scope=scope)
            except EntryNotFound:
                self.counts["vanished"] += 1
                return None
            self.counts["processed"] += 1
            current_md5 = EncodedValue.from_value(entry.value).md5
            if self._journal.get(label) == current_md5:
                self.counts["alreadyMigrated"] += 1  # written just before an interruption
                return None
            new = self._migrated(entry)
            if new is None:
                self.counts["unchanged"] += 1
                return None
            problems = self.validate(store, scope, key, new)
            if problems:
                self.counts["invalid"] += 1
                self._invalid.append({"entry": label, "problems": problems[:5]})
                return None
            self.counts["changed"] += 1
            if self.options.dry_run and len(self._samples) < self.options.sample:
                incoming = Incoming.of_value(
                    store, scope, key, new, dict(entry.attributes), tuple(entry.user_ids)
                )
                self._samples.append({"entry": label, "diff": diff_text(incoming, entry)})
            return _Result(label, EncodedValue.from_value(new).md5), entry, new

    def _migrated(self, entry: Entry) -> JsonValue | None:
        document = entry.to_dict()
        value = json.loads(json.dumps(entry.value))  # the function may mutate its copy
        new = self.migrate(value, document)
        if new is None:
            return None
        if EncodedValue.from_value(new).md5 == EncodedValue.from_value(entry.value).md5:
            return None
        return new

    async def _write(self, result: _Result, entry: Entry, new: JsonValue) -> None:
        async with self._slots:
            store = self.options.store
            for _ in range(RACE_ATTEMPTS):
                try:
                    await entries.write_entry(
                        self.backend,
                        store,
                        entry.key,
                        new,
                        scope=entry.scope,
                        precondition=entries.Precondition.match(entry.version),
                        current=entry,
                    )
                    self.counts["written"] += 1
                    return
                except SessionLocked as locked:
                    self.counts["refusedLiveLocks"] += 1
                    self._invalid.append({"entry": result.label, "problems": [locked.message]})
                    return
                except Unavailable:  # outcome unknown: migrating again would apply it twice
                    if await self._holds(entry, new):
                        self.counts["written"] += 1
                        return
                    raise
                except PreconditionFailed:  # the game wrote meanwhile: its write wins
                    self.counts["raceRetries"] += 1
                    try:
                        entry = await self.backend.get_entry(store, entry.key, scope=entry.scope)
                    except EntryNotFound:
                        return
                    again = self._migrated(entry)
                    if again is None:
                        return
                    if self.validate(store, entry.scope, entry.key, again):
                        self.counts["invalid"] += 1
                        return
                    new = again
            self.counts["gaveUpAfterRaces"] += 1

    async def _holds(self, entry: Entry, new: JsonValue) -> bool:
        """Does the entry now hold ``new`` (a write of unknown outcome took effect)?"""
        try:
            now = await self.backend.get_entry(self.options.store, entry.key, scope=entry.scope)
        except EntryNotFound:
            return False
        return EncodedValue.from_value(now.value).md5 == EncodedValue.from_value(new).md5
