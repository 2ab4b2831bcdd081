"""``dsm doctor``: is the target reachable, what may its API key do, how much budget is left."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import click
from rich.console import Console

from ...backends import DataStoreBackend
from ...model import DataStoreError, NotSupported, PermissionDenied, Unauthenticated
from ..context import common_options, run, state
from ..output import emit, table

PROBE_STORE = "__dsm_doctor__"  # never written: reads of it answer "not found" when allowed


@dataclass
class Check:
    name: str
    status: str  # ok | denied | failed | skipped
    detail: str
    millis: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.name, "status": self.status, "detail": self.detail, "ms": self.millis}


async def _probe(name: str, call: Callable[[], Awaitable[object]]) -> Check:
    """Run one read-only call; "not found" still proves the permission."""
    started = time.perf_counter()
    try:
        await call()
        status, detail = "ok", "allowed"
    except PermissionDenied as exc:
        scopes = exc.details.get("scopes") or []
        status = "denied"
        detail = f"key lacks {' or '.join(scopes)}" if scopes else exc.message
    except Unauthenticated as exc:
        status, detail = "denied", exc.message
    except NotSupported as exc:
        status, detail = "skipped", exc.message
    except DataStoreError as exc:
        if exc.code == "NOT_FOUND":
            status, detail = "ok", "allowed (nothing there)"
        else:
            status, detail = "failed", exc.message
    return Check(name, status, detail, round((time.perf_counter() - started) * 1000, 1))


async def diagnose(backend: DataStoreBackend) -> tuple[list[Check], dict[str, Any] | None]:
    checks = [
        await _probe("reach: list data stores", lambda: backend.list_data_stores(limit=1)),
        await _probe("list entries", lambda: backend.list_keys(PROBE_STORE, limit=1)),
        await _probe("read entry", lambda: backend.get_entry(PROBE_STORE, "k")),
        await _probe("list versions", lambda: backend.list_versions(PROBE_STORE, "k", limit=1)),
        await _probe("read ordered entry", lambda: backend.get_ordered(PROBE_STORE, "k")),
    ]
    checks.append(
        Check(
            "write / delete / snapshot",
            "skipped",
            "not probed: the only proof would be a write; a missing scope is named on first use",
        )
    )
    client = getattr(backend, "client", None)
    budget = client.budget.status().to_dict() if client is not None else None
    return checks, budget


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
