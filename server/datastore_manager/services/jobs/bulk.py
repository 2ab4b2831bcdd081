"""``dsm bulk set|delete --from FILE.jsonl``: many writes from a file, resumable and idempotent.

Each line is one JSON object: ``{"store", "key", "scope"?, "value", "attributes"?,
"userIds"?, "matchVersion"?}`` for ``set`` (the rows ``dsm export`` writes are accepted as
they are), ``{"store", "key", "scope"?, "matchVersion"?}`` for ``delete``.

* ``set`` compares first (``apply.py``): an entry that already holds the value and metadata
  is ``unchanged`` and not written, so a resumed or repeated run never writes twice. Missing
  ``attributes`` / ``userIds`` keep the entry's current ones (Roblox would clear them).
* ``delete`` writes a tombstone (history is kept), conditional on the version just read; an
  entry already absent or deleted counts as ``alreadyDeleted``.
* ``matchVersion`` makes a line conditional on the version it was prepared against; an entry
  changed since is ``conflicting`` and left alone.
* Every line is checked before anything is written; a bad line stops the job up front.
* After each batch the number of lines done is checkpointed (``state.py``); ``--resume``
  continues after it. ``--dry-run`` reads only.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Literal

from ...backends import DataStoreBackend
from ...model import (
    EntryNotFound,
    InvalidArgument,
    JsonValue,
    PreconditionFailed,
)
from ...model.limits import DEFAULT_SCOPE
from ...model.values import EncodedValue, Entry
from .. import entries, guard
from ..guard import SessionLocked
from .apply import Incoming, Outcome, apply, classify
from .base import Job
from .state import load_state, save_state

BulkAction = Literal["set", "delete"]
BATCH = 64
DEFAULT_WORKERS = 8


@dataclass(frozen=True, slots=True)
class BulkOptions:
    action: BulkAction
    source: Path
    dry_run: bool = False
    resume: bool = False
    state_file: Path | None = None  # default: <source>.bulk-<action>-state.json
    workers: int = DEFAULT_WORKERS


@dataclass(frozen=True, slots=True)
class BulkLine:
    number: int
    store: str
    scope: str
    key: str
    value: JsonValue = None
    attributes: dict[str, JsonValue] | None = None
    user_ids: tuple[int, ...] | None = None
    match_version: str | None = None

    @property
    def label(self) -> str:
        return f"{self.store}/{self.scope}/{self.key}"


def read_lines(path: Path, action: BulkAction) -> list[BulkLine]:
    """Every line of the file, checked; InvalidArgument names the first bad line."""
    found: list[BulkLine] = []
    with open(path, encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            found.append(_parse(number, text, action, path))
    return found


def _parse(number: int, text: str, action: BulkAction, path: Path) -> BulkLine:
    where = f"{path}:{number}"
    try:
        row = json.loads(text)
    except ValueError as error:
        raise InvalidArgument(f"{where}: not JSON ({error}).") from None
    if not isinstance(row, dict):
        raise InvalidArgument(f"{where}: each line must be a JSON object.")
    store, key, scope = row.get("store"), row.get("key"), row.get("scope", DEFAULT_SCOPE)
    if not isinstance(store, str) or not isinstance(key, str) or not isinstance(scope, str):
        raise InvalidArgument(f"{where}: needs string fields store and key (scope optional).")
    if action == "set" and "value" not in row:
        raise InvalidArgument(f"{where}: a set line needs a value.")
    attributes = row.get("attributes")
    if attributes is not None and not isinstance(attributes, dict):
        raise InvalidArgument(f"{where}: attributes must be an object.")
    user_ids = row.get("userIds")
    if user_ids is not None and not (
        isinstance(user_ids, list) and all(isinstance(u, int) for u in user_ids)
    ):
        raise InvalidArgument(f"{where}: userIds must be a list of integers.")
    match = row.get("matchVersion")
    if match is not None and not isinstance(match, str):
        raise InvalidArgument(f"{where}: matchVersion must be a version string.")
    return BulkLine(
        number,
        store,
        scope,
        key,
        row.get("value"),
        attributes,
        None if user_ids is None else tuple(user_ids),
        match,
    )


class BulkJob(Job):
    kind = "bulk"

    def __init__(self, backend: DataStoreBackend, target: str, options: BulkOptions) -> None:
        super().__init__(backend)
        self.backend = backend
        self.target = target
        self.options = options
        self._slots = asyncio.Semaphore(max(1, options.workers))
        self._conflicts: list[str] = []
        self._refusals: list[dict[str, str]] = []

    @property
    def state_file(self) -> Path:
        source = self.options.source
        name = f"{source.name}.bulk-{self.options.action}-state.json"
        return self.options.state_file or source.with_name(name)

    async def _run(self) -> dict[str, Any]:
        options = self.options
        lines = read_lines(options.source, options.action)
        identity = {
            "source": str(options.source.resolve()),
            "action": options.action,
            "target": self.target,
            "lines": len(lines),
        }
        saved = (
            load_state(self.state_file, job=self.kind, identity=identity)
            if options.resume and not options.dry_run
            else {}
        )
        self.counts.update({k: int(v) for k, v in saved.get("counts", {}).items()})
        self.total = len(lines)
        self.done = int(saved.get("done", 0))
        self.phase = "planning" if options.dry_run else options.action
        if options.dry_run:
            await self._batches(lines, identity)
        else:
            with guard.job_scope(self.backend, f"bulk-{options.action}"):
                await self._batches(lines, identity)
        return {
            "source": str(options.source),
            "action": options.action,
            "target": self.target,
            "dryRun": options.dry_run,
            "conflicts": self._conflicts[:50],
            "refused": self._refusals[:20],
        }

    async def _batches(self, lines: list[BulkLine], identity: dict[str, Any]) -> None:
        pending = iter(lines[self.done :])
        while batch := list(islice(pending, BATCH)):
            await asyncio.gather(*(self._one(line) for line in batch))
            self.done += len(batch)
            if not self.options.dry_run:
                guard.checkpoint(self.backend)  # audit records durable before the checkpoint
                state = {"done": self.done, "counts": dict(self.counts)}
                save_state(self.state_file, job=self.kind, identity=identity, state=state)
            self.emit()
            self.checkpoint_reached()

    async def _one(self, line: BulkLine) -> None:
        async with self._slots:
            self.counts["processed"] += 1
            current = await _current(self.backend, line)
            if self._moved_on(line, current):
                self.counts["conflicting"] += 1
                self._conflicts.append(line.label)
                return
            try:
                if self.options.action == "set":
                    await self._set(line, current)
                else:
                    await self._delete(line, current)
            except PreconditionFailed:  # someone wrote meanwhile: their write wins
                self.counts["conflicting"] += 1
                self._conflicts.append(line.label)
            except SessionLocked as locked:
                self.counts["refusedLiveLocks"] += 1
                self._refusals.append({"entry": line.label, "reason": locked.message})

    def _moved_on(self, line: BulkLine, current: Entry | None) -> bool:
        """The entry changed since the version the line was prepared against."""
        if line.match_version is None or current is None:
            return False
        return current.version != line.match_version and not self._same(line, current)

    def _incoming(self, line: BulkLine, current: Entry | None) -> Incoming:
        attributes = line.attributes
        if attributes is None:
            attributes = dict(current.attributes) if current is not None else {}
        user_ids = line.user_ids
        if user_ids is None:
            user_ids = tuple(current.user_ids) if current is not None else ()
        return Incoming.of_value(line.store, line.scope, line.key, line.value, attributes, user_ids)

    def _same(self, line: BulkLine, current: Entry) -> bool:
        if self.options.action == "delete":
            return False
        incoming = self._incoming(line, current)
        return (
            EncodedValue.from_value(current.value).md5 == incoming.md5
            and dict(current.attributes) == incoming.attributes
            and tuple(current.user_ids) == incoming.user_ids
        )

    async def _set(self, line: BulkLine, current: Entry | None) -> None:
        incoming = self._incoming(line, current)
        if self.options.dry_run:
            plan = await classify(self.backend, incoming)
            self.counts[plan.outcome.value] += 1
            return
        applied = await apply(self.backend, incoming, "overwrite")
        outcome = applied.plan.outcome
        self.counts[Outcome.CHANGED.value if outcome is Outcome.CONFLICTING else outcome] += 1
        if applied.written:
            self.counts["written"] += 1
        if applied.refused is not None:
            self.counts["refusedLiveLocks"] += 1
            self._refusals.append({"entry": line.label, "reason": applied.refused})

    async def _delete(self, line: BulkLine, current: Entry | None) -> None:
        if current is None:
            self.counts["alreadyDeleted"] += 1
            return
        self.counts["toDelete"] += 1
        if self.options.dry_run:
            return
        await entries.delete_entry(
            self.backend,
            line.store,
            line.key,
            scope=line.scope,
            precondition=entries.Precondition.match(current.version),
        )
        self.counts["deleted"] += 1


async def _current(backend: DataStoreBackend, line: BulkLine) -> Entry | None:
    try:
        return await backend.get_entry(line.store, line.key, scope=line.scope)
    except EntryNotFound:  # absent, or deleted (EntryDeleted is a subclass)
        return None
