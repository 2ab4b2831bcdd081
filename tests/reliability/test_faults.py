"""Faults: our Open Cloud backend against ``dsm emulator --faults`` never applies a write twice
and never reports a write that did not happen; backup + restore through faults is lossless.

``5xx_after`` / ``reset_after`` apply the operation and then fail the response, the real Open
Cloud hazard ("a failed write call does not prove that no write happened"). Plain ``5xx`` /
``reset`` / ``429`` fail without applying. Seeds are fixed so a failure replays exactly.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from datastore_manager.backends import open_backend
from datastore_manager.backends.local import LocalBackend, LocalEngine
from datastore_manager.model import EntryWrite, PreconditionFailed, Unavailable
from support.emulator import running_emulator

from .conftest import API_KEY, DSM, UNLIMITED_BUDGET, env_float, report, stopwatch

UNIVERSE = 91
STORE = "Faults"
INCREMENTS = 150
FAULTS_AFTER = "5xx_after=0.2,reset_after=0.1"
FAULTS_MIXED = "5xx=0.1,429=0.05,reset=0.05,5xx_after=0.15,reset_after=0.05"


@dataclass
class Outcome:
    ok_values: list[int] = field(default_factory=list)
    unknown: int = 0  # Unavailable: "may or may not have been applied; not resent"


def backend_for(base: str) -> Any:
    return open_backend(
        f"opencloud:{UNIVERSE}",
        api_key=API_KEY,
        base_url=base,
        requests_per_minute=UNLIMITED_BUDGET,
        use_cache=False,
    )


async def increments(base: str, key: str, count: int) -> Outcome:
    outcome = Outcome()
    async with backend_for(base) as backend:
        for _ in range(count):
            try:
                entry = await backend.increment_entry(STORE, key, 1)
            except Unavailable:
                outcome.unknown += 1
            else:
                assert isinstance(entry.value, int)
                outcome.ok_values.append(entry.value)
    return outcome


async def version_count(backend: LocalBackend, key: str) -> int:
    total, cursor = 0, None
    while True:
        page = await backend.list_versions(STORE, key, cursor=cursor, limit=100)
        total += len(page.items)
        if page.next_cursor is None:
            return total
        cursor = page.next_cursor


async def stored_counter(db: Path, key: str) -> tuple[int, int]:
    """(the counter's value, how many versions it has) straight from the data file."""
    async with LocalBackend(db) as backend:
        entry = await backend.get_entry(STORE, key)
        versions = await version_count(backend, key)
    assert isinstance(entry.value, int)
    return entry.value, versions


@pytest.mark.parametrize(
    ("faults", "seed"),
    [
        pytest.param(FAULTS_AFTER, 11, id="5xx_after+reset_after"),
        pytest.param(FAULTS_MIXED, 12, id="mixed"),
    ],
)
def test_increments_are_never_double_applied_or_lost(
    tmp_path: Path, faults: str, seed: int
) -> None:
    db = tmp_path / "game.db"
    key = "counter"
    with (
        running_emulator(
            db, api_keys=[f"{API_KEY}=*"], faults=faults, seed=seed, universe_id=UNIVERSE
        ) as base,
        stopwatch() as timing,
    ):
        outcome = asyncio.run(increments(base, key, INCREMENTS))
    value, versions = asyncio.run(stored_counter(db, key))
    report(
        "faults.increments",
        faults=faults,
        increments=INCREMENTS,
        succeeded=len(outcome.ok_values),
        unknown=outcome.unknown,
        stored=value,
        seconds=timing["seconds"],
    )
    # Each applied increment is one version of +1: the stored value counts applications.
    assert value == versions
    # A successful call reports a distinct, increasing counter: never another call's write.
    assert outcome.ok_values == sorted(set(outcome.ok_values)), "an increment was reported twice"
    # Every reported success happened; an "unknown" may or may not have; nothing else did.
    assert len(outcome.ok_values) <= value <= len(outcome.ok_values) + outcome.unknown
    assert value == len(outcome.ok_values) + outcome.unknown or outcome.unknown > 0
    assert outcome.unknown == 0, f"{outcome.unknown} increments ended with an unknown outcome"
    assert value == INCREMENTS


async def conditional_client(base: str, key: str, target: int, writer: int) -> tuple[int, int, int]:
    applied = conflicts = unknowns = 0
    async with backend_for(base) as backend:
        while applied < target:
            seen = await backend.get_entry(STORE, key)
            assert isinstance(seen.value, dict)
            # writer + attempt make every value unique, so reconciliation by content is exact
            attempt = applied + conflicts
            value = {"count": seen.value["count"] + 1, "writer": writer, "attempt": attempt}
            try:
                await backend.set_entry(STORE, key, value, match_version=seen.version)
            except PreconditionFailed:
                conflicts += 1
            except Unavailable as unknown:
                # "Outcome unknown": the version after ours holds our exact value, but the
                # backend cannot exclude an identical write by another client. Our values are
                # unique (writer + attempt), so this client can settle it: does the version
                # after the one it matched hold its value? (Not "is it among the newest
                # versions": under retries the others may have written 50 more meanwhile.)
                assert "Outcome unknown" in unknown.message
                if await successor_holds(backend, key, seen.version, value):
                    applied += 1
                    unknowns += 1
                else:
                    conflicts += 1
            else:
                applied += 1
    return applied, conflicts, unknowns


async def successor_holds(backend: Any, key: str, matched: str, value: dict[str, int]) -> bool:
    """Whether the version right after ``matched`` holds ``value``: a write conditional on
    ``matched`` can only ever be that version. Walks the whole history back to ``matched``, not
    just the newest page: other writers may have added any number of versions meanwhile."""
    newer, cursor = None, None
    while True:
        page = await backend.list_versions(STORE, key, descending=True, cursor=cursor, limit=100)
        for version in page.items:
            if version.version == matched:
                if newer is None:
                    return False
                entry = await backend.get_entry(STORE, key, version=newer.version)
                return bool(entry.value == value)
            newer = version
        cursor = page.next_cursor
        assert cursor is not None, f"version {matched} is missing from the history"


def test_conditional_read_modify_write_race_under_faults(tmp_path: Path) -> None:
    """4 clients × 25 conditional increments with every fault kind on: exactly 100 applied."""
    db, key, clients, each = tmp_path / "game.db", "rmw", 4, 25
    with closing(LocalEngine(db, universe_id=UNIVERSE)) as engine:
        engine.set_entry(STORE, key, {"count": 0})
    with (
        running_emulator(
            db, api_keys=[f"{API_KEY}=*"], faults=FAULTS_MIXED, seed=13, universe_id=UNIVERSE
        ) as base,
        stopwatch() as timing,
    ):

        async def race() -> list[tuple[int, int, int]]:
            return await asyncio.gather(
                *(conditional_client(base, key, each, writer) for writer in range(clients))
            )

        results = asyncio.run(race())

    async def final() -> tuple[Any, int]:
        async with LocalBackend(db) as backend:
            entry = await backend.get_entry(STORE, key)
            versions = await version_count(backend, key)
        return entry.value, versions

    value, versions = asyncio.run(final())
    report(
        "faults.conditional_race",
        applied=sum(a for a, _, _ in results),
        conflicts=sum(c for _, c, _ in results),
        outcome_unknown=sum(u for _, _, u in results),
        stored=value,
        seconds=timing["seconds"],
    )
    assert [a for a, _, _ in results] == [each] * clients
    assert isinstance(value, dict) and value["count"] == clients * each
    assert versions == clients * each + 1, "a conditional write was applied twice"


def test_first_increment_of_a_new_key_survives_a_failed_attempt(tmp_path: Path) -> None:
    db = tmp_path / "game.db"
    with running_emulator(
        db, api_keys=[f"{API_KEY}=*"], faults="5xx=0.5", seed=3, universe_id=UNIVERSE
    ) as base:

        async def first_increments() -> list[int]:
            async with backend_for(base) as backend:
                return [
                    int((await backend.increment_entry(STORE, f"new-{n}", 1)).value)  # type: ignore[arg-type]
                    for n in range(10)
                ]

        values = asyncio.run(first_increments())
    assert values == [1] * 10


# ---- backup + restore through faults (the CLI: dsm backup / dsm restore) ---------------------

#: The guarantee is for 2,000 entries; DSM_FAULTS_ENTRIES may shrink it for a quick local try.
BACKUP_ENTRIES = int(env_float("DSM_FAULTS_ENTRIES", 2000))
BACKUP_FAULTS = "5xx=0.2,429=0.1,reset=0.05"
#: Big emulator budgets, learnt by the client from x-ratelimit-limit: this is a fault test.
BIG_LIMITS = {
    "requests_per_minute": {
        f"{kind}.{op}": 200_000
        for kind in ("standard", "ordered")
        for op in ("read", "write", "list", "remove")
    },
    "universe_write_bytes": 0,
    "key_write_bytes": 0,
}


def seed_source(db: Path) -> None:
    writes = [
        EntryWrite(
            f"Store{n % 4}",
            f"Player_{n}",
            {"coins": n * 7, "items": [f"sword-{n}"] * (n % 5), "name": f"Ñame {n} ✓"},
            attributes={"Season": n % 3} if n % 2 else None,
            user_ids=(n,) if n % 3 else None,
        )
        for n in range(BACKUP_ENTRIES)
    ]
    with closing(LocalEngine(db, universe_id=UNIVERSE)) as engine:
        for start in range(0, len(writes), 500):
            results = engine.set_entries(writes[start : start + 500])
            assert not [r for r in results if isinstance(r, Exception)]


async def latest_entries(db: Path) -> dict[tuple[str, str, str], tuple[str, Any, tuple[int, ...]]]:
    """(store, scope, key) → (md5 of the stored bytes, attributes, user ids) of every entry."""
    found: dict[tuple[str, str, str], tuple[str, Any, tuple[int, ...]]] = {}
    async with LocalBackend(db) as backend:
        stores = await backend.list_data_stores()
        for store in stores.items:
            cursor: str | None = None
            while True:
                page = await backend.list_keys(store.name, cursor=cursor, limit=500)
                for info in page.items:
                    entry = await backend.get_entry(store.name, info.key, scope=info.scope)
                    found[(store.name, info.scope, info.key)] = (
                        entry.content_md5,
                        entry.attributes,
                        entry.user_ids,
                    )
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
    return found


def run_dsm(args: list[str], base: str, cwd: Path, timeout: float) -> dict[str, Any]:
    env = {
        **os.environ,
        "DSM_BASE_URL": base,
        "ROBLOX_API_KEY": API_KEY,
        "DSM_CACHE_DIR": "off",
        "DSM_BUDGET_SHARE": "1",
    }
    done = subprocess.run(
        [*DSM, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"dsm {' '.join(args)} exited {done.returncode}:\n{done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.timeout(3600)  # LONG: ~20 min (each 429 pauses its category for Retry-After: 1 s)
def test_backup_and_restore_2000_entries_through_faults_are_md5_identical(tmp_path: Path) -> None:
    source, copy, archive = tmp_path / "source.db", tmp_path / "copy.db", tmp_path / "b.dsm"
    seed_source(source)
    LocalEngine(copy, universe_id=UNIVERSE).close()
    options: dict[str, Any] = {
        "api_keys": [f"{API_KEY}=*"],
        "faults": BACKUP_FAULTS,
        "rate_limits": BIG_LIMITS,
        "universe_id": UNIVERSE,
    }
    target = f"opencloud:{UNIVERSE}"
    with stopwatch() as timing:
        with running_emulator(source, seed=21, **options) as base:
            backed_up = run_dsm(
                ["--json", "backup", "--out", str(archive), "--quiet", "--target", target],
                base,
                tmp_path,
                timeout=1500,
            )
        run_dsm(["--json", "backup", "verify", str(archive)], base, tmp_path, timeout=120)
        with running_emulator(copy, seed=22, **options) as base:
            restored = run_dsm(
                ["--json", "restore", str(archive), "--quiet", "--target", target],
                base,
                tmp_path,
                timeout=1800,
            )
    report(
        "faults.backup_restore",
        entries=BACKUP_ENTRIES,
        faults=BACKUP_FAULTS,
        backup=backed_up,
        restore=restored,
        seconds=timing["seconds"],
    )
    original, result = asyncio.run(latest_entries(source)), asyncio.run(latest_entries(copy))
    assert len(original) == BACKUP_ENTRIES
    assert result == original, "the restored universe differs from the source"
