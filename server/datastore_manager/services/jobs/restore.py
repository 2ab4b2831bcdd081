"""``dsm restore``: put an archive's entries back into a target with conditional writes.

Entries are processed in archive order, in batches; after each batch the last archive row
done is saved to a checkpoint file, so ``--resume`` skips what was done. An entry written just
before a crash is re-read on resume and found ``unchanged``: nothing is ever written twice.
A dry run reads the target and writes nothing (not even the checkpoint).

The entries come from an :class:`EntrySource`: an archive by default; a subclass reads another
format through :meth:`RestoreJob.open_source` (e.g. ``services/interop``'s OpenCloudTools files).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from ...archive import ArchiveReader
from ...backends import DataStoreBackend
from ...model import EntryNotFound, JsonValue, OrderedEntry, parse_time
from .. import entries, guard
from .apply import ConflictFound, Incoming, OnConflict, Outcome, apply, classify, diff_text
from .base import Job
from .state import load_state, save_state

DEFAULT_BATCH = 64
DEFAULT_WORKERS = 8


class SourceEntry(Protocol):
    """One entry to restore (an archive's :class:`~...archive.reader.ArchivedEntry` is one)."""

    @property
    def row_id(self) -> int: ...  # increasing: the checkpoint resumes after it
    @property
    def store(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def text(self) -> str | None: ...  # compact JSON; None for a tombstone (never listed)
    @property
    def md5(self) -> str: ...
    @property
    def attributes(self) -> dict[str, JsonValue]: ...
    @property
    def user_ids(self) -> tuple[int, ...]: ...


class EntrySource(Protocol):
    """Where a restore reads: :class:`ArchiveReader`, or a reader of another tool's file.
    ``manifest["startedAt"]`` is the capture time that tells changed from conflicting."""

    manifest: dict[str, Any]

    def count_entries(self, stores: str = "*") -> int: ...
    def entries(self, stores: str = "*", *, after_id: int = 0) -> Iterator[SourceEntry]: ...
    def ordered_entries(self, stores: str = "*") -> Iterator[OrderedEntry]: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class RestoreOptions:
    archive: Path
    stores: str = "*"
    dry_run: bool = False
    on_conflict: OnConflict = "skip"
    resume: bool = False
    state_file: Path | None = None  # default: <archive>.restore-state.json
    diffs: int = 0  # dry run: collect up to this many per-entry diffs
    batch: int = DEFAULT_BATCH
    workers: int = DEFAULT_WORKERS


class RestoreJob(Job):
    kind = "restore"

    def __init__(self, backend: DataStoreBackend, target: str, options: RestoreOptions) -> None:
        super().__init__(backend)
        self.backend = backend
        self.target = target
        self.options = options
        self._slots = asyncio.Semaphore(max(1, options.workers))
        self._diffs: list[dict[str, Any]] = []
        self._refusals: list[dict[str, Any]] = []
        self._conflicts: list[str] = []

    @property
    def state_file(self) -> Path:
        archive = self.options.archive
        default = archive.with_name(f"{archive.name}.{self.kind}-state.json")
        return self.options.state_file or default

    def open_source(self) -> EntrySource:
        """The entries to restore: the archive (a subclass may read another format)."""
        return ArchiveReader(self.options.archive)

    def identity(self, reader: EntrySource) -> dict[str, Any]:
        """What a checkpoint must match to be resumed: the same source, target and stores."""
        options = self.options
        identity: dict[str, Any] = {"archive": str(options.archive.resolve())}
        identity |= {"startedAt": reader.manifest.get("startedAt")}
        return identity | {"target": self.target, "stores": options.stores}

    async def _run(self) -> dict[str, Any]:
        reader = self.open_source()
        try:
            if self.options.dry_run:
                return await self._restore(reader)
            with guard.job_scope(self.backend, self.kind):  # one gate pass, grouped audit
                return await self._restore(reader)
        finally:
            reader.close()

    async def _restore(self, reader: EntrySource) -> dict[str, Any]:
        options = self.options
        started = reader.manifest.get("startedAt")
        captured_at = parse_time(started) if started else None
        identity = self.identity(reader)
        saved = (
            load_state(self.state_file, job=self.kind, identity=identity)
            if options.resume and not options.dry_run
            else {}
        )
        after_id = int(saved.get("lastRowId", 0))
        self.counts.update({k: int(v) for k, v in saved.get("counts", {}).items()})
        self.total = reader.count_entries(options.stores)
        self.done = int(saved.get("done", 0))

        if options.on_conflict == "fail" and not options.dry_run:
            # "fail" must change nothing: find conflicts with a read-only pass first.
            self.phase = "checking"
            conflicts = await self._first_conflict(reader, captured_at, after_id)
            if conflicts is not None:
                raise ConflictFound(
                    f"{conflicts} was changed in the target after the backup was taken; nothing "
                    "was written. Re-run with --on-conflict skip or overwrite.",
                    key=conflicts,
                )

        self.phase = "planning" if options.dry_run else "restoring"
        source = reader.entries(options.stores, after_id=after_id)
        while batch := list(islice(source, options.batch)):
            await asyncio.gather(*(self._one(entry, captured_at) for entry in batch))
            self.done += len(batch)
            if not options.dry_run:
                state: dict[str, Any] = {"lastRowId": batch[-1].row_id, "done": self.done}
                state["counts"] = dict(self.counts)
                guard.checkpoint(self.backend)  # audit records durable before the checkpoint
                save_state(self.state_file, job=self.kind, identity=identity, state=state)
            self.emit()
            self.checkpoint_reached()
        if not saved.get("orderedDone"):
            for ordered in reader.ordered_entries(options.stores):
                await self._ordered(ordered)
        if not options.dry_run:
            final: dict[str, Any] = {"lastRowId": 2**62, "done": self.done, "orderedDone": True}
            final["counts"] = dict(self.counts)
            guard.checkpoint(self.backend)
            save_state(self.state_file, job=self.kind, identity=identity, state=final)
        details: dict[str, Any] = {"archive": str(options.archive), "target": self.target}
        details["dryRun"] = options.dry_run
        details["refused"] = self._refusals
        details["conflicts"] = self._conflicts
        if options.dry_run:
            details["diffs"] = self._diffs
        return details

    async def _first_conflict(
        self, reader: EntrySource, captured_at: Any, after_id: int
    ) -> str | None:
        for entry in reader.entries(self.options.stores, after_id=after_id):
            incoming = _incoming(entry, captured_at)
            if (await classify(self.backend, incoming)).outcome is Outcome.CONFLICTING:
                return incoming.label
        return None

    async def _one(self, entry: SourceEntry, captured_at: Any) -> None:
        async with self._slots:
            incoming = _incoming(entry, captured_at)
            self.counts["processed"] += 1
            if self.options.dry_run:
                plan = await classify(self.backend, incoming)
                self.counts[plan.outcome.value] += 1
                wanted = plan.outcome in (Outcome.NEW, Outcome.CHANGED, Outcome.CONFLICTING)
                if wanted and len(self._diffs) < self.options.diffs:
                    self._diffs.append(
                        {
                            "entry": incoming.label,
                            "outcome": plan.outcome.value,
                            "diff": diff_text(incoming, plan.current),
                        }
                    )
                return
            applied = await apply(self.backend, incoming, self.options.on_conflict)
            self.counts[applied.plan.outcome.value] += 1
            if applied.written:
                self.counts["written"] += 1
            if applied.skipped:
                self.counts["skippedConflicts"] += 1
                if len(self._conflicts) < 20:
                    self._conflicts.append(incoming.label)
            if applied.refused is not None:
                self.counts["refusedLiveLocks"] += 1
                if len(self._refusals) < 20:
                    self._refusals.append({"entry": incoming.label, "reason": applied.refused})

    async def _ordered(self, wanted: OrderedEntry) -> None:
        """Ordered entries have no versions or times: any difference counts as a conflict."""
        self.counts["processed"] += 1
        try:
            current: int | None = (
                await self.backend.get_ordered(wanted.store, wanted.key, scope=wanted.scope)
            ).value
        except EntryNotFound:
            current = None
        outcome = (
            Outcome.NEW
            if current is None
            else Outcome.UNCHANGED
            if current == wanted.value
            else Outcome.CONFLICTING
        )
        self.counts[f"ordered.{outcome.value}"] += 1
        write = outcome is Outcome.NEW or (
            outcome is Outcome.CONFLICTING and self.options.on_conflict == "overwrite"
        )
        if self.options.dry_run or not write:
            return
        await entries.set_ordered(
            self.backend,
            wanted.store,
            wanted.key,
            wanted.value,
            scope=wanted.scope,
            precondition="must_not_exist" if current is None else "must_exist",
        )
        self.counts["written"] += 1


def _incoming(entry: SourceEntry, captured_at: Any) -> Incoming:
    assert entry.text is not None  # deleted entries are not listed
    return Incoming(
        entry.store,
        entry.scope,
        entry.key,
        entry.text,
        entry.md5,
        entry.attributes,
        entry.user_ids,
        captured_at,
    )
