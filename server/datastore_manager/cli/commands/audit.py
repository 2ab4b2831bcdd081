"""``dsm audit log`` and ``dsm audit verify``: read and check the tamper-evident audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from ...model import parse_time
from ...services.audit import AuditFilter, AuditTrail, audit_directory, iter_records, verify_log
from ...services.roles import find_config
from ..context import common_options, state
from ..output import emit, table

_LOG_OPTION = click.option(
    "--file",
    "log_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Read this log file instead of the workspace's.",
)


def _trail() -> AuditTrail:
    return AuditTrail(audit_directory(find_config()))


@click.group("audit")
def audit() -> None:
    """The audit log: who changed what, when and why."""


@audit.command("log")
@click.option("--key", default=None, help="Only records of this key.")
@click.option("--store", default=None, help="Only records of this data store.")
@click.option("--connection", default=None, help="Only this connection (reads its own log).")
@click.option("--since", default=None, metavar="TIME", help="Only records at or after TIME.")
@_LOG_OPTION
@common_options
def log_command(
    key: str | None,
    store: str | None,
    connection: str | None,
    since: str | None,
    log_file: Path | None,
) -> None:
    """Show audit records, oldest first."""
    cli = state()
    where = AuditFilter(key, store, connection, parse_time(since) if since else None)
    trail = _trail()
    log = log_file or (trail.connection_log(connection) if connection else trail.workspace_log)
    records = list(iter_records(log, where))

    def render(console: Console) -> None:
        rows = [_row(r) for r in records]
        columns = ["Time", "Who", "Connection", "Entry", "Operation", "Before → after", "Reason"]
        console.print(table(f"{log}: {len(rows)} records", columns, rows))

    emit(cli.json_output, {"log": str(log), "records": records}, render)


def _row(record: dict[str, Any]) -> tuple[Any, ...]:
    who = record.get("osUser", "")
    if record.get("identity"):
        who = f"{who} ({record['identity']})"
    # Job and key-rotation records name no entry (and maybe no store).
    entry = "/".join(str(record[part]) for part in ("store", "scope", "key") if record.get(part))
    operation = str(record.get("operation", ""))
    if record.get("outcome") == "unknown":
        operation += " OUTCOME UNKNOWN"
    elif record.get("outcome") == "failed":
        operation += f" FAILED ({record.get('error', 'error')})"
    elif record.get("outcome") != "ok":
        operation += f" REFUSED ({record.get('refusal', 'refused')})"
    elif record.get("forced"):
        operation += " FORCED"
    after = record.get("versionAfter", record.get("valueAfter"))
    change = f"{record.get('versionBefore') or '-'} → {after if after is not None else '-'}"
    return (
        record.get("time"),
        who,
        record.get("connection"),
        entry,
        operation,
        change,
        record.get("reason"),
    )


@audit.command("verify")
@_LOG_OPTION
@common_options
def verify_command(log_file: Path | None) -> None:
    """Check the hash chain of every audit log; exit 1 at the first broken link."""
    cli = state()
    logs = [log_file] if log_file else _trail().logs()
    reports = [verify_log(log) for log in logs]
    ok = all(report.ok for report in reports)

    def render(console: Console) -> None:
        if not reports:
            console.print("No audit logs yet.")
        for report in reports:
            if report.broken is None:
                note = (
                    f" ({report.uncommitted} after the head: a batch interrupted by a crash; "
                    "the next append commits them)"
                    if report.uncommitted
                    else ""
                )
                console.print(f"OK      {report.log}: {report.records} records{note}", markup=False)
            else:
                console.print(
                    f"BROKEN  {report.log}: line {report.broken.line}: {report.broken.problem}",
                    markup=False,
                )

    emit(cli.json_output, {"ok": ok, "logs": [r.to_dict() for r in reports]}, render)
    if not ok:
        click.get_current_context().exit(1)


COMMANDS: list[click.Command] = [audit]
