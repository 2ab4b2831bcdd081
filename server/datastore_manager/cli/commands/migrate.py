"""``dsm migrate STORE --script FILE.py``: transform every entry of a store, safely."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import click
from rich.console import Console

from ...model import JsonValue
from ...services.config import load_workspace_config, merge_settings
from ...services.jobs.base import Job, JobSummary
from ...services.jobs.migrate import MigrateJob, MigrateOptions, Validator, load_migration
from ...services.roles import find_config
from ...services.schemas import SchemaRegistry
from ..context import common_options, state
from ..output import emit
from ..safety import safety
from .backup import _target_label, render_summary, run_job


def _validator() -> Validator:
    """Validation against the schema the workspace config maps to each entry."""
    found = find_config()
    root = found.parent if found is not None else Path.cwd()
    settings = merge_settings(root, load_workspace_config(root), {})
    registry = SchemaRegistry()
    registry.set_associations(settings.schemas)

    def validate(store: str, scope: str, key: str, value: JsonValue) -> list[str]:
        connection = safety().connection or "local"
        schema = registry.for_document([f"{connection}/{store}/{scope}/{key}"], value, root)
        if schema is None:
            return []
        if schema.error is not None:
            return [schema.error]
        return [
            f"{'/'.join(str(p) for p in problem.path) or '(root)'}: {problem.message}"
            for problem in schema.validate(value, limit=5)
        ]

    return validate


@click.command("migrate")
@click.argument("store")
@click.option(
    "--script",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Python file defining migrate(value, entry) -> value | None.",
)
@click.option("--dry-run", is_flag=True, help="Only count and show sample diffs.")
@click.option("--sample", type=click.IntRange(0), default=5, show_default=True)
@click.option("--resume", is_flag=True, help="Continue an interrupted migration.")
@click.option("--state", "state_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress bar.")
@common_options
def migrate(
    store: str,
    script: Path,
    dry_run: bool,
    sample: int,
    resume: bool,
    state_file: Path | None,
    quiet: bool,
) -> None:
    """Run migrate(value, entry) over every entry of STORE (conditional, audited writes)."""
    cli = state()
    label = _target_label(cli.target or "")
    options = MigrateOptions(store, script, dry_run, sample, resume, state_file)
    function = load_migration(script)

    async def make() -> tuple[Job, Callable[[], Awaitable[JobSummary]]]:
        backend = cli.open_backend()
        job = MigrateJob(backend, label, options, function, _validator())

        async def start() -> JobSummary:
            async with backend:
                return await job.run()

        return job, start

    summary = run_job(make, quiet=quiet or cli.json_output)
    title = f"{'Dry run: ' if dry_run else ''}migration of {store} on {label}"
    table_of = render_summary(title, summary)

    def render(console: Console) -> None:
        table_of(console)
        for item in summary.details.get("samples", []):
            console.print(item["diff"], markup=False, highlight=False)
        for item in summary.details.get("invalid", []):
            console.print(f"[invalid] {item['entry']}: {item['problems']}", markup=False)

    emit(cli.json_output, summary.to_dict(), render)


COMMANDS: list[click.Command] = [migrate]
