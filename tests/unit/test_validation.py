"""Validation errors name the limit that was broken and by how much, and change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from datastore_manager.model import InvalidArgument, InvalidName, LimitExceeded, limits
from datastore_manager.model.validation import (
    check_attributes,
    check_int64,
    check_key,
    check_ordered_key,
    check_scope,
    check_store_name,
    check_user_ids,
    encode_checked_value,
)

NAME_CHECKS = [
    pytest.param(
        check_store_name, "data store name", limits.MAX_DATA_STORE_NAME_LENGTH, id="store"
    ),
    pytest.param(check_scope, "scope", limits.MAX_SCOPE_LENGTH, id="scope"),
    pytest.param(check_key, "key", limits.MAX_KEY_LENGTH, id="key"),
    pytest.param(
        check_ordered_key, "ordered entry key", limits.MAX_ORDERED_KEY_LENGTH, id="ordered"
    ),
]


@pytest.mark.parametrize(("check", "kind", "maximum"), NAME_CHECKS)
def test_names_up_to_the_limit_pass_through(check: Any, kind: str, maximum: int) -> None:
    assert check("n" * maximum) == "n" * maximum
    assert check("🎮/%#? ü") == "🎮/%#? ü"


@pytest.mark.parametrize(("check", "kind", "maximum"), NAME_CHECKS)
def test_over_long_names_name_the_limit_and_the_overage(
    check: Any, kind: str, maximum: int
) -> None:
    with pytest.raises(InvalidName) as caught:
        check("n" * (maximum + 3))

    message = caught.value.message
    assert kind in message
    assert f"{maximum + 3} characters" in message
    assert f"at most {maximum}" in message
    assert "3 too many" in message


@pytest.mark.parametrize(("check", "kind", "maximum"), NAME_CHECKS)
def test_empty_names_are_refused(check: Any, kind: str, maximum: int) -> None:
    with pytest.raises(InvalidName, match="cannot be empty") as caught:
        check("")
    assert kind in caught.value.message


def test_names_are_measured_in_characters_not_bytes() -> None:
    assert check_key("é" * limits.MAX_KEY_LENGTH) == "é" * limits.MAX_KEY_LENGTH


# ---- values -----------------------------------------------------------------------------


def test_value_at_the_limit_is_encoded_compactly() -> None:
    text = "x" * (limits.MAX_VALUE_LENGTH - 2)

    encoded = encode_checked_value(text)

    assert encoded.size == limits.MAX_VALUE_LENGTH
    assert encoded.text == f'"{text}"'


def test_value_over_the_limit_names_the_limit_and_the_overage() -> None:
    with pytest.raises(LimitExceeded) as caught:
        encode_checked_value("x" * (limits.MAX_VALUE_LENGTH + 8))

    error = caught.value
    assert (error.limit_name, error.limit, error.actual) == (
        "MAX_VALUE_LENGTH",
        limits.MAX_VALUE_LENGTH,
        limits.MAX_VALUE_LENGTH + 10,
    )
    assert "4,194,304" in error.message
    assert "4,194,314" in error.message
    assert "(10 over)" in error.message
    assert error.details == {
        "limit_name": "MAX_VALUE_LENGTH",
        "limit": limits.MAX_VALUE_LENGTH,
        "actual": limits.MAX_VALUE_LENGTH + 10,
    }


@pytest.mark.parametrize("value", [float("nan"), float("-inf"), {1, 2}, b"bytes", object()])
def test_non_json_values_are_invalid_arguments(value: Any) -> None:
    with pytest.raises(InvalidArgument, match="not valid JSON"):
        encode_checked_value(value)


# ---- attributes -------------------------------------------------------------------------


def test_no_attributes_is_an_empty_map() -> None:
    assert check_attributes(None) == {}
    assert check_attributes({}) == {}


def test_attribute_limits_just_under_pass() -> None:
    longest_name = {"k" * limits.MAX_ATTRIBUTE_KEY_LENGTH: 1}
    longest_value = {"v": "x" * (limits.MAX_ATTRIBUTE_VALUE_LENGTH - 2)}  # 250 with quotes
    fullest_map = {"a": "x" * 200, "b": "y" * 85}  # {"a":"…","b":"…"} = 15 + 285 = 300

    for attributes in (longest_name, longest_value, fullest_map):
        assert check_attributes(attributes) == attributes


def test_attribute_name_over_the_limit() -> None:
    with pytest.raises(LimitExceeded) as caught:
        check_attributes({"k" * (limits.MAX_ATTRIBUTE_KEY_LENGTH + 1): 1})

    error = caught.value
    assert (error.limit_name, error.limit, error.actual) == (
        "MAX_ATTRIBUTE_KEY_LENGTH",
        limits.MAX_ATTRIBUTE_KEY_LENGTH,
        limits.MAX_ATTRIBUTE_KEY_LENGTH + 1,
    )
    assert f"limit is {limits.MAX_ATTRIBUTE_KEY_LENGTH}" in error.message


def test_attribute_value_over_the_limit_counts_its_json() -> None:
    with pytest.raises(LimitExceeded) as caught:
        check_attributes({"v": "x" * (limits.MAX_ATTRIBUTE_VALUE_LENGTH - 1)})

    error = caught.value
    assert (error.limit_name, error.actual) == (
        "MAX_ATTRIBUTE_VALUE_LENGTH",
        limits.MAX_ATTRIBUTE_VALUE_LENGTH + 1,
    )
    assert "'v'" in error.message


def test_attribute_map_over_the_limit_names_the_overage() -> None:
    attributes = {"a": "x" * 200, "b": "y" * 87}  # {"a":"…","b":"…"} = 15 + 287 = 302

    with pytest.raises(LimitExceeded) as caught:
        check_attributes(attributes)

    error = caught.value
    assert (error.limit_name, error.limit, error.actual) == (
        "MAX_ATTRIBUTES_LENGTH",
        limits.MAX_ATTRIBUTES_LENGTH,
        302,
    )
    assert "302 characters" in error.message
    assert "(2 over)" in error.message


@pytest.mark.parametrize("attributes", [["a"], "text", 5])
def test_attributes_must_be_an_object(attributes: Any) -> None:
    with pytest.raises(InvalidArgument, match="JSON object"):
        check_attributes(attributes)


# ---- user ids ---------------------------------------------------------------------------


def test_user_ids_up_to_the_limit() -> None:
    assert check_user_ids(None) == ()
    assert check_user_ids(iter([1, 2, 3, 4])) == (1, 2, 3, 4)


def test_one_user_id_too_many_names_the_limit() -> None:
    with pytest.raises(LimitExceeded) as caught:
        check_user_ids([1, 2, 3, 4, 5])

    error = caught.value
    assert (error.limit_name, error.limit, error.actual) == ("MAX_USER_IDS", 4, 5)
    assert "5 user ids" in error.message
    assert "at most 4" in error.message


@pytest.mark.parametrize("bad", [0, -1, "7", 1.0, True, None])
def test_user_ids_must_be_positive_integers(bad: Any) -> None:
    with pytest.raises(InvalidArgument, match="positive integer") as caught:
        check_user_ids([1, bad])
    assert not isinstance(caught.value, LimitExceeded)


# ---- int64 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [(limits.INT64_MAX, limits.INT64_MAX), (limits.INT64_MIN, limits.INT64_MIN), (3.0, 3), (0, 0)],
)
def test_int64_accepts_integers_and_integral_doubles(number: object, expected: int) -> None:
    result = check_int64("Amount", number)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        (limits.INT64_MAX + 1, "outside the int64 range"),
        (limits.INT64_MIN - 1, "outside the int64 range"),
        (1.5, "must be an integer"),
        (float("inf"), "must be an integer"),
        (float("nan"), "must be an integer"),
        (True, "got a boolean"),
        ("12", 'got "12"'),
        (None, "got null"),
    ],
)
def test_int64_refuses_everything_else_naming_the_field(number: object, fragment: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        check_int64("Amount", number)
    assert caught.value.message.startswith("Amount")
    assert fragment in caught.value.message
