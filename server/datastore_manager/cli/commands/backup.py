"""``dsm backup``: stream every entry of a target into an archive (and ``backup verify``,
``backup prune``).

Also home of :func:`run_job`, which every job command uses: a rich progress bar on stderr
(entries/s, ETA, request-budget use) and Ctrl-C → cancel at the next checkpoint (resumable).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ...archive import ArchiveReader
from ...model.limits import DEFAULT_SCOPE
from ...services.backups.prune import Ignored, apply_plan, make_plan
from ...services.backups.retention import Policy
from ...services.jobs.backup import BackupJob, BackupOptions
from ...services.jobs.base import Job, JobSummary
from ...services.jobs.base import Progress as JobProgress
from ..context import common_options, run, state
from ..output import emit, table


def run_job(
    make: Callable[[], Awaitable[tuple[Job, Callable[[], Awaitable[JobSummary]]]]],
    *,
    quiet: bool,
) -> JobSummary:
    """Build a job (inside the event loop), show its progress, and run it to the end."""

    async def work() -> JobSummary:
        job, start = await make()
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not main thread / Windows
            loop.add_signal_handler(signal.SIGINT, job.cancel)
        if quiet:
            return await start()
        console = Console(stderr=True)
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} entries/s"),
            TextColumn("{task.fields[budget]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task(job.kind, total=None, rate="0", budget="")

            def show(event: JobProgress) -> None:
                budget = "" if event.budget_used is None else f"budget {event.budget_used:.0%}"
                bar.update(
                    task,
                    description=f"{event.job}: {event.phase}",
                    completed=event.done,
                    total=event.total,
                    rate=f"{event.rate:,.0f}",
                    budget=budget,
                )

            job.subscribe(show)
            return await start()

    return run(work())


def render_summary(title: str, summary: JobSummary) -> Callable[[Console], None]:
    """A job's counts as a table, then the per-entry diffs a dry run asked for (``--diff N``)."""

    def render(console: Console) -> None:
        rows = [(name, f"{count:,}") for name, count in sorted(summary.counts.items())]
        rows.append(("seconds", f"{summary.elapsed:.2f}"))
        rows.append(("entries/s", f"{summary.rate:,.0f}"))
        console.print(table(title, ["", ""], rows))
        for item in summary.details.get("diffs", []):
            console.print(f"[{item.get('outcome', 'changed')}] {item['entry']}", markup=False)
            console.print(item["diff"], markup=False, highlight=False)

    return render


@click.group("backup", invoke_without_command=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="The archive file.")
@click.option("--stores", default="*", show_default=True, help="Only stores matching this glob.")
@click.option("--all-versions", is_flag=True, help="Also archive every version (and deletions).")
@click.option("--encrypt", is_flag=True, help="Encrypt values and metadata (AES-256-GCM).")
@click.option("--resume", is_flag=True, help="Continue an interrupted backup into --out.")
@click.option(
    "--ordered-scope",
    "ordered_scopes",
    multiple=True,
    help=f"Scopes of ordered stores to include (repeatable; default {DEFAULT_SCOPE}).",
)
@click.option("--workers", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@common_options
@click.pass_context
def backup(
    ctx: click.Context,
    out: Path | None,
    stores: str,
    all_versions: bool,
    encrypt: bool,
    resume: bool,
    ordered_scopes: tuple[str, ...],
    workers: int,
    quiet: bool,
) -> None:
    """Back up every entry of --target into the archive --out (resumable, md5-verified)."""
    if ctx.invoked_subcommand is not None:
        return
    if out is None:
        raise click.UsageError("Give the archive file with --out FILE.")
    cli = state()
    options = BackupOptions(
        out=out,
        stores=stores,
        all_versions=all_versions,
        encrypt=encrypt,
        resume=resume,
        workers=workers,
        ordered_scopes=ordered_scopes or (DEFAULT_SCOPE,),
    )
    target = cli.target or ""

    async def make() -> tuple[Job, Callable[[], Awaitable[JobSummary]]]:
        backend = cli.open_backend()
        job = BackupJob(backend, _target_label(target), options)

        async def start() -> JobSummary:
            async with backend:
                return await job.run()

        return job, start

    summary = run_job(make, quiet=quiet or cli.json_output)
    emit(cli.json_output, summary.to_dict(), render_summary(f"Backup written to {out}", summary))


@backup.command("verify")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@common_options
def verify(archive: Path) -> None:
    """Decrypt and md5-check every version in ARCHIVE."""
    cli = state()
    reader = ArchiveReader(archive)
    try:
        checked = reader.verify()
        manifest = reader.manifest
    finally:
        reader.close()
    document = {"archive": str(archive), "versionsChecked": checked, "manifest": manifest}

    def render(console: Console) -> None:
        console.print(f"{archive}: {checked:,} versions match their md5.", markup=False)

    emit(cli.json_output, document, render)


@backup.command("prune")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--keep-daily", type=click.IntRange(0), default=0, help="Newest of each of N days.")
@click.option("--keep-weekly", type=click.IntRange(0), default=0, help="Newest of M ISO weeks.")
@click.option("--keep-last", type=click.IntRange(0), default=0, help="The K newest.")
@click.option("--dry-run", is_flag=True, help="Only list what would be kept and deleted.")
@common_options
def prune(folder: Path, keep_daily: int, keep_weekly: int, keep_last: int, dry_run: bool) -> None:
    """Delete the archives in FOLDER that the retention policy does not keep.

    Per source (target, stores, depth): the newest backup of each of the last N days and M
    ISO weeks (UTC) that have one, plus the K newest. Incomplete backups, files that are not
    archives and the only backup of a source are never deleted."""
    cli = state()
    planned = make_plan(folder, Policy(keep_daily, keep_weekly, keep_last))
    document = planned.to_dict() | {"dryRun": dry_run}
    skipped: list[Ignored] = []
    if dry_run:
        document["bytesToFree"] = sum(planned.sizes[d.backup.path] for d in planned.deletions)
    else:
        deleted, freed, skipped = apply_plan(planned)
        document |= {"deleted": [str(p) for p in deleted], "bytesFreed": freed}
        document["skipped"] = [item.to_dict() for item in skipped]

    def render(console: Console) -> None:
        rows = [
            (b["path"], b["source"], b["createdTime"], b["action"], ", ".join(b["reasons"]) or "-")
            for b in document["backups"]
        ]
        title = f"{folder}: {document['keep']} kept, {document['delete']} to delete"
        console.print(table(title, ["File", "Source", "Created", "Action", "Why"], rows))
        for item in document["ignored"]:
            console.print(f"ignored {item['path']}: {item['why']}", markup=False)
        for item in document.get("skipped", []):
            console.print(f"kept {item['path']}: {item['why']}", markup=False)
        if dry_run:
            console.print(
                f"Dry run: nothing deleted; would free {document['bytesToFree']:,} bytes."
            )
        else:
            deleted_count, freed_bytes = len(document["deleted"]), document["bytesFreed"]
            console.print(f"Deleted {deleted_count} archive(s), freed {freed_bytes:,} bytes.")

    emit(cli.json_output, document, render)
    if any(item.failed for item in skipped):
        click.get_current_context().exit(1)  # a planned deletion failed: let cron notice


def _target_label(target: str) -> str:
    """What the manifest records as the source: the target string (never a credential)."""
    from ...services.connections import resolve_target

    return str(resolve_target(target or None))


COMMANDS: list[click.Command] = [backup]
