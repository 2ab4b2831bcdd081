"""Every Roblox limit, just under (accepted) and just over (refused, nothing written).

Numbers come from ``model.limits`` (the one owner of them); sizes are characters of the
serialised JSON, as ``EncodedValue`` measures them.
"""

from __future__ import annotations

from typing import Any

import pytest

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.model import (
    EntryNotFound,
    InvalidArgument,
    InvalidName,
    LimitExceeded,
    limits,
)
from datastore_manager.model.limits import DEFAULT_SCOPE

from .helpers import all_key_names, all_store_names, json_size, string_of_json_size

NAME_LIMITS = {
    "store": limits.MAX_DATA_STORE_NAME_LENGTH,
    "scope": limits.MAX_SCOPE_LENGTH,
    "key": limits.MAX_KEY_LENGTH,
}


def _address(part: str, name: str) -> tuple[str, str, str]:
    """(store, scope, key) with ``part`` replaced by ``name``."""
    address = {"store": "S", "scope": DEFAULT_SCOPE, "key": "k"} | {part: name}
    return address["store"], address["scope"], address["key"]


@pytest.mark.parametrize("part", sorted(NAME_LIMITS))
async def test_names_at_the_length_limit_are_accepted(backend: DataStoreBackend, part: str) -> None:
    store, scope, key = _address(part, "n" * NAME_LIMITS[part])

    await backend.set_entry(store, key, "ok", scope=scope)

    entry = await backend.get_entry(store, key, scope=scope)
    assert (entry.store, entry.scope, entry.key, entry.value) == (store, scope, key, "ok")
    assert await all_key_names(backend, store, scope=scope) == [key]


@pytest.mark.parametrize("part", sorted(NAME_LIMITS))
async def test_names_one_over_the_length_limit_are_refused(
    backend: DataStoreBackend, part: str
) -> None:
    maximum = NAME_LIMITS[part]
    store, scope, key = _address(part, "n" * (maximum + 1))

    with pytest.raises(InvalidName) as caught:
        await backend.set_entry(store, key, "no", scope=scope)
    assert str(maximum) in caught.value.message, "the error names the limit"
    with pytest.raises(InvalidName):
        await backend.get_entry(store, key, scope=scope)
    with pytest.raises(InvalidName):
        await backend.increment_entry(store, key, 1, scope=scope)

    assert await all_store_names(backend, show_deleted=True) == []


@pytest.mark.parametrize("part", sorted(NAME_LIMITS))
async def test_empty_names_are_refused(backend: DataStoreBackend, part: str) -> None:
    store, scope, key = _address(part, "")

    with pytest.raises(InvalidName):
        await backend.set_entry(store, key, "no", scope=scope)

    assert await all_store_names(backend, show_deleted=True) == []


async def test_list_keys_with_an_over_long_store_name_is_refused(
    backend: DataStoreBackend,
) -> None:
    with pytest.raises(InvalidName):
        await backend.list_keys("s" * (limits.MAX_DATA_STORE_NAME_LENGTH + 1))


# ---- values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "char", [pytest.param("x", id="ascii"), pytest.param("é", id="two-byte-utf8")]
)
async def test_value_of_exactly_the_maximum_characters_is_accepted(
    backend: DataStoreBackend, char: str
) -> None:
    """The limit counts characters (ECL), so 4 MB of two-byte characters still fits."""
    value = string_of_json_size(limits.MAX_VALUE_LENGTH, char)
    assert json_size(value) == limits.MAX_VALUE_LENGTH

    written = await backend.set_entry("S", "big", value)

    entry = await backend.get_entry("S", "big")
    assert entry.value == value
    assert entry.size == limits.MAX_VALUE_LENGTH
    assert written.content_length == limits.MAX_VALUE_LENGTH


async def test_value_one_character_over_the_maximum_is_refused(backend: DataStoreBackend) -> None:
    await backend.set_entry("S", "big", "previous")
    value = string_of_json_size(limits.MAX_VALUE_LENGTH + 1)

    with pytest.raises(LimitExceeded) as caught:
        await backend.set_entry("S", "big", value)

    error = caught.value
    assert (error.limit, error.actual) == (limits.MAX_VALUE_LENGTH, limits.MAX_VALUE_LENGTH + 1)
    assert f"{limits.MAX_VALUE_LENGTH:,}" in error.message
    assert (await backend.get_entry("S", "big")).value == "previous"


async def test_structured_value_over_the_maximum_is_refused(backend: DataStoreBackend) -> None:
    value = {"blob": "x" * limits.MAX_VALUE_LENGTH}

    with pytest.raises(LimitExceeded):
        await backend.set_entry("S", "k", value)

    with pytest.raises(EntryNotFound):
        await backend.get_entry("S", "k")


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(float("nan"), id="nan"),
        pytest.param(float("inf"), id="infinity"),
        pytest.param({1, 2}, id="python-set"),
        pytest.param(object(), id="object"),
    ],
)
async def test_values_that_are_not_json_are_refused(backend: DataStoreBackend, value: Any) -> None:
    with pytest.raises(InvalidArgument):
        await backend.set_entry("S", "k", value)

    assert await all_store_names(backend, show_deleted=True) == []


# ---- attributes -------------------------------------------------------------------------


