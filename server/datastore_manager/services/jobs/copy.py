"""``dsm copy --from T1 --to T2``: a cross-universe copy with the guarantees of backup + restore.

The copy IS a backup of the source into an archive (the "via" file) followed by a restore of
that archive into the destination, so it inherits everything they guarantee: md5-verified
reads, a checkpoint per page, conditional writes through ``services.entries`` (roles, guard,
audit), conflicts (destination entries changed after the copy started) skipped by default,
``--resume`` after any interruption without reading or writing anything twice. The via file
stays behind as the record of exactly what was copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...archive import ArchiveReader
from ...backends import DataStoreBackend
from .apply import OnConflict
from .backup import BackupJob, BackupOptions
from .base import Job, JobSummary
from .restore import RestoreJob, RestoreOptions


@dataclass(frozen=True, slots=True)
class CopyOptions:
    via: Path  # the archive the copy goes through (kept afterwards)
    stores: str = "*"
    dry_run: bool = False
    on_conflict: OnConflict = "skip"
    resume: bool = False
    diffs: int = 0


class CopyJob(Job):
    kind = "copy"

    def __init__(
        self,
        source: DataStoreBackend,
        destination: DataStoreBackend,
        labels: tuple[str, str],
        options: CopyOptions,
    ) -> None:
        super().__init__(destination)
        self.source, self.destination = source, destination
        self.labels = labels
        self.options = options
        self._current: Job | None = None

    async def _run(self) -> dict[str, Any]:
        options = self.options
        resume_backup = options.resume and options.via.exists()
        backup = BackupJob(
            self.source,
            self.labels[0],
            BackupOptions(out=options.via, stores=options.stores, resume=resume_backup),
        )
        read = await self._stage(backup)
        restore = RestoreJob(
            self.destination,
            self.labels[1],
            RestoreOptions(
                archive=options.via,
                dry_run=options.dry_run,
                on_conflict=options.on_conflict,
                resume=options.resume,
                diffs=options.diffs,
            ),
        )
        written = await self._stage(restore)
        self.counts.update({f"read.{k}": v for k, v in read.counts.items()})
        self.counts.update(written.counts)
        reader = ArchiveReader(options.via)
        try:
            manifest_counts = reader.manifest.get("counts", {})
        finally:
            reader.close()
        details = {
            "from": self.labels[0],
            "to": self.labels[1],
            "via": str(options.via),
            "dryRun": options.dry_run,
            "archived": manifest_counts,
        }
        for name in ("diffs", "refused"):
            if name in written.details:
                details[name] = written.details[name]
        return details

    async def _stage(self, job: Job) -> JobSummary:
        """Run one half, forwarding its progress and our cancellation to it."""
        for listener in self._listeners:
            job.subscribe(listener)
        self._current = job
        if self.cancelled:
            job.cancel()
        return await job.run()

    def cancel(self) -> None:
        super().cancel()
        if self._current is not None:
            self._current.cancel()
