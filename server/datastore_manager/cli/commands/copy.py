"""``dsm copy --from T1 --to T2``: copy stores between universes (backup → restore, resumable)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

import click

from ...services.connections import open_target
from ...services.jobs.apply import ON_CONFLICT_CHOICES, OnConflict
from ...services.jobs.base import Job, JobSummary
from ...services.jobs.copy import CopyJob, CopyOptions
from ..context import common_options, state
from ..output import emit
from ..safety import open_guarded
from .backup import _target_label, render_summary, run_job


@click.command("copy")
@click.option("--from", "source", required=True, metavar="TARGET", help="Copy from this target.")
@click.option("--to", "destination", required=True, metavar="TARGET", help="Copy into this one.")
@click.option("--stores", default="*", show_default=True, help="Only stores matching this glob.")
@click.option(
    "--via",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Archive the copy goes through, kept as its record (default: derived from the targets).",
)
@click.option("--dry-run", is_flag=True, help="Read the source; only report what would change.")
@click.option("--diff", "diffs", type=click.IntRange(0), default=0, help="Dry run: show N diffs.")
@click.option(
    "--on-conflict",
    type=click.Choice(ON_CONFLICT_CHOICES),
    default="skip",
    show_default=True,
    help="Destination entries changed after the copy started: skip, overwrite or fail.",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted copy.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@common_options
def copy(
    source: str,
    destination: str,
    stores: str,
    via: Path | None,
    dry_run: bool,
    diffs: int,
    on_conflict: str,
    resume: bool,
    quiet: bool,
) -> None:
    """Copy every entry of --from into --to with conditional writes (history is kept)."""
    cli = state()
    labels = (_target_label(source), _target_label(destination))
    if via is None:
        digest = hashlib.sha256("\0".join((*labels, stores)).encode()).hexdigest()[:12]
        via = Path(f"copy-{digest}.dsm")
    if via.exists() and not resume:
        raise click.UsageError(f"{via} exists: continue that copy with --resume, or pass --via.")
    options = CopyOptions(
        via=via,
        stores=stores,
        dry_run=dry_run,
        on_conflict=cast(OnConflict, on_conflict),
        resume=resume,
        diffs=diffs,
    )

    async def make() -> tuple[Job, Callable[[], Awaitable[JobSummary]]]:
        reader = open_guarded(labels[0], lambda: open_target(labels[0]))
        writer = open_guarded(labels[1], lambda: open_target(labels[1], create=not dry_run))
        job = CopyJob(reader, writer, labels, options)

        async def start() -> JobSummary:
            async with reader, writer:
                return await job.run()

        return job, start

    summary = run_job(make, quiet=quiet or cli.json_output)
    title = f"{'Dry run: ' if dry_run else ''}copy of {labels[0]} into {labels[1]}"
    emit(cli.json_output, summary.to_dict(), render_summary(title, summary))


COMMANDS: list[click.Command] = [copy]
