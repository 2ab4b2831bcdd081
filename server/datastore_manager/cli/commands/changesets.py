"""``dsm pull`` / ``dsm plan`` / ``dsm apply``: entries as files, reviewed like code.

``pull`` writes entries into a changeset folder, ``plan`` shows what applying it would do
(read-only; exit 3 on conflicts, 2 on invalid files), ``apply`` backs up what it replaces and
writes with per-key preconditions. See docs/changesets.md.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import click
from rich.console import Console

from ...backends import DataStoreBackend
from ...services import guard
from ...services.changesets import layout
from ...services.changesets.apply import ApplyJob, ApplyOptions
from ...services.changesets.plan import ChangesetPlan, Status, make_plan
from ...services.changesets.pull import PullJob, PullOptions
from ...services.jobs.base import Job, JobSummary
from ..context import CliState, common_options, run, state
from ..exit_codes import ExitCode
from ..output import emit, table
from ..safety import safety
from .backup import _target_label, render_summary, run_job

_DIR = click.Path(file_okay=False, path_type=Path)


def _connection(backend: DataStoreBackend, target: str) -> str:
    session = guard.session_of(backend)
    return session.policy.name if session is not None else target


def _changeset_target(cli: CliState, root: Path) -> str:
    """--target / $DSM_TARGET, else the target the folder was pulled from."""
    if not cli.target:
        cli.target = layout.load_sidecar(root).target
    return _target_label(cli.target)


@click.command("pull")
@click.argument("store")
@click.argument("keys", nargs=-1)
@click.option("--to", "root", required=True, type=_DIR, help="The changeset folder.")
@click.option("--scope", default=None, help="The scope (default global; --all: every scope).")
@click.option("--prefix", default=None, help="Pull the keys starting with this.")
@click.option("--all", "all_keys", is_flag=True, help="Pull every key of STORE.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@common_options
def pull(
    store: str,
    keys: tuple[str, ...],
    root: Path,
    scope: str | None,
    prefix: str | None,
    all_keys: bool,
    quiet: bool,
) -> None:
    """Write entries of STORE (KEYS, --prefix or --all) as JSON files into --to DIR.

    Files edited since they were pulled are never overwritten unless --force.
    """
    cli = state()
    options = PullOptions(root, store, keys, scope, prefix, all_keys, force=safety().force)
    label = (
        _changeset_target(cli, root)
        if layout.is_changeset(root)
        else _target_label(cli.target or "")
    )

    async def make() -> tuple[Job, Callable[[], Awaitable[JobSummary]]]:
        backend = cli.open_backend()
        job = PullJob(backend, label, _connection(backend, label), options)

        async def start() -> JobSummary:
            async with backend:
                return await job.run()

        return job, start

    summary = run_job(make, quiet=quiet or cli.json_output)
    emit(cli.json_output, summary.to_dict(), render_summary(f"Pulled {store} into {root}", summary))


@click.command("plan")
@click.argument("root", metavar="DIR", type=_DIR)
@click.option("--allow-deletes", is_flag=True, help="A removed file means: delete the entry.")
@click.option("--diff", "show_diff", is_flag=True, help="Show the diff of every change.")
@click.option(
    "--check-unchanged",
    is_flag=True,
    help="Also read the entries not edited locally, to list those changed remotely.",
)
@common_options
def plan(root: Path, allow_deletes: bool, show_diff: bool, check_unchanged: bool) -> None:
    """Compare changeset DIR with its target; changes nothing.

    Exit 3 when an entry changed remotely since the pull (conflict), 2 for invalid files.
    """
    cli = state()
    label = _changeset_target(cli, root)

    async def work() -> ChangesetPlan:
        async with cli.open_backend() as backend:
            return await make_plan(
                backend,
                root,
                label,
                _connection(backend, label),
                allow_deletes=allow_deletes,
                check_unchanged=check_unchanged,
            )

    result = run(work())
    emit(cli.json_output, result.to_dict(diff=show_diff), _render_plan(result, show_diff))
    if result.having(Status.INVALID):
        raise click.exceptions.Exit(int(ExitCode.BAD_INPUT))
    if result.having(Status.CONFLICT):
        raise click.exceptions.Exit(int(ExitCode.CONFLICT))


@click.command("apply")
@click.argument("root", metavar="DIR", type=_DIR)
@click.option("--allow-deletes", is_flag=True, help="A removed file means: delete the entry.")
@click.option(
    "--backup-to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Archive of the values replaced (default: the backups folder, timestamped).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@common_options
def apply(root: Path, allow_deletes: bool, backup_to: Path | None, quiet: bool) -> None:
    """Write changeset DIR to its target (needs --reason; --yes skips the prompt).

    Refuses when the plan has conflicts or invalid files. Backs up every value it replaces
    (`dsm restore ARCHIVE --on-conflict overwrite` undoes it), then writes each entry only if
    it is still at the version pulled.
    """
    cli = state()
    label = _changeset_target(cli, root)
    if not safety().yes:
        if not sys.stdin.isatty():
            raise click.UsageError("dsm apply writes to the target: confirm with --yes.")
        click.confirm(f"Apply {root} to {label}? (run `dsm plan {root}` to review)", abort=True)
    options = ApplyOptions(root, allow_deletes, backup_to)

    async def make() -> tuple[Job, Callable[[], Awaitable[JobSummary]]]:
        backend = cli.open_backend()
        job = ApplyJob(backend, label, _connection(backend, label), options)

        async def start() -> JobSummary:
            async with backend:
                return await job.run()

        return job, start

    summary = run_job(make, quiet=quiet or cli.json_output)

    def render(console: Console) -> None:
        render_summary(f"Applied {root} to {label}", summary)(console)
        backup = summary.details.get("backup")
        if backup:
            console.print(f"Backup of the replaced values: {backup}", markup=False)
        for item in summary.details.get("entries", []):
            if item.get("outcome") != "written":
                console.print(
                    f"[{item['outcome']}] {item['path']}: {item['message']}", markup=False
                )

    emit(cli.json_output, summary.to_dict(), render)
    if summary.counts.get("conflicts") or summary.counts.get("refusedLiveLocks"):
        raise click.exceptions.Exit(int(ExitCode.CONFLICT))


def _render_plan(result: ChangesetPlan, show_diff: bool) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        shown = [i for i in result.items if i.status is not Status.UNCHANGED or i.detail]
        rows = [
            (i.status.value, i.path, "; ".join(filter(None, [i.detail, *i.warnings])))
            for i in shown
        ]
        title = f"Plan of {result.root} against {result.target}"
        console.print(table(title, ["Status", "File", "Detail"], rows))
        counts = ", ".join(f"{n} {s}" for s, n in sorted(result.counts.items())) or "no files"
        console.print(counts, markup=False)
        if show_diff:
            for item in result.items:
                if item.status in (Status.MODIFIED, Status.NEW, Status.DELETE, Status.CONFLICT):
                    console.print(f"[{item.status.value}] {item.path}", markup=False)
                    console.print(item.diff(), markup=False, highlight=False)

    return render


COMMANDS: list[click.Command] = [pull, plan, apply]
