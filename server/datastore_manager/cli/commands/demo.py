"""``dsm demo PATH``: create a realistic demo universe in a new local store."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from ..context import common_options, run, state
from ..output import emit, table


@click.command("demo")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", type=int, default=None, help="Another random seed (default: fixed).")
@common_options
def demo(path: Path, seed: int | None) -> None:
    """Create a demo game's DataStores in a new SQLite file at PATH."""
    from ...demo import create_demo  # imported here: only this command needs it

    cli = state()
    summary = run(create_demo(path) if seed is None else create_demo(path, seed=seed))

    def render(console: Console) -> None:
        rows = [
            ("Stores", ", ".join(summary.stores)),
            ("Player saves", str(len(summary.player_keys))),
            ("Live session locks", ", ".join(summary.live_locked_keys[:3]) + ", …"),
            ("Schema violations", ", ".join(summary.invalid_keys)),
            ("Keys with history", ", ".join(summary.history_keys[:3]) + ", …"),
            ("Leaderboard entries", f"{summary.leaderboard_entries:,}"),
        ]
        console.print(table(f"Demo universe written to {path}", ["", ""], rows))
        console.print(f"Try: dsm --target local:{path} stores list", markup=False)

    emit(cli.json_output, summary.to_dict(), render)


COMMANDS: list[click.Command] = [demo]
