"""State shared by every command: the target and the output mode.

``--target`` and ``--json`` are accepted both before the command (``dsm --json stores list``)
and after it (``dsm stores list --json``); :func:`common_options` adds the per-command copies.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from ..backends import DataStoreBackend
from ..services.connections import open_target, resolve_target
from .safety import open_guarded, safety_options

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CliState:
    """What the global options said; commands read it through :func:`state`."""

    target: str | None = None
    json_output: bool = False

    def open_backend(self, *, create: bool = False) -> DataStoreBackend:
        """The backend of ``--target`` / ``DSM_TARGET`` (a clear error when neither is set).

        ``create`` lets a write create a local store file that does not exist yet.
        """
        target = str(resolve_target(self.target))
        return open_guarded(target, lambda: open_target(self.target, create=create))


def state(ctx: click.Context | None = None) -> CliState:
    ctx = ctx or click.get_current_context()
    found = ctx.find_object(CliState)
    if found is None:  # a command invoked on its own, e.g. from a test
        found = ctx.ensure_object(CliState)
    return found


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        state(ctx).json_output = True


def _set_target(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        state(ctx).target = value


def common_options(command: F) -> F:
    """Add ``--json`` and ``--target`` to a command (merged into the shared :class:`CliState`)."""
    command = safety_options(command)  # --role --identity --reason --force --yes --reveal
    command = click.option(
        "--json",
        "json_output",
        is_flag=True,
        expose_value=False,
        callback=_set_json,
        help="Print one JSON document instead of human output.",
    )(command)
    command = click.option(
        "--target",
        metavar="TARGET",
        expose_value=False,
        callback=_set_target,
        help="Where the data lives, e.g. local:./game.db (default: $DSM_TARGET).",
    )(command)
    return command


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run one command's async work to completion."""
    return asyncio.run(work)
