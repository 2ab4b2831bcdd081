"""RFC 3339 UTC timestamps, the only time format on the wire and in files (FACTS §2)."""

from __future__ import annotations

from datetime import UTC, datetime

from .errors import InvalidArgument


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    """``2024-05-01T12:30:00.123456Z``: Z-normalised with microseconds (TYP allows 0/3/6/9)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """Parse RFC 3339 with any offset (``Z``, ``+02:00``) into an aware UTC datetime."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise InvalidArgument(
            f"Invalid timestamp {text!r}: expected RFC 3339, e.g. 2024-05-01T12:30:00Z."
        ) from None
    if moment.tzinfo is None:
        raise InvalidArgument(f"Timestamp {text!r} has no UTC offset; add 'Z' or '+00:00'.")
    return moment.astimezone(UTC)


def to_micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch: how the local engine stores times."""
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return datetime.fromtimestamp(micros // 1_000_000, UTC).replace(microsecond=micros % 1_000_000)
