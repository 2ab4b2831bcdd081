"""``dsm restore FILE``: put a backup back, previewing first with ``--dry-run``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

import click

from ...services.jobs.apply import ON_CONFLICT_CHOICES, OnConflict
from ...services.jobs.base import Job, JobSummary
from ...services.jobs.restore import RestoreJob, RestoreOptions
from ..context import common_options, state
from ..output import emit
from .backup import _target_label, render_summary, run_job


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--stores", default="*", show_default=True, help="Only stores matching this glob.")
@click.option("--dry-run", is_flag=True, help="Only report new/changed/unchanged/conflicting.")
@click.option("--diff", "diffs", type=click.IntRange(0), default=0, help="Dry run: show N diffs.")
@click.option(
    "--on-conflict",
    type=click.Choice(ON_CONFLICT_CHOICES),
    default="skip",
    show_default=True,
    help="Entries changed in the target after the backup: skip, overwrite or fail.",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted restore.")
@click.option("--state", "state_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress bar.")
@common_options
def restore(
    archive: Path,
    stores: str,
    dry_run: bool,
    diffs: int,
    on_conflict: str,
    resume: bool,
    state_file: Path | None,
    quiet: bool,
) -> None:
    """Restore ARCHIVE into --target with conditional writes (history is never deleted)."""
    cli = state()
    options = RestoreOptions(
        archive=archive,
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
        job = RestoreJob(backend, label, options)

        async def start() -> JobSummary:
            async with backend:
                return await job.run()

        return job, start

    summary = run_job(make, quiet=quiet or cli.json_output)
    title = f"{'Dry run: ' if dry_run else ''}restore of {archive} into {label}"
    emit(cli.json_output, summary.to_dict(), render_summary(title, summary))


COMMANDS: list[click.Command] = [restore]
