"""Everything ``dsm`` prints: rich tables for people, exactly one JSON document for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from ..model import DataStoreError, format_time

#: Draws a command's result for a person.
Render = Callable[[Console], None]


def stdout_console() -> Console:
    return Console(soft_wrap=True)


def _stderr_console() -> Console:
    return Console(stderr=True, soft_wrap=True, highlight=False)


def emit(json_output: bool, document: Any, render: Render | None = None) -> None:
    """Print a command's result: ``document`` as JSON, or ``render`` for a person."""
    if json_output or render is None:
        print_json(document)
    else:
        render(stdout_console())


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()


_UNWRAPPED_COLUMNS = frozenset({"Version", "Key", "Name"})


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A plain table; cells are shown as text (markup is not interpreted)."""
    result = Table(title=title, title_justify="left", show_header=any(columns))
    for column in columns:
        # Version ids and keys are copied into other commands: never wrap them.
        result.add_column(column, overflow="fold", no_wrap=column in _UNWRAPPED_COLUMNS)
    for row in rows:
        result.add_row(*(_cell(value) for value in row))
    return result


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return format_time(value)
    return json.dumps(value, ensure_ascii=False)


def print_value(console: Console, value: Any) -> None:
    """A JSON value, pretty-printed with syntax colours when the terminal supports them."""
    console.print_json(json.dumps(value, ensure_ascii=False), indent=2)


def error_document(error: BaseException, message: str, exit_code: int) -> dict[str, Any]:
    """The one JSON document printed (on stdout) for a failed command under ``--json``."""
    if isinstance(error, DataStoreError):
        details = error.to_dict()
    else:
        details = {"code": "INVALID_ARGUMENT" if exit_code == 2 else "UNKNOWN"}
        details["error"] = type(error).__name__
    details["message"] = message
    details["exitCode"] = exit_code
    return {"error": details}


def report_error(message: str) -> None:
    """One line on stderr naming what was wrong and what to do."""
    _stderr_console().print(f"error: {message}", markup=False)
