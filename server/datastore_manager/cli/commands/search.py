"""``dsm search QUERY [--store S] [--where 'path op value']…``: search a local index.

The index is built masked (services/search/sensitive.py) under the workspace config's
``security.sensitive`` paths and its schema mappings for the target's connection; an index
built before masking or under other rules is rebuilt (from the target it records when no
--target is given).
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import click
from rich.console import Console

from ...model import InvalidArgument
from ...services.connections import TARGET_ENV_VAR
from ...services.masking import config_rules
from ...services.roles import find_config
from ...services.schemas import SchemaAssociation, SchemaRegistry
from ...services.search import SearchIndex, SearchQuery, parse_condition
from ...services.search.index import build_index, built_masked
from ...services.search.saved import load_saved, save_search
from ...services.search.sensitive import IndexMasker
from ..context import common_options, run, state
from ..output import emit, table
from ..safety import policy_for
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
    if not (cli.target or os.environ.get(TARGET_ENV_VAR)):
        cli.target = _recorded_source(path)  # rebuilt, if need be, from where it was built
    label = _target_label(cli.target or "")
    masker = _masker(label)
    built = None
    if rebuild or not built_masked(path, masker):

        async def build() -> int:
            async with cli.open_backend() as backend:
                return await build_index(backend, path, label, masker)

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


def _recorded_source(path: Path) -> str | None:
    """The target an existing index was built from."""
    try:
        index = SearchIndex(path)
    except InvalidArgument:
        return None
    try:
        return index.meta().get("source")
    finally:
        index.close()


def _masker(target: str) -> IndexMasker:
    """The masking rules hovers and ``dsm get`` apply to this target's connection."""
    policy, config = policy_for(target)
    registry = None
    base = config.path.parent if config.path is not None else None
    if config.data.get("schemas"):
        registry = SchemaRegistry()
        registry.set_associations(
            SchemaAssociation.from_json(item, base) for item in config.data["schemas"]
        )
    return IndexMasker(policy.name, tuple(config_rules(config)), registry, base)


COMMANDS: list[click.Command] = [search]
