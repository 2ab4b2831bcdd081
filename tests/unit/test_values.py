"""Value objects: Roblox's encoding of values (compact JSON, base64 MD5) and stable dicts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datastore_manager.model import (
    DataStoreInfo,
    EncodedValue,
    Entry,
    InvalidArgument,
    KeyInfo,
    OrderedEntry,
    Page,
    SnapshotResult,
    StoreKind,
    StoreState,
    VersionInfo,
)
from datastore_manager.model.values import content_md5

MOMENT = datetime(2024, 5, 1, 12, 30, 0, 123456, tzinfo=UTC)


def test_md5_matches_the_facts_example() -> None:
    """FACTS §3 (G-RH): body ``750`` gives ``sTf90fedVsft8zZf6nUg8g==``."""
    assert content_md5("750") == "sTf90fedVsft8zZf6nUg8g=="
    encoded = EncodedValue.from_value(750)
    assert (encoded.text, encoded.md5, encoded.size) == ("750", "sTf90fedVsft8zZf6nUg8g==", 3)


def test_values_serialise_compactly_without_ascii_escapes() -> None:
    encoded = EncodedValue.from_value({"name": "ünï 🎮", "list": [1, 2.5, None, True]})

    assert encoded.text == '{"name":"ünï 🎮","list":[1,2.5,null,true]}'
    assert encoded.size == len(encoded.text)
    assert encoded.md5 == content_md5(encoded.text)


def test_size_counts_characters_and_md5_hashes_utf8_bytes() -> None:
    encoded = EncodedValue.from_text('"é"')

    assert encoded.size == 3
    assert encoded.md5 == "56fxsAwouEP2vshsIhK2Tg=="  # md5 of the 4 UTF-8 bytes 22 c3 a9 22


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {1}, b"x"])
def test_non_json_values_are_invalid(value: object) -> None:
    with pytest.raises(InvalidArgument):
        EncodedValue.from_value(value)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_encoding_round_trips_through_json(value: object) -> None:
    import json

    encoded = EncodedValue.from_value(value)

    assert json.loads(encoded.text) == value
    assert encoded.size == len(encoded.text)


def test_version_info_to_dict_uses_v1_field_names() -> None:
    info = VersionInfo("v1", False, 12, MOMENT, MOMENT)

    assert info.to_dict() == {
        "version": "v1",
        "deleted": False,
        "contentLength": 12,
        "createdTime": "2024-05-01T12:30:00.123456Z",
        "objectCreatedTime": "2024-05-01T12:30:00.123456Z",
    }


def test_entry_to_dict_is_stable() -> None:
    entry = Entry(
        store="S",
        scope="global",
        key="k",
        value={"a": 1},
        version="v2",
        created_time=MOMENT,
        updated_time=MOMENT,
        version_created_time=MOMENT,
        attributes={"LockId": "x"},
        user_ids=(1, 2),
        content_md5="md5",
        size=7,
    )

    assert entry.to_dict() == {
        "store": "S",
        "scope": "global",
        "key": "k",
        "value": {"a": 1},
        "version": "v2",
        "createdTime": "2024-05-01T12:30:00.123456Z",
        "updatedTime": "2024-05-01T12:30:00.123456Z",
        "versionCreatedTime": "2024-05-01T12:30:00.123456Z",
        "attributes": {"LockId": "x"},
        "userIds": [1, 2],
        "contentMd5": "md5",
        "size": 7,
    }


def test_small_value_objects_to_dict() -> None:
    assert KeyInfo("global", "k").to_dict() == {"scope": "global", "key": "k", "deleted": False}
    assert OrderedEntry("B", "global", "p", -3).to_dict() == {
        "store": "B",
        "scope": "global",
        "key": "p",
        "value": -3,
    }
    assert SnapshotResult(True, MOMENT).to_dict() == {
        "newSnapshotTaken": True,
        "latestSnapshotTime": "2024-05-01T12:30:00.123456Z",
    }
    assert DataStoreInfo("S", None).to_dict() == {
        "name": "S",
        "kind": StoreKind.STANDARD.value,
        "state": StoreState.ACTIVE.value,
        "createdTime": None,
        "expireTime": None,
    }


def test_a_page_without_cursor_is_the_last() -> None:
    assert Page(["a"]).next_cursor is None
    assert list(Page(["a", "b"], "c").items) == ["a", "b"]