def _attributes_of_json_size(size: int) -> dict[str, str]:
    """Two attributes (each within the per-entry limits) whose map serialises to ``size``."""
    skeleton = json_size({"a": "", "b": ""})
    first = (size - skeleton) // 2
    attributes = {"a": "x" * first, "b": "y" * (size - skeleton - first)}
    assert json_size(attributes) == size
    return attributes


async def test_attribute_map_of_exactly_the_maximum_is_accepted(backend: DataStoreBackend) -> None:
    attributes = _attributes_of_json_size(limits.MAX_ATTRIBUTES_LENGTH)

    await backend.set_entry("S", "k", 1, attributes=attributes)

    assert (await backend.get_entry("S", "k")).attributes == attributes


async def test_attribute_map_one_over_the_maximum_is_refused(backend: DataStoreBackend) -> None:
    attributes = _attributes_of_json_size(limits.MAX_ATTRIBUTES_LENGTH + 1)

    with pytest.raises(LimitExceeded) as caught:
        await backend.set_entry("S", "k", 1, attributes=attributes)

    assert caught.value.limit == limits.MAX_ATTRIBUTES_LENGTH
    assert caught.value.actual == limits.MAX_ATTRIBUTES_LENGTH + 1
    with pytest.raises(EntryNotFound):
        await backend.get_entry("S", "k")


async def test_attribute_name_at_the_limit_is_accepted(backend: DataStoreBackend) -> None:
    attributes = {"n" * limits.MAX_ATTRIBUTE_KEY_LENGTH: 1}

    await backend.set_entry("S", "k", 1, attributes=attributes)

    assert (await backend.get_entry("S", "k")).attributes == attributes


async def test_attribute_name_one_over_the_limit_is_refused(backend: DataStoreBackend) -> None:
    with pytest.raises(LimitExceeded) as caught:
        await backend.set_entry(
            "S", "k", 1, attributes={"n" * (limits.MAX_ATTRIBUTE_KEY_LENGTH + 1): 1}
        )

    assert caught.value.limit == limits.MAX_ATTRIBUTE_KEY_LENGTH
    with pytest.raises(EntryNotFound):
        await backend.get_entry("S", "k")


async def test_attribute_value_at_the_limit_is_accepted(backend: DataStoreBackend) -> None:
    attributes = {"v": string_of_json_size(limits.MAX_ATTRIBUTE_VALUE_LENGTH)}

    await backend.set_entry("S", "k", 1, attributes=attributes)

    assert (await backend.get_entry("S", "k")).attributes == attributes


async def test_attribute_value_one_over_the_limit_is_refused(backend: DataStoreBackend) -> None:
    attributes = {"v": string_of_json_size(limits.MAX_ATTRIBUTE_VALUE_LENGTH + 1)}

    with pytest.raises(LimitExceeded) as caught:
        await backend.set_entry("S", "k", 1, attributes=attributes)

    assert caught.value.limit == limits.MAX_ATTRIBUTE_VALUE_LENGTH
    with pytest.raises(EntryNotFound):
        await backend.get_entry("S", "k")


async def test_attributes_that_are_not_an_object_are_refused(backend: DataStoreBackend) -> None:
    with pytest.raises(InvalidArgument):
        await backend.set_entry("S", "k", 1, attributes=["not", "a", "map"])  # type: ignore[arg-type]

    with pytest.raises(EntryNotFound):
        await backend.get_entry("S", "k")


async def test_increment_checks_attribute_limits_too(backend: DataStoreBackend) -> None:
    await backend.set_entry("S", "counter", 1)
    attributes = _attributes_of_json_size(limits.MAX_ATTRIBUTES_LENGTH + 1)

    with pytest.raises(LimitExceeded):
        await backend.increment_entry("S", "counter", 1, attributes=attributes)

    assert (await backend.get_entry("S", "counter")).value == 1


# ---- user ids ---------------------------------------------------------------------------


async def test_the_maximum_number_of_user_ids_is_accepted(backend: DataStoreBackend) -> None:
    user_ids = tuple(range(1, limits.MAX_USER_IDS + 1))

    await backend.set_entry("S", "k", 1, user_ids=user_ids)

    assert (await backend.get_entry("S", "k")).user_ids == user_ids


async def test_one_user_id_too_many_is_refused(backend: DataStoreBackend) -> None:
    user_ids = list(range(1, limits.MAX_USER_IDS + 2))

    with pytest.raises(LimitExceeded) as caught:
        await backend.set_entry("S", "k", 1, user_ids=user_ids)

    assert (caught.value.limit, caught.value.actual) == (limits.MAX_USER_IDS, len(user_ids))
    with pytest.raises(EntryNotFound):
        await backend.get_entry("S", "k")


async def test_increment_checks_the_user_id_limit_too(backend: DataStoreBackend) -> None:
    with pytest.raises(LimitExceeded):
        await backend.increment_entry("S", "counter", 1, user_ids=range(1, limits.MAX_USER_IDS + 2))

    with pytest.raises(EntryNotFound):
        await backend.get_entry("S", "counter")


@pytest.mark.parametrize("bad", [0, -5, "12", 1.5, True])
async def test_user_ids_must_be_positive_integers(backend: DataStoreBackend, bad: Any) -> None:
    with pytest.raises(InvalidArgument):
        await backend.set_entry("S", "k", 1, user_ids=[1, bad])

    with pytest.raises(EntryNotFound):
        await backend.get_entry("S", "k")
