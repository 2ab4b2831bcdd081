"""The tiny filter and ordering languages of Roblox's list operations (FACTS §4–§6)."""

from __future__ import annotations

import re
from datetime import datetime

from ..model import InvalidArgument, parse_time

_STARTS_WITH = re.compile(r'^id\.startsWith\("((?:[^"\\]|\\.)*)"\)$')
_BOUND = re.compile(r"^entry (<=|>=) (-?\d+)$")
_TIME_BOUND = re.compile(r"^revision_create_time (<=|>=) (\S+)$")


def id_prefix(text: str | None) -> str:
    """``id.startsWith("foo")`` → ``foo``; the only filter v2 list operations support."""
    if not text:
        return ""
    found = _STARTS_WITH.match(text.strip())
    if found is None:
        raise InvalidArgument(
            f'Unsupported filter {text!r}: only id.startsWith("prefix") is supported.'
        )
    return found.group(1).replace('\\"', '"').replace("\\\\", "\\")


def ordered_range(text: str | None) -> tuple[int | None, int | None]:
    """``entry >= 10 && entry <= 30``: one minimum and/or one maximum, single spaces."""
    if not text:
        return None, None
    low: int | None = None
    high: int | None = None
    for part in text.split(" && "):
        found = _BOUND.match(part)
        if found is None:
            raise InvalidArgument(
                f"Invalid filter {text!r}: use entry >= MIN, entry <= MAX or "
                "entry >= MIN && entry <= MAX (single spaces, entry on the left)."
            )
        operator, number = found.group(1), int(found.group(2))
        if operator == ">=":
            if low is not None:
                raise InvalidArgument(f"Invalid filter {text!r}: more than one minimum.")
            low = number
        else:
            if high is not None:
                raise InvalidArgument(f"Invalid filter {text!r}: more than one maximum.")
            high = number
    return low, high


def ordered_descending(text: str | None, field: str = "value") -> bool:
    """v1 ``order_by`` (``desc``) and v2 ``orderBy`` (``value desc``)."""
    if not text:
        return False
    normalized = text.strip()
    if normalized in ("desc", f"{field} desc"):
        return True
    if normalized in ("asc", field, f"{field} asc"):
        return False
    raise InvalidArgument(f"Invalid order {text!r}: use '{field}' or '{field} desc'.")


def revision_time_range(text: str | None) -> tuple[datetime | None, datetime | None]:
    """``revision_create_time >= T1 && revision_create_time <= T2`` (either part optional)."""
    if not text:
        return None, None
    start: datetime | None = None
    end: datetime | None = None
    for part in text.split(" && "):
        found = _TIME_BOUND.match(part.strip())
        if found is None:
            raise InvalidArgument(
                f"Invalid filter {text!r}: use revision_create_time >= TIME and/or "
                "revision_create_time <= TIME joined by &&."
            )
        moment = parse_time(found.group(2))
        if found.group(1) == ">=":
            start = moment
        else:
            end = moment
    return start, end
