"""The ``dataStore.export`` command: a store (or a glob of stores) as JSON Lines or CSV,
through services/jobs/export.py, with work-done progress and cancellation."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model import InvalidArgument
from ..services.jobs.base import JobCancelled, Progress
from ..services.jobs.export import ExportJob, ExportOptions
from . import commands
from .requests import _str

if TYPE_CHECKING:
    from .server import DsmServer

COMMANDS = ("dataStore.export",)
EXPORT_DIR = "exports"  # under the workspace root when no ``out`` is given


def default_out(root: Path | None, connection: str, store: str, fmt: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", store).strip("_") or "store"
    base = (root or Path.cwd()) / EXPORT_DIR
    return base / f"{connection}-{safe}-{stamp}.{fmt}"


async def export(server: DsmServer, args: dict[str, Any], token: Any) -> Any:
    connection, store = _str(args, "connection"), _str(args, "store")
    fmt = args.get("format", "jsonl")
    if fmt not in ("jsonl", "csv"):
        raise InvalidArgument('Argument \'format\' must be "jsonl" or "csv".')
    out_arg = args.get("out")
    if out_arg is not None and (not isinstance(out_arg, str) or not out_arg):
        raise InvalidArgument("Argument 'out' must be a file path.")
    root = server.state.root
    if out_arg:
        out = Path(out_arg)
        out = out if out.is_absolute() else (root or Path.cwd()) / out
    else:
        out = default_out(root, connection, store, fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    backend = server.state.backend(connection)
    pattern = re.sub(r"([*?\[])", r"[\1]", store)  # the store's name, not a glob
    job = ExportJob(backend, ExportOptions(out=out, format=fmt, stores=pattern))
    progress = server.start_progress(token, f"Exporting {store}")

    def listener(event: Progress) -> None:
        if progress.cancelled:
            job.cancel()
        progress.report(f"{event.done} entries")

    job.subscribe(listener)
    try:
        summary = await job.run()
    except JobCancelled:
        progress.end("Export cancelled; no file was written")
        job.partial.unlink(missing_ok=True)
        job.state_file.unlink(missing_ok=True)  # nothing to resume from the editor
        return {"out": None, "format": fmt, "entries": job.done, "cancelled": True}
    except BaseException:
        progress.end("Export failed")
        raise
    progress.end(f"{job.done} entries exported to {out.name}")
    return {
        "out": str(summary.details["out"]),
        "format": fmt,
        "entries": job.done,
        "cancelled": False,
    }


commands.register("dataStore.export", export)
