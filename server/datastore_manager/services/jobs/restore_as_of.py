"""``dsm restore-as-of TIME``: put every key changed after TIME back to its version as of TIME.

Roblox keeps every version of a standard entry, so no backup is needed: the job

1. **plans**: for every key of the matching stores, the newest version's time (one request per
   key). A key whose newest version is at or before TIME is left alone. For the others the
   version current at TIME is read and compared with the latest value; the plan records the
   latest version it saw.
2. **backs up** (not in a dry run) the matching stores into an archive before anything is
   written, so the restore itself can be undone.
3. **applies**: each planned key is written back with the value AND metadata it had at TIME,
   conditional on the version the plan saw (a game write made since then wins, and the key is
   reported as conflicting, never overwritten). Writes go through ``services.entries`` (roles,
   session-lock guard, audit). History is never deleted: a restore adds a version. A write of
   unknown outcome (Open Cloud: applied, then the response was lost) is settled by reading it
   back: a key that holds its as-of value is done and never written again.

Keys created after TIME (or deleted at TIME) are left alone unless ``delete_created``, which
deletes them with a tombstone (history kept): new players' saves are not lost by default.

Resumable: the plan and the number of keys done are checkpointed (``state.py``); an entry
written just before a crash already holds its as-of value on resume and counts as unchanged.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from ...backends import DataStoreBackend
from ...model import (
    DataStoreError,
    EntryDeleted,
    EntryNotFound,
    PreconditionFailed,
    Unavailable,
    format_time,
    limits,
)
from ...model.values import EncodedValue, Entry
from .. import entries
from ..guard import SessionLocked
from .apply import Incoming, diff_text
from .backup import BackupJob, BackupOptions
from .base import Job
from .keyspace import standard_stores
from .state import load_state, save_state

DEFAULT_WORKERS = 8
BATCH = 64


@dataclass(frozen=True, slots=True)
class RestoreAsOfOptions:
    as_of: datetime
    stores: str = "*"
    dry_run: bool = False
    resume: bool = False
    state_file: Path = Path("restore-as-of.state.json")
    backup_out: Path | None = None  # default: beside the state file
    diffs: int = 0  # dry run: collect up to this many per-entry diffs
    delete_created: bool = False
    workers: int = DEFAULT_WORKERS


@dataclass(frozen=True, slots=True)
class PlannedKey:
    """One key to put back: ``target_version`` None means "did not exist at TIME"."""

    store: str
    scope: str
    key: str
    seen_version: str  # the latest version when planned: the write's precondition
    target_version: str | None

    @property
    def label(self) -> str:
        return f"{self.store}/{self.scope}/{self.key}"

    def to_list(self) -> list[str | None]:
        return [self.store, self.scope, self.key, self.seen_version, self.target_version]

    @classmethod
    def from_list(cls, item: list[Any]) -> PlannedKey:
        return cls(str(item[0]), str(item[1]), str(item[2]), str(item[3]), item[4])


class RestoreAsOfJob(Job):
    kind = "restore-as-of"

    def __init__(self, backend: DataStoreBackend, target: str, options: RestoreAsOfOptions) -> None:
        super().__init__(backend)
        self.backend = backend
        self.target = target
        self.options = options
        self._slots = asyncio.Semaphore(max(1, options.workers))
        self._diffs: list[dict[str, Any]] = []
        self._conflicts: list[str] = []
        self._refusals: list[dict[str, str]] = []

    @property
    def backup_path(self) -> Path:
        if self.options.backup_out is not None:
            return self.options.backup_out
        state = self.options.state_file
        return state.with_name(state.name.removesuffix(".json") + ".backup.dsm")

    async def _run(self) -> dict[str, Any]:
        options = self.options
        identity = {
            "target": self.target,
            "asOf": format_time(options.as_of),
            "stores": options.stores,
        }
        saved = (
            load_state(options.state_file, job=self.kind, identity=identity)
            if options.resume and not options.dry_run
            else {}
        )
        if saved.get("plan") is not None:
            plan = [PlannedKey.from_list(item) for item in saved["plan"]]
            self.counts.update({k: int(v) for k, v in saved.get("counts", {}).items()})
        else:
            plan = await self._plan()
        self.total = len(plan)
        details: dict[str, Any] = {
            "target": self.target,
            "asOf": format_time(options.as_of),
            "dryRun": options.dry_run,
            "planned": len(plan),
        }
        if options.dry_run:
            details["diffs"] = self._diffs
            return details

        done = int(saved.get("done", 0))
        state: dict[str, Any] = {"plan": [p.to_list() for p in plan], "done": done}
        state["counts"] = dict(self.counts)
        save_state(options.state_file, job=self.kind, identity=identity, state=state)
        if not saved.get("backupDone"):
            await self._backup(resume=bool(saved))
            state["backupDone"] = True
            save_state(options.state_file, job=self.kind, identity=identity, state=state)
        details["backup"] = str(self.backup_path)

        self.phase = "restoring"
        self.done = done
        pending = iter(plan[done:])
        while batch := list(islice(pending, BATCH)):
            await asyncio.gather(*(self._apply(item) for item in batch))
            self.done += len(batch)
            state |= {"done": self.done, "counts": dict(self.counts)}
            save_state(options.state_file, job=self.kind, identity=identity, state=state)
            self.emit()
            self.checkpoint_reached()
        details["conflicts"] = self._conflicts[:50]
        details["refused"] = self._refusals[:20]
        return details

    # ---- plan ------------------------------------------------------------------------------

    async def _plan(self) -> list[PlannedKey]:
        self.phase = "planning"
        plan: list[PlannedKey] = []
        for info in await standard_stores(self.backend, self.options.stores):
            cursor: str | None = None
            while True:
                page = await self.backend.list_keys(
                    info.name,
                    all_scopes=True,
                    cursor=cursor,
                    limit=limits.LIST_KEYS_PAGE[1],
                    include_deleted=True,
                )
                found = await asyncio.gather(
                    *(self._plan_key(info.name, k.scope, k.key) for k in page.items)
                )
                plan.extend(item for item in found if item is not None)
                self.emit()
                cursor = page.next_cursor
                if cursor is None:
                    break
        return plan

    async def _plan_key(self, store: str, scope: str, key: str) -> PlannedKey | None:
        async with self._slots:
            self.counts["processed"] += 1
            self.done += 1
            latest = await entries.latest_version(self.backend, store, key, scope=scope)
            if latest is None or latest.created_time <= self.options.as_of:
                self.counts["unchangedSince"] += 1
                return None
            old = await _entry_at(self.backend, store, scope, key, self.options.as_of)
            current = await _entry_at(self.backend, store, scope, key, None)
            if _same(old, current):
                self.counts["sameAsThen"] += 1  # changed and changed back (or already restored)
                return None
            if old is None and not self.options.delete_created:
                self.counts["createdAfterKept"] += 1
                return None
            self.counts["toRestore" if old is not None else "toDelete"] += 1
            if len(self._diffs) < self.options.diffs and old is not None:
                incoming = Incoming.of_value(
                    store, scope, key, old.value, dict(old.attributes), tuple(old.user_ids)
                )
                item = {"entry": incoming.label, "diff": diff_text(incoming, current)}
                self._diffs.append(item)
            return PlannedKey(
                store, scope, key, latest.version, None if old is None else old.version
            )

    # ---- backup + apply ------------------------------------------------------------------

    async def _backup(self, *, resume: bool) -> None:
        self.phase = "backing up"
        options = BackupOptions(out=self.backup_path, stores=self.options.stores, resume=resume)
        if resume and not self.backup_path.exists():
            options = BackupOptions(out=self.backup_path, stores=self.options.stores)
        summary = await BackupJob(self.backend, self.target, options).run()
        self.counts["backedUp"] = summary.counts.get("entries", 0) + summary.counts.get(
            "resumedWith", 0
        )

    async def _apply(self, item: PlannedKey) -> None:
        async with self._slots:
            old = (
                None
                if item.target_version is None
                else await _entry_at(self.backend, item.store, item.scope, item.key, None, item)
            )
            current = await _entry_at(self.backend, item.store, item.scope, item.key, None)
            if _same(old, current):
                self.counts["unchanged"] += 1  # e.g. written just before a crash
                return
            precondition = entries.Precondition.match(item.seen_version)
            try:
                if old is None:
                    await entries.delete_entry(
                        self.backend, item.store, item.key, scope=item.scope,
                        precondition=precondition,
                    )  # fmt: skip
                    self.counts["deleted"] += 1
                else:
                    await entries.write_entry(
                        self.backend,
                        item.store,
                        item.key,
                        old.value,
                        scope=item.scope,
                        precondition=precondition,
                        attributes=dict(old.attributes),
                        user_ids=tuple(old.user_ids),
                    )
                    self.counts["written"] += 1
            except PreconditionFailed:  # changed since the plan: the newer write wins
                self.counts["conflicting"] += 1
                self._conflicts.append(item.label)
            except SessionLocked as locked:  # a live game server owns it: leave it
                self.counts["refusedLiveLocks"] += 1
                self._refusals.append({"entry": item.label, "reason": locked.message})
            except Unavailable:  # outcome unknown: did it take effect?
                now = await _entry_at(self.backend, item.store, item.scope, item.key, None)
                if not _same(old, now):
                    raise
                self.counts["deleted" if old is None else "written"] += 1


async def _entry_at(
    backend: DataStoreBackend,
    store: str,
    scope: str,
    key: str,
    as_of: datetime | None,
    planned: PlannedKey | None = None,
) -> Entry | None:
    """The live entry at ``as_of`` (or now, or the planned version); None if absent/deleted."""
    try:
        if planned is not None and planned.target_version is not None:
            return await backend.get_entry(store, key, scope=scope, version=planned.target_version)
        return await backend.get_entry(store, key, scope=scope, as_of=as_of)
    except (EntryNotFound, EntryDeleted):
        return None
    except DataStoreError as error:
        if as_of is not None and error.code == "NOT_FOUND":
            return None
        raise


def _same(a: Entry | None, b: Entry | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return (
        EncodedValue.from_value(a.value).md5 == EncodedValue.from_value(b.value).md5
        and dict(a.attributes) == dict(b.attributes)
        and tuple(a.user_ids) == tuple(b.user_ids)
    )


def default_state_file(target: str, as_of: datetime, stores: str) -> Path:
    """A checkpoint name that the same command finds again on ``--resume``."""
    digest = hashlib.sha256(f"{target}\0{format_time(as_of)}\0{stores}".encode()).hexdigest()
    return Path(f"restore-as-of-{digest[:12]}.state.json")
