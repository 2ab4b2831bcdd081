"""``dsm opencloudtools import`` / ``export`` as jobs.

* The import IS a restore (``services/jobs/restore.py``) whose entries come from an
  OpenCloudTools file instead of an archive: the same compare-and-write per entry (new /
  changed / unchanged / conflicting, ``apply.py``), conditional writes through
  ``services.entries``, one audited ``job_scope``, a checkpoint per batch and ``--resume``.
  OpenCloudTools records no capture time, so unless ``captured_at`` is given every target entry
  that differs from the file counts as ``conflicting`` (skipped by default): an import never
  overwrites data it cannot prove older than the download.
* The export lists the target's keys (all scopes, or one scope, with an optional prefix, as
  OpenCloudTools' download does), reads each entry and writes a finished download file.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ...archive.format import IntegrityError
from ...backends import DataStoreBackend
from ...model import EncodedValue, Entry, EntryNotFound, KeyInfo, limits
from ...model.limits import DEFAULT_SCOPE
from ...model.times import format_time
from ..jobs.backup import MD5_RETRIES
from ..jobs.base import Job, JobCancelled
from ..jobs.keyspace import standard_stores
from ..jobs.restore import EntrySource, RestoreJob, RestoreOptions
from .opencloudtools import OpenCloudToolsReader, OpenCloudToolsWriter

#: Entries read at once by an export (the Open Cloud budget still paces them).
EXPORT_WORKERS = 8


@dataclass(frozen=True, slots=True)
class ImportFileOptions:
    """What to read from the file (the rest is :class:`RestoreOptions`)."""

    universe_id: int | None = None  # needed when the file holds several universes
    captured_at: datetime | None = None  # when the download ran, if known
    allow_incomplete: bool = False  # import an unfinished download's entries


def open_file(path: Path, options: ImportFileOptions) -> OpenCloudToolsReader:
    return OpenCloudToolsReader(
        path,
        universe_id=options.universe_id,
        captured_at=options.captured_at,
        allow_incomplete=options.allow_incomplete,
    )


class OpenCloudToolsImportJob(RestoreJob):
    kind = "opencloudtools-import"

    def __init__(
        self,
        backend: DataStoreBackend,
        target: str,
        options: RestoreOptions,
        file_options: ImportFileOptions | None = None,
    ) -> None:
        super().__init__(backend, target, options)
        self.file_options = file_options or ImportFileOptions()
        self.reader: OpenCloudToolsReader | None = None
        self._file_details: dict[str, Any] = {}

    def open_source(self) -> EntrySource:
        reader = self.reader = open_file(self.options.archive, self.file_options)
        captured = self.file_options.captured_at
        self._file_details = {
            "universe": reader.universe_id,
            "capturedAt": None if captured is None else format_time(captured),
            "download": reader.download_settings(),
            "deletedInFile": reader.deleted_count(self.options.stores),
        }
        return reader

    def identity(self, reader: EntrySource) -> dict[str, Any]:
        """The same file (size and modification time), universe, target and stores."""
        stat = self.options.archive.stat()
        file = {"fileSize": stat.st_size, "fileModifiedNs": stat.st_mtime_ns}
        return super().identity(reader) | file | {"universe": self._file_details.get("universe")}

    async def _run(self) -> dict[str, Any]:
        details = await super()._run()
        assert self.reader is not None
        self.counts["skippedInvalid"] = len(self.reader.skipped)
        details = {"file": details.pop("archive")} | details | self._file_details
        return details | {"skipped": self.reader.skipped_rows()}


@dataclass(frozen=True, slots=True)
class ExportOptions:
    out: Path
    universe_id: int  # what the file records (OpenCloudTools uploads back to it)
    stores: str = "*"
    scope: str = ""  # "" = every scope (the prefix then matches "scope/key", as on Roblox)
    prefix: str = ""
    workers: int = EXPORT_WORKERS


class OpenCloudToolsExportJob(Job):
    kind = "opencloudtools-export"

    def __init__(self, backend: DataStoreBackend, options: ExportOptions) -> None:
        super().__init__(backend)
        self.backend = backend
        self.options = options
        self._reads = asyncio.Semaphore(max(1, options.workers))

    async def _run(self) -> dict[str, Any]:
        options = self.options
        stores = await standard_stores(self.backend, options.stores)
        writer = OpenCloudToolsWriter(
            options.out, universe_id=options.universe_id, scope=options.scope,
            key_prefix=options.prefix,
        )  # fmt: skip
        per_store: dict[str, int] = {}
        self.phase = "exporting"
        try:
            for store in stores:
                per_store[store.name] = await self._store(writer, store.name)
            writer.finish()
        except BaseException:
            writer.abort()
            raise
        details: dict[str, Any] = {"out": str(options.out), "universe": options.universe_id}
        return details | {"stores": per_store, "deletedWhileExporting": writer.deleted}

    async def _store(self, writer: OpenCloudToolsWriter, store: str) -> int:
        options, written = self.options, 0
        cursor: str | None = None
        while True:
            page = await self.backend.list_keys(
                store,
                scope=options.scope or DEFAULT_SCOPE,
                all_scopes=not options.scope,
                prefix=options.prefix,
                cursor=cursor,
                limit=limits.LIST_KEYS_PAGE[1],
            )
            read = await asyncio.gather(*(self._read(store, info) for info in page.items))
            for info, entry in zip(page.items, read, strict=True):
                if entry is None:
                    writer.add_deleted(store, info.scope, info.key)
                    self.counts["deletedWhileExporting"] += 1
                    continue
                writer.add(entry)
                written += 1
                self.done += 1
                self.counts["processed"] += 1
            self.emit()
            if self.cancelled:
                raise JobCancelled("The export was cancelled; no file was written.")
            cursor = page.next_cursor
            if cursor is None:
                return written

    async def _read(self, store: str, info: KeyInfo) -> Entry | None:
        """The latest version, md5-checked as a backup checks it (re-read on a mismatch)."""
        async with self._reads:
            for _ in range(MD5_RETRIES + 1):
                try:
                    entry = await self.backend.get_entry(store, info.key, scope=info.scope)
                except EntryNotFound:  # deleted since the listing
                    return None
                md5 = EncodedValue.from_value(entry.value).md5
                if not entry.content_md5 or entry.content_md5 == md5:
                    return entry
                self.counts["md5Retries"] += 1
        raise IntegrityError(
            f"{store}/{info.scope}/{info.key}: the value read does not match its content-md5 "
            f"after {MD5_RETRIES + 1} reads; no file was written. Run the export again."
        )
