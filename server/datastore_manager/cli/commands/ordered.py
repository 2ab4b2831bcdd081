"""``dsm ordered list|get|set|increment|delete``: ordered data stores (integers, no history)."""

from __future__ import annotations

import click
from rich.console import Console

from ...model import OrderedEntry, Page
from ...services import entries as service
from ..arguments import scope_option
from ..context import common_options, run, state
from ..output import Render, emit, table
from ..paging import collect, paging_options


@click.group("ordered")
def ordered() -> None:
    """Ordered data stores: integer values sorted for leaderboards."""


def _render(entry: OrderedEntry) -> Render:
    def render(console: Console) -> None:
        console.print(f"{entry.store}/{entry.scope}/{entry.key} = {entry.value}", markup=False)

    return render


@ordered.command("list")
@click.argument("store")
@scope_option
@click.option("--descending", is_flag=True, help="Highest values first.")
@click.option("--min", "min_value", type=int, default=None, help="Only values ≥ MIN.")
@click.option("--max", "max_value", type=int, default=None, help="Only values ≤ MAX.")
@paging_options
@common_options
def list_ordered(
    store: str,
    scope: str,
    descending: bool,
    min_value: int | None,
    max_value: int | None,
    limit: int | None,
    cursor: str | None,
) -> None:
    """List entries sorted by value (ties by key)."""
    cli = state()
    if min_value is not None and max_value is not None and min_value > max_value:
        raise click.UsageError(f"--min {min_value} is greater than --max {max_value}.")

    async def work() -> Page[OrderedEntry]:
        async with cli.open_backend() as backend:
            return await collect(
                lambda c, n: backend.list_ordered(
                    store,
                    scope=scope,
                    descending=descending,
                    min_value=min_value,
                    max_value=max_value,
                    cursor=c,
                    limit=n,
                ),
                limit,
                cursor,
            )

    page = run(work())

    def render(console: Console) -> None:
        rows = [(str(i), e.key, str(e.value)) for i, e in enumerate(page.items, start=1)]
        console.print(table(f"{store}/{scope}", ["#", "Key", "Value"], rows))
        if page.next_cursor:
            console.print(f"More: --cursor {page.next_cursor}", markup=False)

    document = {
        "store": store,
        "scope": scope,
        "entries": [e.to_dict() for e in page.items],
        "nextCursor": page.next_cursor,
    }
    emit(cli.json_output, document, render)


@ordered.command("get")
@click.argument("store")
@click.argument("key")
@scope_option
@common_options
def get_ordered(store: str, key: str, scope: str) -> None:
    """Print one ordered entry."""
    cli = state()

    async def work() -> OrderedEntry:
        async with cli.open_backend() as backend:
            return await backend.get_ordered(store, key, scope=scope)

    entry = run(work())
    emit(cli.json_output, entry.to_dict(), _render(entry))


@ordered.command("set")
@click.argument("store")
@click.argument("key")
@click.option("--value", type=int, required=True, metavar="N", help="The integer value.")
@scope_option
@click.option("--exclusive-create", is_flag=True, help="Only create (exit 3 if it exists).")
@click.option("--must-exist", is_flag=True, help="Only update (exit 4 if it is missing).")
@common_options
def set_ordered(
    store: str, key: str, value: int, scope: str, exclusive_create: bool, must_exist: bool
) -> None:
    """Create or replace an ordered entry."""
    cli = state()
    if exclusive_create and must_exist:
        raise click.UsageError("Use either --exclusive-create or --must-exist, not both.")
    precondition: service.OrderedPrecondition = "none"
    if exclusive_create or must_exist:
        precondition = "must_not_exist" if exclusive_create else "must_exist"

    async def work() -> OrderedEntry:
        async with cli.open_backend(create=True) as backend:
            return await service.set_ordered(
                backend, store, key, value, scope=scope, precondition=precondition
            )

    entry = run(work())
    emit(cli.json_output, entry.to_dict(), _render(entry))


@ordered.command("increment")
@click.argument("store")
@click.argument("key")
@click.option("--by", type=int, required=True, metavar="N", help="The integer to add.")
@scope_option
@common_options
def increment_ordered(store: str, key: str, by: int, scope: str) -> None:
    """Atomically add N to an ordered entry (created when missing)."""
    cli = state()

    async def work() -> OrderedEntry:
        async with cli.open_backend(create=True) as backend:
            return await service.increment_ordered(backend, store, key, by, scope=scope)

    entry = run(work())
    emit(cli.json_output, entry.to_dict(), _render(entry))


@ordered.command("delete")
@click.argument("store")
@click.argument("key")
@scope_option
@common_options
def delete_ordered(store: str, key: str, scope: str) -> None:
    """Delete an ordered entry for good (ordered stores keep no history)."""
    cli = state()

    async def work() -> None:
        async with cli.open_backend() as backend:
            await service.delete_ordered(backend, store, key, scope=scope)

    run(work())
    document = {"store": store, "scope": scope, "key": key, "deleted": True}

    def render(console: Console) -> None:
        console.print(f"Deleted {store}/{scope}/{key}", markup=False)

    emit(cli.json_output, document, render)


COMMANDS: list[click.Command] = [ordered]
