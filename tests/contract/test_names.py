"""Awkward names (unicode, ``/``, ``%``, ``#``, ``?``, ``@``, spaces, emoji) survive every path.

These matter most for HTTP backends, where names travel in URLs: a missed escape shows up here.
``..`` is left out: Roblox refuses it in URL path segments (FACTS §10), so such entries are
unreachable over Open Cloud whatever the client does.
"""

from __future__ import annotations

import pytest

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.model import EntryDeleted, KeyInfo, OrderedEntry

from .conftest import Seeder
from .factories.base import FULL_HISTORY, ORDERED
from .helpers import all_key_names, all_store_names, collect

AWKWARD_NAMES = [
    pytest.param("Player Data", id="space"),
    pytest.param("  padded  ", id="leading-trailing-spaces"),
    pytest.param("a/b/c", id="slash"),
    pytest.param("100%", id="percent"),
    pytest.param("%2F%20", id="percent-escapes"),
    pytest.param("#hash", id="hash"),
    pytest.param("what?x=1&y=2", id="query"),
    pytest.param("key@latest", id="at-revision-selector"),
    pytest.param("a+b=c;d,e", id="plus-equals-semicolon"),
    pytest.param("ünïcödé 日本語", id="unicode"),
    pytest.param("🎮🔥 emoji", id="emoji"),
    pytest.param('quote"back\\slash', id="quote-backslash"),
]


@pytest.mark.parametrize("name", AWKWARD_NAMES)
async def test_awkward_store_scope_and_key_names_round_trip(
    backend: DataStoreBackend, name: str
) -> None:
    written = await backend.set_entry(name, name, {"name": name}, scope=name)
    await backend.set_entry(name, "plain", 1)

    entry = await backend.get_entry(name, name, scope=name)
    assert (entry.store, entry.scope, entry.key, entry.value) == (name, name, name, {"name": name})
    assert (await backend.get_entry(name, name, scope=name, version=written.version)).value == {
        "name": name
    }
    assert await all_store_names(backend) == [name]
    assert await all_key_names(backend, name, scope=name) == [name]
    assert await all_key_names(backend, name) == ["plain"]
    if "/" not in name:  # AllScopes addresses entries as "scope/key": a "/" in a scope is ambiguous
        listed = await collect(
            lambda cursor: backend.list_keys(
                name, all_scopes=True, prefix=f"{name}/", cursor=cursor
            )
        )
        assert listed == [KeyInfo(name, name)]
    assert (await backend.increment_entry(name, f"{name}#n", 2, scope=name)).value == 2

    await backend.delete_entry(name, name, scope=name)
    with pytest.raises(EntryDeleted):
        await backend.get_entry(name, name, scope=name)


@pytest.mark.requires(FULL_HISTORY)
@pytest.mark.parametrize("name", AWKWARD_NAMES)
async def test_awkward_names_in_version_listings(seeded: Seeder, name: str) -> None:
    async def write(backend: DataStoreBackend) -> list[str]:
        return [(await backend.set_entry(name, name, n, scope=name)).version for n in range(3)]

    async with seeded(write) as (backend, versions):
        listed = (await backend.list_versions(name, name, scope=name)).items
        assert [info.version for info in listed] == versions


@pytest.mark.requires(ORDERED)
@pytest.mark.parametrize("name", AWKWARD_NAMES)
async def test_awkward_names_in_ordered_stores(seeded: Seeder, name: str) -> None:
    async def write(backend: DataStoreBackend) -> None:
        await backend.create_ordered(name, name, 7, scope=name)

    async with seeded(write) as (backend, _):
        expected = OrderedEntry(name, name, name, 7)
        assert await backend.get_ordered(name, name, scope=name) == expected
        assert list((await backend.list_ordered(name, scope=name)).items) == [expected]


async def test_names_differing_only_in_case_or_normalisation_are_distinct(
    backend: DataStoreBackend,
) -> None:
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    for key in ("Key", "key", composed, decomposed):
        await backend.set_entry("S", key, key)

    for key in ("Key", "key", composed, decomposed):
        assert (await backend.get_entry("S", key)).value == key
    assert sorted(await all_key_names(backend, "S")) == sorted(["Key", "key", composed, decomposed])
