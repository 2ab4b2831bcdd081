"""``dsm doctor``: is the target reachable, what may its API key do, how much budget is left."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console

from ...services.probe import PROBE_STORE, Check, diagnose
from ..context import common_options, run, state
from ..output import emit, table


@click.command("doctor")
@common_options
def doctor() -> None:
    """Check a target: reachability, API key permissions per operation, request budget."""
    cli = state()

    async def work() -> tuple[list[Check], dict[str, Any] | None]:
        async with cli.open_backend() as backend:
            return await diagnose(backend)

    checks, budget = run(work())
    document = {"checks": [c.to_dict() for c in checks], "budget": budget}

    def render(console: Console) -> None:
        rows = [(c.name, c.status, c.millis, c.detail) for c in checks]
        console.print(table("Checks", ["Check", "Status", "ms", "Detail"], rows))
        if budget is not None:
            categories = budget["categories"]
            budget_rows = [
                (name, c["used"], c["limit"], c["bulkLimit"], c["queued"])
                for name, c in categories.items()
            ]
            console.print(
                table(
                    f"Budget (bulk share {budget['bulkShare']:.0%})",
                    ["Category", "Used/min", "Limit/min", "Bulk limit", "Queued"],
                    budget_rows,
                )
            )

    emit(cli.json_output, document, render)
    if any(c.status in ("denied", "failed") for c in checks):
        raise SystemExit(5 if any(c.status == "denied" for c in checks) else 6)


COMMANDS = [doctor]
__all__ = ["COMMANDS", "PROBE_STORE", "Check", "diagnose"]  # the probe lives in services
