"""RFC 3339 times: Z-normalised output, any offset on input, lossless round trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datastore_manager.model import InvalidArgument, format_time, parse_time
from datastore_manager.model.times import from_micros, to_micros

aware_times = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


def test_format_is_z_normalised_with_microseconds() -> None:
    moment = datetime(2024, 5, 1, 14, 30, 0, 5, tzinfo=timezone(timedelta(hours=2)))
    assert format_time(moment) == "2024-05-01T12:30:00.000005Z"


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01T12:30:00Z",
        "2024-05-01T12:30:00z",
        "2024-05-01T14:30:00+02:00",
        "2024-05-01T07:30:00-05:00",
        "2024-05-01T12:30:00.000Z",
        "  2024-05-01T12:30:00.000000000Z  ".replace("000000000", "000000"),
    ],
)
def test_parse_accepts_any_offset_and_returns_utc(text: str) -> None:
    parsed = parse_time(text)
    assert parsed == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert parsed.utcoffset() == timedelta(0)


def test_parse_of_the_v1_header_example() -> None:
    """FACTS §3: ``roblox-entry-created-time`` looks like this (7 fractional digits)."""
    parsed = parse_time("2022-02-02T23:30:06.5388799+00:00")
    assert parsed.replace(microsecond=0) == datetime(2022, 2, 2, 23, 30, 6, tzinfo=UTC)
    assert parsed.microsecond in (538879, 538880)


@pytest.mark.parametrize("text", ["yesterday", "", "2024-13-01T00:00:00Z", "12:30"])
def test_parse_of_garbage_says_what_is_expected(text: str) -> None:
    with pytest.raises(InvalidArgument, match="RFC 3339"):
        parse_time(text)


def test_parse_without_an_offset_asks_for_one() -> None:
    with pytest.raises(InvalidArgument, match="no UTC offset"):
        parse_time("2024-05-01T12:30:00")


@given(aware_times)
def test_format_then_parse_is_lossless(moment: datetime) -> None:
    assert parse_time(format_time(moment)) == moment


@given(aware_times)
def test_micros_round_trip(moment: datetime) -> None:
    assert from_micros(to_micros(moment)) == moment


def test_micros_of_known_moments() -> None:
    assert to_micros(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert to_micros(datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=UTC)) == 1_000_005
    assert from_micros(1_000_005) == datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=UTC)
