"""``dsm export``: every live entry of a target as JSON Lines or CSV (one row per entry).

JSONL rows are ``{"store", "scope", "key", "value", "version", "attributes", "userIds",
"contentMd5", "updatedTime"}``; CSV has the same columns with JSON-encoded value/metadata.

Rows go to ``OUT.partial``, renamed to OUT when the export is complete (a complete file or
none). After each listing page the partial file is fsynced, then the checkpoint
``OUT.export-state.json`` records its length and the listing cursor of the next page (the
store being exported and those still to do). ``--resume`` cuts the partial file back to the
checkpointed length — rows written after the last checkpoint are dropped — and lists on from
the saved cursor, so no row is lost or written twice. The checkpoint is deleted once OUT exists.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from ...backends import DataStoreBackend
from ...model import DataStoreInfo, Entry, EntryNotFound, InvalidArgument, InvalidCursor, limits
from ...model.times import format_time
from .base import Job
from .keyspace import standard_stores
from .state import save_state

ExportFormat = Literal["jsonl", "csv"]
COLUMNS = ("store", "scope", "key", "version", "updatedTime", "contentMd5", "attributes",
           "userIds", "value")  # fmt: skip


@dataclass(frozen=True, slots=True)
class ExportOptions:
    out: Path
    format: ExportFormat = "jsonl"
    stores: str = "*"
    dry_run: bool = False  # count the keys (listing requests only); write no file
    resume: bool = False  # continue the interrupted export into ``out`` (its .partial file)
    source: str = ""  # the target's label: a resume must read the same target


class ExportJob(Job):
    kind = "export"

    def __init__(self, backend: DataStoreBackend, options: ExportOptions) -> None:
        super().__init__(backend)
        self.backend = backend
        self.options = options

    @property
    def partial(self) -> Path:
        return self.options.out.with_name(self.options.out.name + ".partial")

    @property
    def state_file(self) -> Path:
        return self.options.out.with_name(self.options.out.name + ".export-state.json")

    @property
    def identity(self) -> dict[str, Any]:
        options = self.options
        return {"format": options.format, "stores": options.stores, "source": options.source}

    async def _run(self) -> dict[str, Any]:
        options = self.options
        if options.format not in ("jsonl", "csv"):
            raise InvalidArgument("--format must be jsonl or csv.")
        state: dict[str, Any] | None = None
        if options.resume and not options.dry_run:
            finished = self._finished()
            if finished is not None:
                return finished
            state = self._resumed_state()  # None: nothing to resume, so start (like backup)
        elif options.out.exists():
            raise InvalidArgument(f"{options.out} exists; exports never overwrite a file.")
        if state is None:
            stores = await standard_stores(self.backend, options.stores)
            if options.dry_run:
                return await self._count(stores)
            state = self._fresh_state(stores)
        self.phase = "exporting"
        with open(self.partial, "a", encoding="utf-8", newline="") as handle:
            await self._export(handle, state)
        self._save(state | {"complete": True})
        self.partial.replace(options.out)  # a complete file or none
        self.state_file.unlink(missing_ok=True)
        return {"out": str(options.out), "format": options.format}

    def _fresh_state(self, stores: list[DataStoreInfo]) -> dict[str, Any]:
        """Start the partial file over (a header for CSV) and save the first checkpoint."""
        with open(self.partial, "w", encoding="utf-8", newline="") as handle:
            if self.options.format == "csv":
                csv.writer(handle).writerow(COLUMNS)
            handle.flush()
            os.fsync(handle.fileno())
        state: dict[str, Any] = {"stores": [s.name for s in stores], "index": 0, "cursor": None}
        state |= {"bytes": self.partial.stat().st_size, "rows": 0, "complete": False}
        self._save(state)
        return state

    def _save(self, state: dict[str, Any]) -> None:
        save_state(self.state_file, job=self.kind, identity=self.identity, state=state)

    def _finished(self) -> dict[str, Any] | None:
        """``--resume`` of an export that already finished: a no-op (the file is checked to be
        in the format asked for). A crash just before the final rename is completed here."""
        out = self.options.out
        saved = self._saved_document()
        if not out.exists() and saved is not None and saved["state"].get("complete"):
            self._check_identity(saved)
            if self.partial.exists():
                self.partial.replace(out)
        if not out.exists():
            return None
        first = ""
        with open(out, encoding="utf-8", newline="") as handle:
            first = handle.readline().rstrip("\r\n")
        found = "csv" if first == ",".join(COLUMNS) else "jsonl"
        if first and found != self.options.format:
            raise InvalidArgument(
                f"{out} is a finished {found} export, not {self.options.format}; nothing to "
                f"resume. Export to another file to get {self.options.format}."
            )
        if not self.partial.exists():
            self.state_file.unlink(missing_ok=True)  # left by a crash after the rename
        self.counts["alreadyComplete"] = 1
        return {"out": str(out), "format": self.options.format, "alreadyComplete": True,
                "message": f"{out} is already complete; nothing to resume."}  # fmt: skip

    def _saved_document(self) -> dict[str, Any] | None:
        if not self.state_file.exists():
            return None
        try:
            document = json.loads(self.state_file.read_text(encoding="utf-8"))
            if not isinstance(document.get("state"), dict):
                raise ValueError
        except (OSError, ValueError, AttributeError):
            raise InvalidArgument(
                f"The checkpoint {self.state_file} is unreadable; delete it and {self.partial} "
                "and export again without --resume."
            ) from None
        return dict(document)

    def _check_identity(self, saved: dict[str, Any]) -> None:
        was = saved.get("identity") or {}
        if was != self.identity:
            raise InvalidArgument(
                f"The interrupted export into {self.options.out} was started with "
                f"{_describe(was)}; this run asks for {_describe(self.identity)}. Resume it "
                "with the same options, or export to another file. Nothing was changed."
            )

    def _resumed_state(self) -> dict[str, Any] | None:
        """The checkpoint to continue from, with the partial file cut back to it (None when
        there is nothing to resume)."""
        saved = self._saved_document()
        if saved is None:
            if not self.partial.exists():
                return None
            raise InvalidArgument(
                f"{self.partial} has no checkpoint ({self.state_file}), so it cannot be "
                "continued safely; delete it and export again. Nothing was changed."
            )
        self._check_identity(saved)
        state = dict(saved["state"])
        length = int(state.get("bytes", 0))
        if not self.partial.exists() or self.partial.stat().st_size < length:
            raise InvalidArgument(
                f"{self.partial} is missing or shorter than its checkpoint ({length:,} bytes); "
                f"delete it and {self.state_file}, and export again without --resume."
            )
        os.truncate(self.partial, length)  # rows after the last checkpoint are written again
        self.done = int(state.get("rows", 0))
        self.counts["resumedWith"] = self.done
        return state

    async def _export(self, handle: IO[str], state: dict[str, Any]) -> None:
        writer = csv.writer(handle) if self.options.format == "csv" else None
        stores: list[str] = state["stores"]
        while state["index"] < len(stores):
            store = stores[state["index"]]
            cursor: str | None = state["cursor"]
            skip: set[tuple[str, str]] = set()
            while True:
                try:
                    page = await self.backend.list_keys(
                        store, all_scopes=True, cursor=cursor, limit=limits.LIST_KEYS_PAGE[1]
                    )
                except InvalidCursor:
                    if cursor is None:
                        raise
                    # The saved cursor is no longer accepted: list the store again and skip
                    # the rows the partial file already holds.
                    handle.flush()
                    skip = self._exported_keys(store)
                    cursor = None
                    continue
                for info in page.items:
                    if (info.scope, info.key) in skip:
                        self.counts["skippedAlreadyExported"] += 1
                        continue
                    try:
                        entry = await self.backend.get_entry(store, info.key, scope=info.scope)
                    except EntryNotFound:
                        continue  # deleted since the listing
                    self._write_row(handle, writer, entry)
                    self.done += 1
                    self.counts["processed"] += 1
                    self.emit()
                handle.flush()
                os.fsync(handle.fileno())  # the rows are durable before the checkpoint
                cursor = page.next_cursor
                if cursor is None:
                    state["index"] += 1
                state |= {"cursor": cursor, "rows": self.done}
                state["bytes"] = os.fstat(handle.fileno()).st_size
                self._save(state)
                self.checkpoint_reached()
                if cursor is None:
                    break

    def _write_row(self, handle: IO[str], writer: Any, entry: Entry) -> None:
        row = entry.to_dict()
        record = {
            "store": entry.store,
            "scope": entry.scope,
            "key": entry.key,
            "value": entry.value,
            "version": entry.version,
            "attributes": entry.attributes,
            "userIds": list(entry.user_ids),
            "contentMd5": row["contentMd5"],
            "updatedTime": format_time(entry.updated_time),
        }
        if writer is None:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            writer.writerow(
                [
                    json.dumps(record[c], ensure_ascii=False)
                    if c in ("attributes", "userIds", "value")
                    else record[c]
                    for c in COLUMNS
                ]
            )

    def _exported_keys(self, store: str) -> set[tuple[str, str]]:
        """(scope, key) of every row of ``store`` already in the partial file."""
        found: set[tuple[str, str]] = set()
        with open(self.partial, encoding="utf-8", newline="") as handle:
            if self.options.format == "csv":
                for row in csv.DictReader(handle):
                    if row["store"] == store:
                        found.add((row["scope"], row["key"]))
            else:
                for line in handle:
                    record = json.loads(line)
                    if record["store"] == store:
                        found.add((record["scope"], record["key"]))
        return found

    async def _count(self, stores: list[DataStoreInfo]) -> dict[str, Any]:
        self.phase = "counting"
        per_store: dict[str, int] = {}
        for store in stores:
            cursor: str | None = None
            while True:
                page = await self.backend.list_keys(
                    store.name, all_scopes=True, cursor=cursor, limit=limits.LIST_KEYS_PAGE[1]
                )
                per_store[store.name] = per_store.get(store.name, 0) + len(page.items)
                self.done += len(page.items)
                self.counts["keys"] += len(page.items)
                self.emit()
                cursor = page.next_cursor
                if cursor is None:
                    break
        return {"out": str(self.options.out), "format": self.options.format, "dryRun": True,
                "stores": per_store}  # fmt: skip


def _describe(identity: dict[str, Any]) -> str:
    text = f"--format {identity.get('format')} --stores {identity.get('stores')!r}"
    return text + (f" from {identity['source']}" if identity.get("source") else "")
