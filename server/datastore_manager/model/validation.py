"""Checks of names, values and metadata against Roblox's limits, with errors that say what to do."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from . import limits
from .errors import InvalidArgument, InvalidName, LimitExceeded
from .values import EncodedValue, JsonValue


def check_name(kind: str, name: str, maximum: int) -> str:
    if not isinstance(name, str) or name == "":
        raise InvalidName(f"The {kind} cannot be empty.")
    if len(name) > maximum:
        raise InvalidName(
            f"The {kind} {name[:20]!r}… is {len(name)} characters; Roblox allows at most "
            f"{maximum} ({len(name) - maximum} too many).",
        )
    return name


def check_store_name(name: str) -> str:
    return check_name("data store name", name, limits.MAX_DATA_STORE_NAME_LENGTH)


def check_scope(scope: str) -> str:
    return check_name("scope", scope, limits.MAX_SCOPE_LENGTH)


def check_key(key: str) -> str:
    return check_name("key", key, limits.MAX_KEY_LENGTH)


def check_ordered_key(key: str) -> str:
    return check_name("ordered entry key", key, limits.MAX_ORDERED_KEY_LENGTH)


def encode_checked_value(value: JsonValue) -> EncodedValue:
    """Serialise a value and enforce the 4,194,304-character limit (ECL)."""
    encoded = EncodedValue.from_value(value)
    if encoded.size > limits.MAX_VALUE_LENGTH:
        over = encoded.size - limits.MAX_VALUE_LENGTH
        raise LimitExceeded(
            f"Value is {encoded.size:,} characters; Roblox's limit is "
            f"{limits.MAX_VALUE_LENGTH:,} characters per entry ({over:,} over). "
            "Nothing was written.",
            limit_name="MAX_VALUE_LENGTH",
            limit=limits.MAX_VALUE_LENGTH,
            actual=encoded.size,
        )
    return encoded


def check_attributes(attributes: Mapping[str, JsonValue] | None) -> dict[str, JsonValue]:
    """User metadata: a JSON object, keys ≤ 50, values ≤ 250, whole map ≤ 300 characters."""
    if attributes is None:
        return {}
    if not isinstance(attributes, Mapping):
        raise InvalidArgument('Attributes must be a JSON object, e.g. {"LockId": "…"}.')
    result = dict(attributes)
    for name, value in result.items():
        if len(name) > limits.MAX_ATTRIBUTE_KEY_LENGTH:
            raise LimitExceeded(
                f"Attribute name {name[:20]!r}… is {len(name)} characters; the limit is "
                f"{limits.MAX_ATTRIBUTE_KEY_LENGTH}.",
                limit_name="MAX_ATTRIBUTE_KEY_LENGTH",
                limit=limits.MAX_ATTRIBUTE_KEY_LENGTH,
                actual=len(name),
            )
        size = len(EncodedValue.from_value(value).text)
        if size > limits.MAX_ATTRIBUTE_VALUE_LENGTH:
            raise LimitExceeded(
                f"Attribute {name!r} is {size} characters; the limit is "
                f"{limits.MAX_ATTRIBUTE_VALUE_LENGTH}.",
                limit_name="MAX_ATTRIBUTE_VALUE_LENGTH",
                limit=limits.MAX_ATTRIBUTE_VALUE_LENGTH,
                actual=size,
            )
    total = EncodedValue.from_value(result).size
    if total > limits.MAX_ATTRIBUTES_LENGTH:
        raise LimitExceeded(
            f"Attributes serialise to {total} characters; Roblox allows at most "
            f"{limits.MAX_ATTRIBUTES_LENGTH} ({total - limits.MAX_ATTRIBUTES_LENGTH} over).",
            limit_name="MAX_ATTRIBUTES_LENGTH",
            limit=limits.MAX_ATTRIBUTES_LENGTH,
            actual=total,
        )
    return result


def check_user_ids(user_ids: Iterable[int] | None) -> tuple[int, ...]:
    if user_ids is None:
        return ()
    result = tuple(user_ids)
    for user_id in result:
        if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id <= 0:
            raise InvalidArgument(f"User id {user_id!r} is not a positive integer.")
    if len(result) > limits.MAX_USER_IDS:
        raise LimitExceeded(
            f"{len(result)} user ids given; Roblox allows at most {limits.MAX_USER_IDS} per entry.",
            limit_name="MAX_USER_IDS",
            limit=limits.MAX_USER_IDS,
            actual=len(result),
        )
    return result


def check_int64(what: str, number: object) -> int:
    """Integers as Roblox's increment and ordered APIs accept them (int64; integral doubles)."""
    if isinstance(number, bool):
        raise InvalidArgument(f"{what} must be an integer, got a boolean.")
    if isinstance(number, float):
        if not math.isfinite(number) or not number.is_integer():
            raise InvalidArgument(f"{what} must be an integer, got {number!r}.")
        number = int(number)
    if not isinstance(number, int):
        raise InvalidArgument(f"{what} must be an integer, got {json.dumps(number)[:40]}.")
    if not limits.INT64_MIN <= number <= limits.INT64_MAX:
        raise InvalidArgument(f"{what} {number} is outside the int64 range Roblox accepts.")
    return number


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def check_as_of(moment: datetime, now: datetime) -> datetime:
    """A revision-at-time selector: after the Unix epoch, at most 10 minutes ahead (OA)."""
    if moment.tzinfo is None:
        raise InvalidArgument(f"Time {moment.isoformat()} has no UTC offset.")
    if moment <= _EPOCH:
        raise InvalidArgument(f"Time {moment.isoformat()} must be after the Unix epoch.")
    if moment > now + limits.MAX_FUTURE_TIMESTAMP:
        minutes = int(limits.MAX_FUTURE_TIMESTAMP.total_seconds() // 60)
        raise InvalidArgument(
            f"Time {moment.isoformat()} is more than {minutes} minutes in the future."
        )
    return moment
