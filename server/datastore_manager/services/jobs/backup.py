"""``dsm backup``: stream every entry of a target into an archive, resumably.

Per store, the key listing is followed page by page; each page's entries are read (concurrently,
within the backend's request budget), md5-checked, and committed with the cursor of the next
page as one checkpoint. ``--resume`` continues from the checkpoints, so nothing already in the
archive is read again.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from ...archive import ArchiveWriter, archive_box
from ...archive.format import (
    ARCHIVE_FORMAT,
    FORMAT_VERSION,
    EntryRecord,
    IntegrityError,
    VersionRecord,
)
from ...backends import DataStoreBackend
from ...model import (
    EncodedValue,
    Entry,
    EntryNotFound,
    InvalidCursor,
    KeyInfo,
    StoreKind,
    VersionInfo,
    limits,
    utc_now,
)
from ...model.limits import DEFAULT_SCOPE
from ...model.times import to_micros
from ...security.crypto import AesGcmBox
from .base import Job
from .keyspace import ordered_stores, standard_stores

#: Reads in flight at once (the Open Cloud budget still paces them).
DEFAULT_WORKERS = 8
#: Extra reads of an entry whose md5 did not match before giving up.
MD5_RETRIES = 2


@dataclass(frozen=True, slots=True)
class BackupOptions:
    out: Path
    stores: str = "*"
    all_versions: bool = False
    encrypt: bool = False
    resume: bool = False
    workers: int = DEFAULT_WORKERS
    page_size: int | None = None  # key-listing page size (None: the largest Roblox allows)
    #: Scopes of ordered stores to back up: no Roblox API lists them, so they are named.
    ordered_scopes: tuple[str, ...] = (DEFAULT_SCOPE,)


class BackupJob(Job):
    kind = "backup"

    def __init__(self, backend: DataStoreBackend, source: str, options: BackupOptions) -> None:
        super().__init__(backend)
        self.backend = backend
        self.source = source
        self.options = options
        self._reads = asyncio.Semaphore(max(1, options.workers))

    async def _run(self) -> dict[str, Any]:
        writer = await self._open()
        try:
            manifest = writer.manifest
            if manifest.get("complete"):
                self.counts["alreadyComplete"] = 1
                return {"archive": str(self.options.out), "manifest": manifest}
            already = writer.counts()
            self.counts["resumedWith"] = already["entries"] + already["orderedEntries"]
            self.done = self.counts["resumedWith"]
            self.phase = "reading"
            for kind, store, cursor in writer.pending_stores():
                if kind is StoreKind.STANDARD:
                    await self._standard_store(writer, store, cursor)
                else:
                    await self._ordered_store(writer, store, cursor)
            self.phase = "finishing"
            writer.finish(manifest)
            return {"archive": str(self.options.out), "manifest": writer.manifest}
        finally:
            writer.close()

    async def _open(self) -> ArchiveWriter:
        options = self.options
        if options.resume and options.out.exists():
            writer = ArchiveWriter.resume(options.out)
            encryption = writer.manifest.get("encryption")
            if encryption:
                resumed_box, found = archive_box()
                if found != encryption.get("keyId"):
                    writer.close()
                    raise IntegrityError(
                        f"{options.out} is encrypted with key {encryption.get('keyId')}, not "
                        f"{found}; set $DSM_BACKUP_KEY to that key to resume."
                    )
                writer.seal_with(resumed_box)
            return writer
        box: AesGcmBox | None = None
        found_id = ""
        if options.encrypt:
            box, found_id = archive_box()
        manifest: dict[str, Any] = {
            "format": ARCHIVE_FORMAT,
            "formatVersion": FORMAT_VERSION,
            "toolVersion": _tool_version(),
            "complete": False,
            "startedAt": utc_now().isoformat().replace("+00:00", "Z"),
            "source": {
                "target": self.source,
                "universeId": getattr(self.backend, "universe_id", None),
            },
            "options": {
                "stores": options.stores,
                "allVersions": options.all_versions,
                "orderedScopes": list(options.ordered_scopes),
            },
            "encryption": {"algorithm": "AES-256-GCM", "keyId": found_id} if box else None,
        }
        self.phase = "planning"
        standard = await standard_stores(self.backend, options.stores)
        ordered = await ordered_stores(self.backend, options.stores)
        writer = ArchiveWriter.create(options.out, manifest, box=box)
        writer.plan_stores(
            [(StoreKind.STANDARD, s.name, _micros(s.created_time)) for s in standard]
            + [(StoreKind.ORDERED, s.name, _micros(s.created_time)) for s in ordered]
        )
        return writer

    async def _standard_store(self, writer: ArchiveWriter, store: str, cursor: str | None) -> None:
        while True:
            try:
                page = await self.backend.list_keys(
                    store,
                    all_scopes=True,
                    cursor=cursor,
                    limit=self.options.page_size or limits.LIST_KEYS_PAGE[1],
                    include_deleted=self.options.all_versions,
                )
            except InvalidCursor:
                if cursor is None:
                    raise
                # A saved cursor the service no longer accepts: list again from the start;
                # keys already archived are skipped without being read.
                cursor = None
                continue
            todo = [k for k in page.items if not writer.has_entry(store, k.scope, k.key)]
            self.counts["skippedAlreadyArchived"] += len(page.items) - len(todo)
            records = await asyncio.gather(*(self._read(store, info) for info in todo))
            kept = [record for record in records if record is not None]
            writer.commit_page(StoreKind.STANDARD, store, kept, cursor=page.next_cursor)
            self.done += len(kept)
            self.counts["processed"] += len(kept)
            self.counts["entries"] += len(kept)
            self.emit()
            self.checkpoint_reached()
            cursor = page.next_cursor
            if cursor is None:
                return

    async def _ordered_store(self, writer: ArchiveWriter, store: str, saved: str | None) -> None:
        # The checkpoint is [scope index, listing cursor]: scopes are listed one after another.
        scopes = self.options.ordered_scopes
        index, cursor = json.loads(saved) if saved else (0, None)
        while index < len(scopes):
            page = await self.backend.list_ordered(
                store, scope=scopes[index], cursor=cursor, limit=limits.LIST_ORDERED_PAGE[1]
            )
            cursor = page.next_cursor
            if cursor is None:
                index += 1
            position = json.dumps([index, cursor]) if index < len(scopes) else None
            writer.commit_page(StoreKind.ORDERED, store, ordered=page.items, cursor=position)
            self.done += len(page.items)
            self.counts["processed"] += len(page.items)
            self.counts["orderedEntries"] += len(page.items)
            self.emit()
            self.checkpoint_reached()

    async def _read(self, store: str, info: KeyInfo) -> EntryRecord | None:
        async with self._reads:
            try:
                if self.options.all_versions:
                    return await self._read_history(store, info)
                return await self._read_latest(store, info)
            except EntryNotFound:
                self.counts["vanished"] += 1  # deleted between the listing and the read
                return None

    async def _read_latest(self, store: str, info: KeyInfo) -> EntryRecord:
        version, entry = await self._read_version(store, info, None)
        return EntryRecord(
            store, info.scope, info.key, entry.created_time, entry.updated_time, (version,)
        )

    async def _read_history(self, store: str, info: KeyInfo) -> EntryRecord:
        versions: list[VersionInfo] = []
        cursor: str | None = None
        while True:
            page = await self.backend.list_versions(
                store, info.key, scope=info.scope, cursor=cursor
            )
            versions.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        if not versions:
            raise EntryNotFound(f"{store}/{info.scope}/{info.key} has no versions.")
        records = []
        for v in versions:
            if v.deleted:
                records.append(VersionRecord(v.version, v.created_time, True, None))
            else:
                records.append((await self._read_version(store, info, v.version))[0])
        return EntryRecord(
            store,
            info.scope,
            info.key,
            versions[0].object_created_time,
            versions[-1].created_time,
            tuple(records),
        )

    async def _read_version(
        self, store: str, info: KeyInfo, version: str | None
    ) -> tuple[VersionRecord, Entry]:
        where = f"{store}/{info.scope}/{info.key}"
        for attempt in range(MD5_RETRIES + 1):
            entry = await self.backend.get_entry(store, info.key, scope=info.scope, version=version)
            encoded = EncodedValue.from_value(entry.value)
            self.counts["versions"] += 1
            self.counts["bytes"] += encoded.size
            if not entry.content_md5 or entry.content_md5 == encoded.md5:
                record = VersionRecord(
                    entry.version,
                    entry.version_created_time,
                    False,
                    encoded.text,
                    encoded.md5,
                    dict(entry.attributes),
                    tuple(entry.user_ids),
                )
                return record, entry
            self.counts["md5Retries"] += 1
            if attempt == MD5_RETRIES:
                break
        raise IntegrityError(
            f"{where}: the value read does not match its content-md5 after {MD5_RETRIES + 1} "
            "reads; nothing of it was archived. Resume the backup to try again."
        )


def _micros(moment: Any) -> int | None:
    return None if moment is None else to_micros(moment)


def _tool_version() -> str:
    try:
        return metadata.version("datastore-manager")
    except metadata.PackageNotFoundError:
        return "0+unknown"
