"""The ``emulator`` click command (registered by the CLI; also ``python -m ...emulator``)."""

from __future__ import annotations

from pathlib import Path

import click

from ..model import DataStoreError
from .app import EmulatorSettings
from .auth import key_ring
from .faults import parse_faults
from .rate_limits import load_rate_limits


@click.command("emulator")
@click.option(
    "--data",
    "data",
    required=True,
    type=click.Path(path_type=Path),
    help="Local data file (SQLite) of one universe, created when missing; or an existing "
    "folder, to serve every universe id from its own file in it.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=0, show_default=True, help="Port; 0 picks a free one.")
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    metavar="KEY=SCOPES",
    help="Accept KEY with comma-separated Roblox scopes (or *). Repeatable. "
    "Without any, every non-empty x-api-key is accepted with all scopes.",
)
@click.option(
    "--rate-limits",
    default="roblox",
    show_default=True,
    metavar="roblox|off|FILE",
    help="Roblox's per-universe limits, none, or a JSON file overriding them.",
)
@click.option(
    "--faults",
    default="",
    metavar="SPEC",
    help="Injected faults, e.g. 5xx=0.1,429=0.05,reset=0.05,5xx_after=0.05,latency=20ms.",
)
@click.option("--seed", default=0, show_default=True, help="Seed of the fault sequence.")
@click.option(
    "--universe-id",
    type=int,
    default=None,
    help="Universe id the URLs must name in single-file mode (default: the file's own; a new "
    "file records it).",
)
@click.option("--access-log", is_flag=True, help="Log each request line (never the API key).")
def emulator_command(
    data: Path,
    host: str,
    port: int,
    api_keys: tuple[str, ...],
    rate_limits: str,
    faults: str,
    seed: int,
    universe_id: int | None,
    access_log: bool,
) -> None:
    """Serve Roblox's Open Cloud data-store APIs locally over a data file.

    Prints the base URL (e.g. http://127.0.0.1:PORT) on one line once listening; stops on
    SIGTERM or Ctrl-C.
    """
    from .server import serve

    try:
        settings = EmulatorSettings(
            keys=key_ring(api_keys),
            rate_limits=load_rate_limits(rate_limits),
            faults=parse_faults(faults),
            seed=seed,
            universe_id=universe_id,
        )
    except DataStoreError as exc:
        raise click.UsageError(exc.message) from None
    raise SystemExit(serve(data, settings, host=host, port=port, access_log=access_log))
