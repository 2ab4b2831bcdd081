"""Standard entries: ``get``, ``set``, ``delete``, ``versions``, ``rollback``, ``increment``.

Every write goes through :mod:`datastore_manager.services.entries`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from ...model import Entry, Page, VersionInfo
from ...services import entries as service
from ..arguments import (
    parse_as_of,
    parse_attributes,
    parse_user_ids,
    read_value,
    scope_option,
)
from ..context import common_options, run, state
from ..output import Render, emit, print_value, table
from ..paging import collect, paging_options
from ..safety import display_value


def _entry_document(entry: Entry) -> dict[str, Any]:
    return entry.to_dict()


def _version_document(store: str, scope: str, key: str, info: VersionInfo) -> dict[str, Any]:
    return {"store": store, "scope": scope, "key": key} | info.to_dict()


def _render_entry(entry: Entry) -> Render:
    def render(console: Console) -> None:
        print_value(console, display_value(entry))  # sensitive parts masked unless --reveal
        rows = [
            ("Entry", f"{entry.store}/{entry.scope}/{entry.key}"),
            ("Version", entry.version),
            ("Created", entry.created_time),
            ("Updated", entry.updated_time),
            ("Version created", entry.version_created_time),
            ("Attributes", entry.attributes),
            ("User ids", list(entry.user_ids)),
            ("Size", f"{entry.size:,} characters"),
        ]
        console.print(table(None, ["Field", "Value"], rows))

    return render


def _render_written(verb: str, document: dict[str, Any]) -> Render:
    def render(console: Console) -> None:
        where = f"{document['store']}/{document['scope']}/{document['key']}"
        console.print(f"{verb} {where}: version {document['version']}", markup=False)

    return render


@click.command("get")
@click.argument("store")
@click.argument("key")
@scope_option
@click.option("--version", "version", default=None, help="Read this version instead of the latest.")
@click.option("--as-of", default=None, metavar="TIME", help="Read the version current at TIME.")
@common_options
def get(store: str, key: str, scope: str, version: str | None, as_of: str | None) -> None:
    """Print an entry's value and metadata."""
    cli = state()
    moment = parse_as_of(as_of)

    async def work() -> Entry:
        async with cli.open_backend() as backend:
            return await service.read_entry(
                backend, store, key, scope=scope, version=version, as_of=moment
            )

    entry = run(work())
    emit(cli.json_output, _entry_document(entry), _render_entry(entry))


@click.command("set")
@click.argument("store")
@click.argument("key")
@click.option("--value", "value_text", default=None, metavar="JSON", help="The new value.")
@click.option(
    "--file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path, allow_dash=True),
    default=None,
    help="Read the new value from a JSON file (- for stdin).",
)
@scope_option
@click.option(
    "--match-version",
    default=None,
    metavar="V",
    help="Write only if the latest version is V (exit 3 otherwise; nothing is written).",
)
@click.option("--exclusive-create", is_flag=True, help="Write only if the entry does not exist.")
@click.option(
    "--attributes",
    "attributes_text",
    default=None,
    metavar="JSON",
    help="Replace the attributes (default: keep the current ones).",
)
@click.option(
    "--user-ids",
    "user_ids_text",
    default=None,
    metavar="1,2",
    help="Replace the user ids (default: keep the current ones; '' clears them).",
)
@common_options
def set_(
    store: str,
    key: str,
    value_text: str | None,
    file: Path | None,
    scope: str,
    match_version: str | None,
    exclusive_create: bool,
    attributes_text: str | None,
    user_ids_text: str | None,
) -> None:
    """Write a new version of an entry."""
    cli = state()
    if match_version is not None and exclusive_create:
        raise click.UsageError("Use either --match-version or --exclusive-create, not both.")
    value = read_value(value_text, file)
    attributes = service.KEEP if attributes_text is None else parse_attributes(attributes_text)
    user_ids = service.KEEP if user_ids_text is None else parse_user_ids(user_ids_text)
    if match_version is not None:
        precondition = service.Precondition.match(match_version)
    else:
        precondition = service.MUST_NOT_EXIST if exclusive_create else service.UNCONDITIONAL

    async def work() -> VersionInfo:
        async with cli.open_backend(create=True) as backend:
            return await service.write_entry(
                backend,
                store,
                key,
                value,
                scope=scope,
                precondition=precondition,
                attributes=attributes,
                user_ids=user_ids,
            )

    document = _version_document(store, scope, key, run(work()))
    emit(cli.json_output, document, _render_written("Wrote", document))


