"""``dsm opencloudtools import|export``: OpenCloudTools' SQLite bulk-download files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import cast

import click
from rich.console import Console

from ...model import TargetKind, parse_time
from ...services.connections import resolve_target
from ...services.interop.opencloudtools_jobs import (
    ExportOptions,
    ImportFileOptions,
    OpenCloudToolsExportJob,
    OpenCloudToolsImportJob,
    open_file,
)
from ...services.jobs.apply import ON_CONFLICT_CHOICES, OnConflict
from ...services.jobs.base import Job, JobSummary
from ...services.jobs.restore import RestoreOptions
from ..context import common_options, state
from ..output import emit
from .backup import _target_label, render_summary, run_job


@click.group("opencloudtools")
def opencloudtools() -> None:
    """Import or write OpenCloudTools' bulk-download files (SQLite)."""


@opencloudtools.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--stores", default="*", show_default=True, help="Only stores matching this glob.")
@click.option("--dry-run", is_flag=True, help="Only report new/changed/unchanged/conflicting.")
@click.option("--diff", "diffs", type=click.IntRange(0), default=0, help="Dry run: show N diffs.")
@click.option(
    "--on-conflict",
    type=click.Choice(ON_CONFLICT_CHOICES),
    default="skip",
    show_default=True,
    help="Target entries that differ and may be newer than the download: skip, overwrite, fail.",
)
@click.option(
    "--universe", "universe_id", type=int, help="The universe to import (files may hold several)."
)
@click.option(
    "--captured-at",
    metavar="TIME",
    help="When the download ran (RFC 3339): target entries written before it count as changed "
    "(overwritten), not conflicting. Default: unknown, so every difference is a conflict.",
)
@click.option("--allow-incomplete", is_flag=True, help="Import an unfinished download's entries.")
@click.option("--resume", is_flag=True, help="Continue an interrupted import.")
@click.option("--state", "state_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress bar.")
@common_options
def import_file(
    file: Path,
    stores: str,
    dry_run: bool,
    diffs: int,
    on_conflict: str,
    universe_id: int | None,
    captured_at: str | None,
    allow_incomplete: bool,
    resume: bool,
    state_file: Path | None,
    quiet: bool,
) -> None:
    """Import FILE (an OpenCloudTools bulk download) into --target with conditional writes."""
    cli = state()
    captured: datetime | None = parse_time(captured_at) if captured_at else None
    file_options = ImportFileOptions(universe_id, captured, allow_incomplete)
    open_file(file, file_options).close()  # a bad file fails here, before the target is opened
    options = RestoreOptions(
        archive=file,
        stores=stores,
        dry_run=dry_run,
        on_conflict=cast(OnConflict, on_conflict),
        resume=resume,
        state_file=state_file,
        diffs=diffs,
    )
    label = _target_label(cli.target or "")

    async def make() -> tuple[Job, Callable[[], Awaitable[JobSummary]]]:
        backend = cli.open_backend(create=not dry_run)
        job = OpenCloudToolsImportJob(backend, label, options, file_options)

        async def start() -> JobSummary:
            async with backend:
                return await job.run()

        return job, start

    summary = run_job(make, quiet=quiet or cli.json_output)
    title = f"{'Dry run: ' if dry_run else ''}import of {file} into {label}"
    table = render_summary(title, summary)

    def render(console: Console) -> None:
        table(console)
        for row in summary.details.get("skipped", []):
            console.print(f"skipped row {row['row']} {row['entry']}: {row['reason']}", markup=False)
        for entry in summary.details.get("conflicts", []):
            console.print(f"conflict left alone: {entry}", markup=False)
        if summary.counts.get("skippedConflicts") and captured is None:
            console.print(
                "The file does not say when it was downloaded, so every difference is a "
                "conflict; pass --captured-at TIME or --on-conflict overwrite.",
                markup=False,
            )
        if deleted := summary.details.get("deletedInFile"):
            console.print(
                f"{deleted:,} key(s) the download found deleted were left as they are "
                "(an import never deletes).",
                markup=False,
            )

    emit(cli.json_output, summary.to_dict(), render)


@opencloudtools.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--stores", default="*", show_default=True, help="Only stores matching this glob.")
@click.option("--scope", default="", help="Only this scope (default: every scope).")
@click.option(
    "--prefix",
    default="",
    help="Only keys starting with this (with no --scope it matches 'scope/key', as on Roblox).",
)
@click.option(
    "--universe-id",
    type=click.IntRange(0),
    help="The universe the file records (default: the opencloud: target's, else 0).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@common_options
def export_file(
    out: Path, stores: str, scope: str, prefix: str, universe_id: int | None, quiet: bool
) -> None:
    """Write --target's entries to --out as an OpenCloudTools bulk download."""
    cli = state()
    target = resolve_target(cli.target)
    if universe_id is None:
        universe_id = target.universe_id if target.kind is TargetKind.OPENCLOUD else 0
    options = ExportOptions(out, universe_id, stores=stores, scope=scope, prefix=prefix)

    async def make() -> tuple[Job, Callable[[], Awaitable[JobSummary]]]:
        backend = cli.open_backend()
        job = OpenCloudToolsExportJob(backend, options)

        async def start() -> JobSummary:
            async with backend:
                return await job.run()

        return job, start

    summary = run_job(make, quiet=quiet or cli.json_output)
    title = f"OpenCloudTools file written to {out} (universe {universe_id})"
    emit(cli.json_output, summary.to_dict(), render_summary(title, summary))


COMMANDS: list[click.Command] = [opencloudtools]
