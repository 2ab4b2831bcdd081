"""``dsm export``: every live entry of a target as JSON Lines or CSV (one row per entry).

JSONL rows are ``{"store", "scope", "key", "value", "version", "attributes", "userIds",
"contentMd5", "updatedTime"}``; CSV has the same columns with JSON-encoded value/metadata.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ...backends import DataStoreBackend
from ...model import DataStoreInfo, EntryNotFound, InvalidArgument, limits
from ...model.times import format_time
from .base import Job
from .keyspace import standard_stores

ExportFormat = Literal["jsonl", "csv"]
COLUMNS = ("store", "scope", "key", "version", "updatedTime", "contentMd5", "attributes",
           "userIds", "value")  # fmt: skip


@dataclass(frozen=True, slots=True)
class ExportOptions:
    out: Path
    format: ExportFormat = "jsonl"
    stores: str = "*"
    dry_run: bool = False  # count the keys (listing requests only); write no file


class ExportJob(Job):
    kind = "export"

    def __init__(self, backend: DataStoreBackend, options: ExportOptions) -> None:
        super().__init__(backend)
        self.backend = backend
        self.options = options

    async def _run(self) -> dict[str, Any]:
        options = self.options
        if options.format not in ("jsonl", "csv"):
            raise InvalidArgument("--format must be jsonl or csv.")
        if options.out.exists():
            raise InvalidArgument(f"{options.out} exists; exports never overwrite a file.")
        stores = await standard_stores(self.backend, options.stores)
        if options.dry_run:
            return await self._count(stores)
        self.phase = "exporting"
        temporary = options.out.with_name(options.out.name + ".partial")
        with open(temporary, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle) if options.format == "csv" else None
            if writer is not None:
                writer.writerow(COLUMNS)
            for store in stores:
                cursor: str | None = None
                while True:
                    page = await self.backend.list_keys(
                        store.name, all_scopes=True, cursor=cursor, limit=limits.LIST_KEYS_PAGE[1]
                    )
                    for info in page.items:
                        try:
                            entry = await self.backend.get_entry(
                                store.name, info.key, scope=info.scope
                            )
                        except EntryNotFound:
                            continue  # deleted since the listing
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
                        self.done += 1
                        self.counts["processed"] += 1
                        self.emit()
                    self.checkpoint_reached()
                    cursor = page.next_cursor
                    if cursor is None:
                        break
        temporary.replace(options.out)  # a complete file or none
        return {"out": str(options.out), "format": options.format}

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
