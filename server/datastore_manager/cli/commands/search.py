"""``dsm search QUERY [--store S] [--where 'path op value']…``: search a local index."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import click
from rich.console import Console

from ...services.roles import find_config
from ...services.search import SearchIndex, SearchQuery, parse_condition
from ...services.search.index import build_index
from ...services.search.saved import load_saved, save_search
from ..context import common_options, run, state
from ..output import emit, table
from .backup import _target_label

INDEX_DIR = Path(".dsm-search")


@click.command("search")
@click.argument("words", metavar="QUERY", required=False, default="")
@click.option("--store", help="Only this store (a glob).")
@click.option(
    "--where",
    "conditions",
    multiple=True,
    metavar="'PATH OP VALUE'",
    help="Filter on a JSON path, e.g. 'Data.Coins < 0' (repeatable; all must hold).",
)
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option(
    "--index",
    "index_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Index file (default: .dsm-search/<target>.sqlite).",
)
@click.option("--rebuild", is_flag=True, help="(Re)build the index from --target first.")
@click.option("--saved", help="Run the saved search NAME from .datastore-manager.json.")
@click.option("--save", "save_as", help="Save this search as NAME in .datastore-manager.json.")
@common_options
def search(
    words: str,
    store: str | None,
    conditions: tuple[str, ...],
    limit: int,
    index_path: Path | None,
    rebuild: bool,
    saved: str | None,
    save_as: str | None,
) -> None:
    """Search entries by words and JSON-path conditions over a local index.

    The index is built (with --rebuild, or when missing) from --target: a local store, a
    snapshot:BACKUP, or any target.
    """
    cli = state()
    config = find_config()
    if saved:
        query = load_saved(config, saved)
        query = SearchQuery(query.words, query.store, query.where, limit)
    else:
        where = tuple(parse_condition(text) for text in conditions)
        query = SearchQuery(words, store, where, limit)
    path = index_path
    if path is None:
        label = _target_label(cli.target or "")
        path = INDEX_DIR / f"{hashlib.sha256(label.encode()).hexdigest()[:16]}.sqlite"
    built = None
    if rebuild or not path.exists():
        label = _target_label(cli.target or "")

        async def build() -> int:
            async with cli.open_backend() as backend:
                return await build_index(backend, path, label)

        started = time.perf_counter()
        built = {"entries": run(build()), "seconds": round(time.perf_counter() - started, 3)}
    index = SearchIndex(path)
    try:
        started = time.perf_counter()
        matches, more = index.search(query)
        elapsed_ms = (time.perf_counter() - started) * 1000
        indexed = index.count()
    finally:
        index.close()
    if save_as:
        target_config = config or Path.cwd() / ".datastore-manager.json"
        save_search(target_config, save_as, query)
    document = {
        "query": query.to_json(),
        "index": str(path),
        "indexed": indexed,
        "built": built,
        "matches": [m.to_dict() for m in matches],
        "more": more,
        "milliseconds": round(elapsed_ms, 1),
    }

    def render(console: Console) -> None:
        rows = [(m.store, m.scope, m.key, m.preview) for m in matches]
        title = f"{len(matches)}{'+' if more else ''} of {indexed:,} entries ({elapsed_ms:.0f} ms)"
        console.print(table(title, ["store", "scope", "key", "value"], rows))

    emit(cli.json_output, document, render)


COMMANDS: list[click.Command] = [search]
