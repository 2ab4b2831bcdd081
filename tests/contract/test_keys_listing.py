"""``list_keys``: one scope or all scopes, prefixes, deleted keys (read tests on seeded data)."""

from __future__ import annotations

import pytest

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.model import KeyInfo
from datastore_manager.model.limits import DEFAULT_SCOPE

from .conftest import Seeder
from .helpers import collect

KEYS_BY_SCOPE = {
    DEFAULT_SCOPE: ["User_1", "User_2", "User_10", "Admin_1", "user_lower"],
    "special": ["User_3", "Guild_9"],
    "u": ["User_1"],
}


async def write_scoped_keys(backend: DataStoreBackend) -> None:
    for scope, keys in KEYS_BY_SCOPE.items():
        for key in keys:
            await backend.set_entry("PlayerData", key, f"{scope}:{key}", scope=scope)
    await backend.set_entry("Other", "User_1", "other store")
    await backend.set_entry("PlayerData", "User_gone", "x")
    await backend.delete_entry("PlayerData", "User_gone")


async def keys(
    backend: DataStoreBackend,
    *,
    scope: str = DEFAULT_SCOPE,
    all_scopes: bool = False,
    prefix: str = "",
    include_deleted: bool = False,
) -> list[KeyInfo]:
    """Every page of one listing of PlayerData, two keys a page."""
    return await collect(
        lambda cursor: backend.list_keys(
            "PlayerData",
            scope=scope,
            all_scopes=all_scopes,
            prefix=prefix,
            include_deleted=include_deleted,
            cursor=cursor,
            limit=2,
        )
    )


async def test_keys_of_one_scope_in_key_order(seeded: Seeder) -> None:
    async with seeded(write_scoped_keys) as (backend, _):
        listed = await keys(backend)

        expected = sorted(KEYS_BY_SCOPE[DEFAULT_SCOPE])
        assert listed == [KeyInfo(DEFAULT_SCOPE, key) for key in expected]
        assert await keys(backend, scope="special") == [
            KeyInfo("special", "Guild_9"),
            KeyInfo("special", "User_3"),
        ]


async def test_prefix_is_case_sensitive_and_literal(seeded: Seeder) -> None:
    async with seeded(write_scoped_keys) as (backend, _):
        assert [info.key for info in await keys(backend, prefix="User_1")] == [
            "User_1",
            "User_10",
        ]
        assert [info.key for info in await keys(backend, prefix="user")] == ["user_lower"]
        assert await keys(backend, prefix="Nobody") == []


async def test_keys_of_a_scope_nobody_wrote_are_an_empty_listing(seeded: Seeder) -> None:
    async with seeded(write_scoped_keys) as (backend, _):
        assert await keys(backend, scope="never-used") == []


async def test_all_scopes_lists_every_scope_then_key(seeded: Seeder) -> None:
    async with seeded(write_scoped_keys) as (backend, _):
        listed = await keys(backend, all_scopes=True)

        expected = sorted(
            (scope, key) for scope, scope_keys in KEYS_BY_SCOPE.items() for key in scope_keys
        )
        assert [(info.scope, info.key) for info in listed] == expected
        assert not any(info.deleted for info in listed)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        pytest.param(
            "global/User_1", [("global", "User_1"), ("global", "User_10")], id="scope-and-key"
        ),
        pytest.param("spe", [("special", "Guild_9"), ("special", "User_3")], id="scope-part"),
        pytest.param("special/", [("special", "Guild_9"), ("special", "User_3")], id="scope/"),
        pytest.param("u/", [("u", "User_1")], id="short-scope"),
        pytest.param("User_1", [], id="bare-key-matches-nothing"),
    ],
)
async def test_all_scopes_prefix_applies_to_scope_slash_key(
    seeded: Seeder, prefix: str, expected: list[tuple[str, str]]
) -> None:
    async with seeded(write_scoped_keys) as (backend, _):
        listed = await keys(backend, all_scopes=True, prefix=prefix)

        assert [(info.scope, info.key) for info in listed] == expected


async def test_include_deleted_marks_tombstoned_keys(seeded: Seeder) -> None:
    async with seeded(write_scoped_keys) as (backend, _):
        listed = await keys(backend, prefix="User_", include_deleted=True)

        assert listed == [
            KeyInfo(DEFAULT_SCOPE, "User_1"),
            KeyInfo(DEFAULT_SCOPE, "User_10"),
            KeyInfo(DEFAULT_SCOPE, "User_2"),
            KeyInfo(DEFAULT_SCOPE, "User_gone", deleted=True),
        ]
        assert KeyInfo(DEFAULT_SCOPE, "User_gone", True) not in await keys(backend)
