"""``dsm keys list``: the keys of a standard data store."""

from __future__ import annotations

import click
from rich.console import Console

from ...model import KeyInfo, Page
from ...model.limits import DEFAULT_SCOPE
from ...model.validation import check_store_name
from ..context import common_options, run, state
from ..output import emit, table
from ..paging import collect, paging_options


@click.group("keys")
def keys() -> None:
    """Keys of a data store."""


@keys.command("list")
@click.argument("store")
@click.option("--scope", default=None, help=f"The scope to list (default: {DEFAULT_SCOPE}).")
@click.option("--all-scopes", is_flag=True, help="List every scope; keys show as scope/key.")
@click.option(
    "--prefix", default="", help="Only keys starting with this (scope/key with --all-scopes)."
)
@click.option(
    "--include-deleted", is_flag=True, help="Also list keys whose latest version is a deletion."
)
@paging_options
@common_options
def list_keys(
    store: str,
    scope: str | None,
    all_scopes: bool,
    prefix: str,
    include_deleted: bool,
    limit: int | None,
    cursor: str | None,
) -> None:
    """List the keys of STORE, by key."""
    cli = state()
    if scope is not None and all_scopes:
        raise click.UsageError("Use either --scope or --all-scopes, not both.")
    check_store_name(store)
    chosen_scope = scope or DEFAULT_SCOPE

    async def work() -> Page[KeyInfo]:
        async with cli.open_backend() as backend:
            return await collect(
                lambda c, n: backend.list_keys(
                    store,
                    scope=chosen_scope,
                    all_scopes=all_scopes,
                    prefix=prefix,
                    cursor=c,
                    limit=n,
                    include_deleted=include_deleted,
                ),
                limit,
                cursor,
            )

    page = run(work())

    def render(console: Console) -> None:
        rows = [(k.scope, k.key, "deleted" if k.deleted else "") for k in page.items]
        console.print(table(f"{store}: {len(rows)} keys", ["Scope", "Key", ""], rows))
        if page.next_cursor:
            console.print(f"More: --cursor {page.next_cursor}", markup=False)

    document = {
        "store": store,
        "scope": None if all_scopes else chosen_scope,
        "keys": [k.to_dict() for k in page.items],
        "nextCursor": page.next_cursor,
    }
    emit(cli.json_output, document, render)


COMMANDS: list[click.Command] = [keys]
