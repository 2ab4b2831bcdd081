"""``dsm apply``: write a changeset's planned changes, each conditional on the version pulled.

1. Plan (read-only). Any conflict or invalid file: refuse, nothing written.
2. Back up the live value of every entry about to be overwritten or deleted into an archive
   (the ``dsm backup`` format, so ``dsm restore`` puts them back).
3. Under one audited job (``guard.job_scope``: role, protected-connection reason, ``job.start``
   with the reason), write each entry through ``services/entries.py`` with
   ``match_version`` = the version pulled (exclusive create for new files, a conditional
   delete for removed ones). A write that loses a race is reported as a conflict for that entry
   — never retried over the newer value — and the others go on (per key, not all-or-nothing).
4. The sidecar records the versions written, so the next plan shows them unchanged and a second
   apply writes nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from ...archive import ArchiveWriter
from ...archive.format import ARCHIVE_FORMAT, FORMAT_VERSION, EntryRecord, VersionRecord
from ...backends import DataStoreBackend
from ...model import (
    EncodedValue,
    InvalidArgument,
    PreconditionFailed,
    StoreKind,
    VersionInfo,
    format_time,
    utc_now,
)
from .. import entries, guard
from ..config import DEFAULT_BACKUPS_FOLDER, backups_folder
from ..guard import SessionLocked
from ..jobs.base import Job
from ..roles import find_config, load_workspace_config
from . import layout
from .layout import Pulled
from .plan import ChangesetPlan, PlanItem, Status, WorkspaceSchemas, make_plan

#: Writes in flight at once (the Open Cloud budget still paces them).
WORKERS = 8
JOB_KIND = "changeset-apply"


@dataclass(frozen=True, slots=True)
class ApplyOptions:
    root: Path
    allow_deletes: bool = False
    backup_to: Path | None = None  # default: the configured backups folder


class ApplyJob(Job):
    kind = "apply"

    def __init__(
        self, backend: DataStoreBackend, target: str, connection: str, options: ApplyOptions
    ) -> None:
        super().__init__(backend)
        self.backend = backend
        self.target = target
        self.connection = connection
        self.options = options
        self.results: list[dict[str, Any]] = []
        self._slots = asyncio.Semaphore(WORKERS)

    async def _run(self) -> dict[str, Any]:
        options = self.options
        reason = guard.current_intent().reason
        if reason is None or len(reason.strip()) < guard.MIN_REASON_LENGTH:
            raise InvalidArgument(
                "dsm apply records why the data changed: give --reason TEXT (at least "
                f"{guard.MIN_REASON_LENGTH} characters). Nothing was applied."
            )
        if options.backup_to is not None and options.backup_to.exists():
            raise InvalidArgument(
                f"--backup-to {options.backup_to} exists and backups are never overwritten; "
                "choose a new file. Nothing was applied."
            )
        self.phase = "planning"
        plan = await make_plan(
            self.backend,
            options.root,
            self.target,
            self.connection,
            allow_deletes=options.allow_deletes,
            schemas=WorkspaceSchemas.load(),
        )
        plan.raise_if_blocked()
        todo = plan.writes
        adopted = self._adopt(plan)  # already live: only the sidecar moves
        details: dict[str, Any] = {"dir": str(options.root), "target": self.target}
        details |= {"reason": reason.strip(), "backup": None, "entries": self.results}
        self.counts.update(plan.counts)
        if not todo:
            if adopted:
                layout.save_sidecar(options.root, plan.sidecar)
            self.counts["written"] = 0
            return details
        with guard.job_scope(self.backend, JOB_KIND) as job_id:  # role + reason checked once
            details["job"] = job_id
            backup = self._backup(plan, todo, reason.strip())
            details["backup"] = None if backup is None else str(backup)
            self.total = len(todo)
            self.phase = "applying"
            self.emit(force=True)
            try:
                await asyncio.gather(*(self._one(plan, item) for item in todo))
            finally:
                guard.checkpoint(self.backend)  # audit records durable before the sidecar
                layout.save_sidecar(options.root, plan.sidecar)
        return details

    def _adopt(self, plan: ChangesetPlan) -> int:
        """Files already holding the live value but recorded at an older version (a change
        made identically remotely, or an apply interrupted before its sidecar was saved)."""
        adopted = 0
        for item in plan.having(Status.UNCHANGED):
            if (
                item.current is not None
                and item.md5 is not None
                and (item.pulled is None or item.pulled.version != item.current.version)
            ):
                self._record(plan, item, item.current.version, item.md5)
                adopted += 1
            elif item.current is None and item.md5 is None:  # deleted on both sides
                plan.sidecar.entries.pop(item.path, None)
                adopted += 1
        return adopted

    # ---- backup ------------------------------------------------------------------------

    def _backup(self, plan: ChangesetPlan, todo: list[PlanItem], reason: str) -> Path | None:
        """An archive of the live entries the writes replace (new files replace nothing: when
        every write is a creation there is no archive)."""
        replaced = [item.current for item in todo if item.current is not None]
        if not replaced:
            return None
        path = self.options.backup_to or _default_backup_path(plan.root)
        manifest: dict[str, Any] = {
            "format": ARCHIVE_FORMAT,
            "formatVersion": FORMAT_VERSION,
            "toolVersion": _tool_version(),
            "complete": False,
            "startedAt": format_time(utc_now()),
            "source": {
                "target": self.target,
                "universeId": getattr(self.backend, "universe_id", None),
            },
            "options": {"stores": "*", "allVersions": False, "orderedScopes": []},
            "encryption": None,
            "changeset": {"dir": str(plan.root), "reason": reason},
        }
        writer = ArchiveWriter.create(path, manifest)
        try:
            stores = sorted({entry.store for entry in replaced})
            writer.plan_stores([(StoreKind.STANDARD, store, None) for store in stores])
            for store in stores:
                records = []
                for entry in (e for e in replaced if e.store == store):
                    encoded = EncodedValue.from_value(entry.value)
                    version = VersionRecord(
                        entry.version,
                        entry.version_created_time,
                        False,
                        encoded.text,
                        encoded.md5,
                        dict(entry.attributes),
                        tuple(entry.user_ids),
                    )
                    records.append(
                        EntryRecord(
                            entry.store,
                            entry.scope,
                            entry.key,
                            entry.created_time,
                            entry.updated_time,
                            (version,),
                        )
                    )
                writer.commit_page(StoreKind.STANDARD, store, records, cursor=None)
            writer.finish(manifest)
        finally:
            writer.close()
        self.counts["backedUp"] = len(replaced)
        return path

    # ---- writes ------------------------------------------------------------------------

    async def _one(self, plan: ChangesetPlan, item: PlanItem) -> None:
        async with self._slots:
            result: dict[str, Any] = {"path": item.path, "entry": item.label}
            result["status"] = item.status.value
            result["versionBefore"] = item.current.version if item.current else None
            try:
                written = await self._write(item)
            except PreconditionFailed as lost:  # someone wrote since the plan: never overwrite
                self.counts["conflicts"] += 1
                result["outcome"] = "conflict"
                result["message"] = (
                    f"changed remotely while applying (now {lost.current_version}"
                    "); nothing written for it. Pull it again and re-apply your edit."
                )
            except SessionLocked as locked:  # a game server owns this profile: leave it
                self.counts["refusedLiveLocks"] += 1
                result["outcome"] = "refused"
                result["message"] = locked.message
            else:
                self.counts["written"] += 1
                result["outcome"] = "written"
                result["versionAfter"] = written.version
                if item.status is Status.DELETE:
                    plan.sidecar.entries.pop(item.path, None)
                else:
                    assert item.md5 is not None
                    self._record(plan, item, written.version, item.md5)
            self.results.append(result)
            self.done += 1
            self.emit()

    async def _write(self, item: PlanItem) -> VersionInfo:
        assert item.store is not None and item.scope is not None and item.key is not None
        if item.status is Status.DELETE:
            assert item.pulled is not None
            return await entries.delete_entry(
                self.backend,
                item.store,
                item.key,
                scope=item.scope,
                precondition=entries.Precondition.match(item.pulled.version),
            )
        if item.status is Status.NEW:
            return await entries.write_entry(
                self.backend,
                item.store,
                item.key,
                item.value,
                scope=item.scope,
                precondition=entries.MUST_NOT_EXIST,
                attributes={},
                user_ids=(),
            )
        assert item.pulled is not None and item.current is not None
        return await entries.write_entry(
            self.backend,
            item.store,
            item.key,
            item.value,
            scope=item.scope,
            precondition=entries.Precondition.match(item.pulled.version),
            current=item.current,  # read by the plan at exactly that version
        )

    def _record(self, plan: ChangesetPlan, item: PlanItem, version: str, md5: str) -> None:
        assert item.store is not None and item.scope is not None and item.key is not None
        text = (plan.root / item.path).read_bytes().decode("utf-8", "surrogateescape")
        meta = item.current or item.pulled
        plan.sidecar.entries[item.path] = Pulled(
            item.store,
            item.scope,
            item.key,
            version,
            md5,
            layout.file_md5(text),
            dict(meta.attributes) if meta is not None else {},
            tuple(meta.user_ids) if meta is not None else (),
            format_time(utc_now()),
        )


def backup_folder(root: Path) -> Path:
    """``backups.folder`` of the workspace config, else ``.dsm/backups`` beside the config,
    else ``DIR/.dsm/backups`` (ignored by git through ``DIR/.dsm/.gitignore``)."""
    config = load_workspace_config(find_config())
    return backups_folder(config.path, config.data) or root / DEFAULT_BACKUPS_FOLDER


def _default_backup_path(root: Path) -> Path:
    stamp = utc_now().strftime("%Y%m%dT%H%M%S.%fZ")
    return backup_folder(root) / f"apply-{stamp}.dsm"


def _tool_version() -> str:
    try:
        return metadata.version("datastore-manager")
    except metadata.PackageNotFoundError:
        return "0+unknown"
