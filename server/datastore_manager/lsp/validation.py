"""Params of ``dataStore/*`` requests and command arguments, checked once at dispatch.

Each is checked against its schema in ``schemas/protocol/`` (docs/protocol.md): requests
against ``<method with / → .>.params.schema.json``, commands' ``arguments[0]`` against
``<command>.arguments.schema.json``. A schema is compiled once (jsonschema_rs, as for entry
schemas in services/schemas.py), on first use. What does not fit is an InvalidArgument
(1001) naming the parameter, before any handler runs; a method without a schema file is
left to its handler.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from ..model import InvalidArgument

PROTOCOL_SCHEMAS = Path(__file__).resolve().parents[1] / "schemas" / "protocol"


@cache
def validator(name: str) -> Any | None:
    """The compiled schema ``<name>.schema.json``, or None when there is none."""
    path = PROTOCOL_SCHEMAS / f"{name}.schema.json"
    if not path.is_file():
        return None
    import jsonschema_rs

    return jsonschema_rs.validator_for(json.loads(path.read_text(encoding="utf-8")))


def check_params(method: str, params: Any) -> None:
    """Raise InvalidArgument unless ``params`` fit the request's schema."""
    _check(f"{method.replace('/', '.')}.params", f"{method} params", params)


def check_arguments(command: str, argument: Any) -> None:
    """Raise InvalidArgument unless ``arguments[0]`` fits the command's schema."""
    _check(f"{command}.arguments", f"{command} arguments[0]", argument)


def _check(name: str, what: str, value: Any) -> None:
    compiled = validator(name)
    if compiled is None:
        return
    try:
        error = next(iter(compiled.iter_errors(value)), None)
    except UnicodeEncodeError:
        raise InvalidArgument(
            f"Invalid {what}: a string holds an unpaired UTF-16 surrogate (such as \\uD800)."
        ) from None
    if error is None:
        return
    path = list(error.instance_path)
    if path:
        where = "/".join(str(step) for step in path)
        raise InvalidArgument(f"Invalid {what}: parameter {where!r}: {error.message}.")
    raise InvalidArgument(f"Invalid {what}: {error.message}.")
