"""Reading query parameters and JSON bodies; every problem becomes a 400 naming the parameter."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import QueryParams

from ..model import InvalidArgument


def required(query: QueryParams, name: str) -> str:
    value = query.get(name)
    if value is None or value == "":
        raise InvalidArgument(f"The query parameter {name} is required.")
    return value


def optional_int(query: QueryParams, name: str) -> int | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidArgument(
            f"The query parameter {name} must be an integer, got {value!r}."
        ) from None


def flag(query: QueryParams, name: str) -> bool:
    value = query.get(name)
    if value is None or value == "":
        return False
    lowered = value.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise InvalidArgument(f"The query parameter {name} must be true or false, got {value!r}.")


def json_body(body: bytes, what: str = "request body") -> Any:
    if not body:
        raise InvalidArgument(
            f"The {what} is empty; send JSON with Content-Type: application/json."
        )
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"The {what} is not valid JSON: {exc}.") from None


def json_object(body: bytes, what: str = "request body") -> dict[str, Any]:
    value = json_body(body, what)
    if not isinstance(value, dict):
        raise InvalidArgument(f"The {what} must be a JSON object.")
    return value
