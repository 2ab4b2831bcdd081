"""``dsm export``: every live entry of --target as JSON Lines or CSV."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

import click

from ...model.targets import TargetKind
from ...services.connections import resolve_target
from ...services.jobs.base import Job, JobSummary
from ...services.jobs.export import ExportFormat, ExportJob, ExportOptions
from ..context import common_options, state
from ..output import emit
from .backup import render_summary, run_job


@click.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl")
@click.option("--stores", default="*", show_default=True, help="Only stores matching this glob.")
@click.option("--dry-run", is_flag=True, help="Only count the keys per store; write no file.")
@click.option("--resume", is_flag=True, help="Continue an interrupted export into --out.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@common_options
def export(out: Path, fmt: str, stores: str, dry_run: bool, resume: bool, quiet: bool) -> None:
    """Write every live entry of --target to --out (one row per entry; resumable)."""
    cli = state()
    options = ExportOptions(
        out=out,
        format=cast(ExportFormat, fmt),
        stores=stores,
        dry_run=dry_run,
        resume=resume,
        source=_source_label(cli.target),
    )

    async def make() -> tuple[Job, Callable[[], Awaitable[JobSummary]]]:
        backend = cli.open_backend()
        job = ExportJob(backend, options)

        async def start() -> JobSummary:
            async with backend:
                return await job.run()

        return job, start

    summary = run_job(make, quiet=quiet or cli.json_output)
    if summary.details.get("alreadyComplete"):
        message = str(summary.details["message"])
        emit(cli.json_output, summary.to_dict(), lambda c: c.print(message, markup=False))
        return
    emit(cli.json_output, summary.to_dict(), render_summary(f"Exported to {out}", summary))


def _source_label(given: str | None) -> str:
    """The target as the export's checkpoint records it (file paths made absolute, so a resume
    from another folder or spelling of the path is recognised)."""
    target = resolve_target(given)
    if target.kind is TargetKind.OPENCLOUD:
        return str(target)
    return f"{target.kind.value}:{target.path.resolve()}"


COMMANDS: list[click.Command] = [export]
