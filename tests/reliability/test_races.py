"""Races: 8 clients × 125 conditional read-modify-write increments of one counter.

Exactly 1,000 increments must be applied, and every attempt that lost the race must have been
told so (a 412 / PreconditionFailed), never silently dropped or double-applied. Three paths:
raw v1 HTTP against ``dsm emulator`` (``matchVersion``), our Open Cloud backend against the
emulator, and the local engine from 8 OS processes sharing one SQLite file.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from datastore_manager.backends.local import LocalBackend
from datastore_manager.model import PreconditionFailed
from support.emulator import running_emulator

from ._workers import RACE_KEY, RACE_STORE
from .conftest import API_KEY, UNLIMITED_BUDGET, report, stopwatch

CLIENTS = 8
INCREMENTS = 125
TOTAL = CLIENTS * INCREMENTS
STORE, KEY = RACE_STORE, RACE_KEY
UNIVERSE = 77
WORKERS = Path(__file__).with_name("_workers.py")


@dataclass
class Tally:
    applied: int = 0
    conflicts: int = 0
    attempts: int = 0


async def back_off() -> None:
    """What a real client does after losing a race: a short random pause, so the 8 clients do
    not all re-read at once (it changes how often they collide, never the outcome)."""
    await asyncio.sleep(random.uniform(0, 0.004 * CLIENTS))


def v1_entry_url(base: str) -> str:
    return f"{base}/datastores/v1/universes/{UNIVERSE}/standard-datastores/datastore/entries/entry"


async def seed_counter(db: Path) -> str:
    async with LocalBackend(db, universe_id=UNIVERSE) as backend:
        return (await backend.set_entry(STORE, KEY, {"count": 0})).version


async def history(db: Path) -> tuple[int, list[str]]:
    """The counter's final value and every version id, oldest first."""
    async with LocalBackend(db) as backend:
        entry = await backend.get_entry(STORE, KEY)
        versions: list[str] = []
        cursor: str | None = None
        while True:
            page = await backend.list_versions(STORE, KEY, cursor=cursor, limit=100)
            versions.extend(info.version for info in page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert isinstance(entry.value, dict)
    return int(entry.value["count"]), versions


def check_outcome(tallies: list[Tally], count: int, versions: list[str], initial: str) -> None:
    assert [t.applied for t in tallies] == [INCREMENTS] * CLIENTS
    assert count == TOTAL, f"{count} increments survived, expected exactly {TOTAL}"
    assert len(versions) == TOTAL + 1, "one version per applied write plus the initial one"
    assert len(set(versions)) == len(versions) and versions[0] == initial
    for tally in tallies:  # every attempt either applied or was told it lost
        assert tally.attempts == tally.applied + tally.conflicts
    assert sum(t.conflicts for t in tallies) > 0, "the clients never collided: no race tested"


# ---- raw v1 HTTP ---------------------------------------------------------------------------


async def raw_http_client(base: str, start: asyncio.Event) -> Tally:
    tally = Tally()
    url, params = v1_entry_url(base), {"datastoreName": STORE, "entryKey": KEY}
    async with httpx.AsyncClient(headers={"x-api-key": API_KEY}, timeout=30) as http:
        await start.wait()
        while tally.applied < INCREMENTS:
            got = await http.get(url, params=params)
            assert got.status_code == 200, got.text
            seen = got.headers["roblox-entry-version"]
            value = got.json()
            value["count"] += 1
            tally.attempts += 1
            put = await http.post(
                url,
                params=params | {"matchVersion": seen},
                content=json.dumps(value).encode(),
                headers={"content-type": "application/json"},
            )
            if put.status_code == 200:
                tally.applied += 1
            else:
                assert put.status_code == 412, f"{put.status_code}: {put.text}"
                assert put.headers["roblox-entry-version"] != seen, "412 must name the new version"
                tally.conflicts += 1
                await back_off()
    return tally


def race_through_emulator(
    db: Path, client: Callable[[str, asyncio.Event], Awaitable[Tally]], name: str
) -> None:
    """CLIENTS copies of ``client`` against one emulator, released together; then the checks."""
    initial = asyncio.run(seed_counter(db))
    with running_emulator(db, api_keys=[f"{API_KEY}=*"]) as base, stopwatch() as timing:

        async def race() -> list[Tally]:
            start = asyncio.Event()
            tasks = [asyncio.create_task(client(base, start)) for _ in range(CLIENTS)]
            await asyncio.sleep(0.2)
            start.set()
            return await asyncio.gather(*tasks)

        tallies = asyncio.run(race())
    count, versions = asyncio.run(history(db))
    report(
        name,
        applied=count,
        conflicts=sum(t.conflicts for t in tallies),
        seconds=timing["seconds"],
    )
    check_outcome(tallies, count, versions, initial)


def test_raw_v1_http_match_version_race(tmp_path: Path) -> None:
    race_through_emulator(tmp_path / "game.db", raw_http_client, "races.raw_v1_http")


# ---- our Open Cloud backend ----------------------------------------------------------------


async def backend_client(base: str, start: asyncio.Event) -> Tally:
    from datastore_manager.backends import open_backend

    tally = Tally()
    backend = open_backend(
        f"opencloud:{UNIVERSE}",
        api_key=API_KEY,
        base_url=base,
        requests_per_minute=UNLIMITED_BUDGET,
        use_cache=False,
    )
    async with backend:
        await start.wait()
        while tally.applied < INCREMENTS:
            seen = await backend.get_entry(STORE, KEY)
            assert isinstance(seen.value, dict)
            value = dict(seen.value)
            value["count"] += 1
            tally.attempts += 1
            try:
                await backend.set_entry(STORE, KEY, value, match_version=seen.version)
            except PreconditionFailed as conflict:
                assert conflict.current_version != seen.version
                tally.conflicts += 1
                await back_off()
            else:
                tally.applied += 1
    return tally


def test_opencloud_backend_match_version_race(tmp_path: Path) -> None:
    race_through_emulator(tmp_path / "game.db", backend_client, "races.opencloud_backend")


# ---- local engine, 8 OS processes ----------------------------------------------------------


def test_local_engine_eight_process_race(tmp_path: Path) -> None:
    db, go_file = tmp_path / "race.db", tmp_path / "go"
    initial = asyncio.run(seed_counter(db))
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKERS), "race", str(db), str(go_file), str(INCREMENTS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(CLIENTS)
    ]
    with stopwatch() as timing:
        time.sleep(1.0)  # every worker opens the file and waits at the start line
        go_file.touch()
        tallies = []
        for worker in workers:
            out, err = worker.communicate(timeout=240)
            assert worker.returncode == 0, f"worker failed:\n{err}"
            tallies.append(Tally(**json.loads(out.strip().splitlines()[-1])))
    count, versions = asyncio.run(history(db))
    report(
        "races.local_engine_8_processes",
        applied=count,
        conflicts=sum(t.conflicts for t in tallies),
        seconds=timing["seconds"],
    )
    check_outcome(tallies, count, versions, initial)