@click.command("delete")
@click.argument("store")
@click.argument("key")
@scope_option
@click.option("--match-version", default=None, metavar="V", help="Delete only if at version V.")
@common_options
def delete(store: str, key: str, scope: str, match_version: str | None) -> None:
    """Delete an entry (a tombstone version; history stays readable)."""
    cli = state()
    precondition = (
        service.UNCONDITIONAL
        if match_version is None
        else service.Precondition.match(match_version)
    )

    async def work() -> VersionInfo:
        async with cli.open_backend() as backend:
            return await service.delete_entry(
                backend, store, key, scope=scope, precondition=precondition
            )

    document = _version_document(store, scope, key, run(work()))
    emit(cli.json_output, document, _render_written("Deleted", document))


@click.command("versions")
@click.argument("store")
@click.argument("key")
@scope_option
@click.option("--descending", is_flag=True, help="Newest first.")
@paging_options
@common_options
def versions(
    store: str, key: str, scope: str, descending: bool, limit: int | None, cursor: str | None
) -> None:
    """List an entry's versions (deletions included), oldest first."""
    cli = state()

    async def work() -> Page[VersionInfo]:
        async with cli.open_backend() as backend:
            return await collect(
                lambda c, n: service.list_versions(
                    backend, store, key, scope=scope, descending=descending, cursor=c, limit=n
                ),
                limit,
                cursor,
            )

    page = run(work())

    def render(console: Console) -> None:
        rows = [
            (v.version, v.created_time, "deleted" if v.deleted else f"{v.content_length:,}")
            for v in page.items
        ]
        console.print(table(f"{store}/{scope}/{key}", ["Version", "Created", "Size"], rows))
        if page.next_cursor:
            console.print(f"More: --cursor {page.next_cursor}", markup=False)

    document = {
        "store": store,
        "scope": scope,
        "key": key,
        "versions": [v.to_dict() for v in page.items],
        "nextCursor": page.next_cursor,
    }
    emit(cli.json_output, document, render)


@click.command("rollback")
@click.argument("store")
@click.argument("key")
@click.option("--to", "to_version", required=True, metavar="V", help="The version to restore.")
@scope_option
@click.option(
    "--match-version",
    default=None,
    metavar="V",
    help="Roll back only if the latest version is still V.",
)
@common_options
def rollback(store: str, key: str, to_version: str, scope: str, match_version: str | None) -> None:
    """Restore an old version by writing it as a NEW version (history is kept)."""
    cli = state()

    async def work() -> VersionInfo:
        async with cli.open_backend() as backend:
            return await service.rollback_entry(
                backend, store, key, to_version, scope=scope, expected_latest=match_version
            )

    document = _version_document(store, scope, key, run(work())) | {"restoredFrom": to_version}
    emit(cli.json_output, document, _render_written(f"Restored {to_version} into", document))


@click.command("increment")
@click.argument("store")
@click.argument("key")
@click.option("--by", type=int, required=True, metavar="N", help="The integer to add.")
@scope_option
@common_options
def increment(store: str, key: str, by: int, scope: str) -> None:
    """Atomically add N to an integer entry (created with N when missing)."""
    cli = state()

    async def work() -> Entry:
        async with cli.open_backend(create=True) as backend:
            return await service.increment_entry(backend, store, key, by, scope=scope)

    entry = run(work())
    emit(cli.json_output, _entry_document(entry), _render_entry(entry))


COMMANDS: list[click.Command] = [get, set_, delete, versions, rollback, increment]
