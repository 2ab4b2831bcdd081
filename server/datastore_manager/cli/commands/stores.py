"""``dsm stores list``: the universe's data stores (standard and, where listable, ordered)."""

from __future__ import annotations

import click
from rich.console import Console

from ...model import DataStoreInfo, NotSupported, Page
from ..context import common_options, run, state
from ..output import emit, table
from ..paging import collect, paging_options


@click.group("stores")
def stores() -> None:
    """Data stores of the target universe."""


@stores.command("list")
@click.option("--prefix", default="", help="Only stores whose name starts with this.")
@paging_options
@common_options
def list_stores(prefix: str, limit: int | None, cursor: str | None) -> None:
    """List data stores by name (ordered stores too, when the target can list them)."""
    cli = state()

    async def work() -> Page[DataStoreInfo]:
        async with cli.open_backend() as backend:
            page = await collect(
                lambda c, n: backend.list_data_stores(prefix=prefix, cursor=c, limit=n),
                limit,
                cursor,
            )
            if limit is not None or cursor is not None:
                return page  # a paged listing covers standard stores only
            try:
                ordered = await collect(
                    lambda c, n: backend.list_ordered_data_stores(prefix=prefix, cursor=c, limit=n),
                    None,
                    None,
                )
            except NotSupported:
                return page
            return Page([*page.items, *ordered.items], None)

    page = run(work())

    def render(console: Console) -> None:
        rows = [(s.name, s.kind.value, s.state.value, s.created_time) for s in page.items]
        console.print(table(None, ["Name", "Kind", "State", "Created"], rows))
        if page.next_cursor:
            console.print(f"More: --cursor {page.next_cursor}", markup=False)

    emit(
        cli.json_output,
        {"dataStores": [s.to_dict() for s in page.items], "nextCursor": page.next_cursor},
        render,
    )


COMMANDS: list[click.Command] = [stores]
