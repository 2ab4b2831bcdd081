"""Parsing of command-line values (JSON, user ids, times) with errors that say where and why."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from ..model import InvalidArgument, JsonValue, parse_time
from ..model.limits import DEFAULT_SCOPE


def scope_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--scope",
        default=DEFAULT_SCOPE,
        show_default=True,
        help="The scope (legacy; most games use the default).",
    )(command)


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON (Roblox cannot store it)")


def parse_json(text: str, source: str) -> JsonValue:
    """Parse JSON text; an error names the source, the line and the column."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        hint = ""
        if error.pos == 0 and text[:1].isalpha():
            hint = " Strings must be quoted, e.g. --value '\"hello\"'."
        raise InvalidArgument(
            f"{source} is not valid JSON: {error.msg} at line {error.lineno}, column "
            f"{error.colno}.{hint}"
        ) from None
    except ValueError as error:
        raise InvalidArgument(f"{source} is not valid JSON: {error}.") from None


def read_value(value_text: str | None, file: Path | None) -> JsonValue:
    """The value of ``--value JSON`` or ``--file F`` (exactly one of them; ``-`` is stdin)."""
    if (value_text is None) == (file is None):
        raise click.UsageError("Give the new value with exactly one of --value JSON or --file F.")
    if value_text is not None:
        return parse_json(value_text, "--value")
    assert file is not None
    if str(file) == "-":
        return parse_json(sys.stdin.read(), "The value on stdin")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidArgument(f"{file} is not UTF-8 text; save it as UTF-8 JSON.") from None
    return parse_json(text, f"The file {file}")


def parse_attributes(text: str) -> dict[str, JsonValue]:
    value = parse_json(text, "--attributes")
    if not isinstance(value, dict):
        raise InvalidArgument(
            "The --attributes value must be a JSON object, e.g. --attributes '{\"Season\": 3}'."
        )
    return value


def parse_user_ids(text: str) -> tuple[int, ...]:
    """``1,2,3`` (an empty string clears the user ids)."""
    ids: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isascii() or not part.isdigit() or int(part) <= 0:
            raise InvalidArgument(
                f"User id {part!r} in --user-ids is not a positive integer; use e.g. "
                "--user-ids 12345,67890."
            )
        ids.append(int(part))
    return tuple(ids)


def parse_as_of(text: str | None) -> datetime | None:
    return None if text is None else parse_time(text)
