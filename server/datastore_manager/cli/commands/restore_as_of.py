"""``dsm restore-as-of TIME``: undo a bad update from Roblox's version history."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import click

from ...model import parse_time
from ...services.jobs.base import Job, JobSummary
from ...services.jobs.restore_as_of import RestoreAsOfJob, RestoreAsOfOptions, default_state_file
from ..context import common_options, state
from ..output import emit
from .backup import _target_label, render_summary, run_job


@click.command("restore-as-of")
@click.argument("when", metavar="TIME")
@click.option("--stores", default="*", show_default=True, help="Only stores matching this glob.")
@click.option("--dry-run", is_flag=True, help="Only show what would change (writes nothing).")
@click.option("--diff", "diffs", type=click.IntRange(0), default=0, help="Show N diffs.")
@click.option(
    "--backup",
    "backup_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Archive of the stores taken before writing (default: beside the state file).",
)
@click.option(
    "--delete-created",
    is_flag=True,
    help="Also delete keys created after TIME (a tombstone; default: keep them).",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted restore-as-of.")
@click.option("--state", "state_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress bar.")
@common_options
def restore_as_of(
    when: str,
    stores: str,
    dry_run: bool,
    diffs: int,
    backup_out: Path | None,
    delete_created: bool,
    resume: bool,
    state_file: Path | None,
    quiet: bool,
) -> None:
    """Write back, for every key changed after TIME (RFC 3339), its version as of TIME.

    Writes are conditional on the version the plan saw; a backup is taken first.
    """
    cli = state()
    as_of = parse_time(when)
    label = _target_label(cli.target or "")
    options = RestoreAsOfOptions(
        as_of=as_of,
        stores=stores,
        dry_run=dry_run,
        resume=resume,
        state_file=state_file or default_state_file(label, as_of, stores),
        backup_out=backup_out,
        diffs=diffs,
        delete_created=delete_created,
    )

    async def make() -> tuple[Job, Callable[[], Awaitable[JobSummary]]]:
        backend = cli.open_backend()
        job = RestoreAsOfJob(backend, label, options)

        async def start() -> JobSummary:
            async with backend:
                return await job.run()

        return job, start

    summary = run_job(make, quiet=quiet or cli.json_output)
    title = f"{'Dry run: ' if dry_run else ''}restore of {label} as of {when}"
    emit(cli.json_output, summary.to_dict(), render_summary(title, summary))


COMMANDS: list[click.Command] = [restore_as_of]
