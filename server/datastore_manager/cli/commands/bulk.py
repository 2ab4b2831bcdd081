"""``dsm bulk set|delete --from FILE.jsonl``: many writes from a file (resumable, dry-run)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import click

from ...services.jobs.base import Job, JobSummary
from ...services.jobs.bulk import BulkAction, BulkJob, BulkOptions
from ..context import common_options, state
from ..output import emit
from .backup import _target_label, render_summary, run_job


def _run_bulk(
    action: BulkAction, source: Path, dry_run: bool, resume: bool, state_file: Path | None,
    quiet: bool,
) -> None:  # fmt: skip
    cli = state()
    label = _target_label(cli.target or "")
    options = BulkOptions(action, source, dry_run, resume, state_file)

    async def make() -> tuple[Job, Callable[[], Awaitable[JobSummary]]]:
        backend = cli.open_backend(create=action == "set" and not dry_run)
        job = BulkJob(backend, label, options)

        async def start() -> JobSummary:
            async with backend:
                return await job.run()

        return job, start

    summary = run_job(make, quiet=quiet or cli.json_output)
    title = f"{'Dry run: ' if dry_run else ''}bulk {action} from {source} on {label}"
    emit(cli.json_output, summary.to_dict(), render_summary(title, summary))


def _options(command: Callable[..., None]) -> Callable[..., None]:
    command = click.option("--quiet", is_flag=True, help="No progress bar.")(command)
    command = click.option(
        "--state", "state_file", type=click.Path(dir_okay=False, path_type=Path)
    )(command)
    command = click.option("--resume", is_flag=True, help="Continue an interrupted run.")(command)
    command = click.option("--dry-run", is_flag=True, help="Only count what would change.")(command)
    return click.option(
        "--from",
        "source",
        required=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="JSON Lines file, one entry per line.",
    )(command)


@click.group("bulk")
def bulk() -> None:
    """Write or delete many entries from a JSON Lines file."""


@bulk.command("set")
@_options
@common_options
def bulk_set(
    source: Path, dry_run: bool, resume: bool, state_file: Path | None, quiet: bool
) -> None:
    """Set every {"store","key","scope"?,"value","attributes"?,"userIds"?} line (as exported)."""
    _run_bulk("set", source, dry_run, resume, state_file, quiet)


@bulk.command("delete")
@_options
@common_options
def bulk_delete(
    source: Path, dry_run: bool, resume: bool, state_file: Path | None, quiet: bool
) -> None:
    """Delete every {"store","key","scope"?} line (a tombstone; history is kept)."""
    _run_bulk("delete", source, dry_run, resume, state_file, quiet)


COMMANDS: list[click.Command] = [bulk]
