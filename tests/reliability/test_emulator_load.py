"""The emulator under load: 50 concurrent clients for ``DSM_LOAD_SECONDS`` (default 10 s in the
test command; docs/reliability.md records a 30 s run) → no 5xx except injected ones; p50/p99
latency reported.

Each client loops over a mix of v1 reads, conditional and unconditional writes, increments, key
listings and v2 reads on 200 keys. Run twice: without faults (no 5xx at all) and with
``--faults 5xx=0.05,latency=5ms`` (every 5xx must carry the injected-fault message).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from support.emulator import emulator_process

from .conftest import API_KEY, env_float, percentile, report

CLIENTS = 50
KEYS = 200
UNIVERSE = 3030
STORE = "Load"
INJECTED = "injected fault"


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    unexpected_5xx: list[str] = field(default_factory=list)
    transport_errors: int = 0


async def client_loop(
    http: httpx.AsyncClient, base: str, seed: int, stop: list[float], stats: Stats
) -> None:
    """One client: requests back to back until the deadline (at least one each)."""
    rng = random.Random(seed)
    v1 = f"{base}/datastores/v1/universes/{UNIVERSE}/standard-datastores"
    v2 = f"{base}/cloud/v2/universes/{UNIVERSE}/data-stores/{STORE}"
    done = 0
    while time.monotonic() < stop[0] or done == 0:
        key = f"k{rng.randrange(KEYS)}"
        params = {"datastoreName": STORE, "entryKey": key}
        op = rng.random()
        started = time.perf_counter()
        try:
            if op < 0.4:
                response = await http.get(f"{v1}/datastore/entries/entry", params=params)
            elif op < 0.6:
                body = json.dumps({"n": rng.randrange(10**6), "by": seed}).encode()
                response = await http.post(
                    f"{v1}/datastore/entries/entry",
                    params=params,
                    content=body,
                    headers={"content-type": "application/json"},
                )
            elif op < 0.7:
                response = await http.post(
                    f"{v1}/datastore/entries/entry",
                    params=params | {"matchVersion": "0" * 10},
                    content=b"1",
                    headers={"content-type": "application/json"},
                )
            elif op < 0.8:
                response = await http.post(
                    f"{v1}/datastore/entries/entry/increment",
                    params={"datastoreName": STORE, "entryKey": f"c{rng.randrange(10)}"}
                    | {"incrementBy": "1"},
                )
            elif op < 0.9:
                response = await http.get(
                    f"{v1}/datastore/entries",
                    params={"datastoreName": STORE, "prefix": f"k{rng.randrange(10)}"},
                )
            else:
                response = await http.get(f"{v2}/entries/{key}")
        except httpx.TransportError:
            stats.transport_errors += 1
            continue
        done += 1
        stats.latencies.append(time.perf_counter() - started)
        stats.statuses[response.status_code] = stats.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500 and INJECTED not in response.text:
            stats.unexpected_5xx.append(f"{response.status_code} {response.text[:200]}")


def seed_store(db: Path) -> None:
    from contextlib import closing

    from datastore_manager.backends.local import LocalEngine
    from datastore_manager.model import EntryWrite

    with closing(LocalEngine(db, universe_id=UNIVERSE)) as engine:
        engine.set_entries([EntryWrite(STORE, f"k{n}", {"n": n}) for n in range(KEYS)])


@pytest.mark.timeout(600)
@pytest.mark.parametrize("faults", ["", "5xx=0.05,latency=5ms"], ids=["no-faults", "injected-5xx"])
def test_fifty_clients_get_no_unexpected_5xx(tmp_path: Path, faults: str) -> None:
    seconds = env_float("DSM_LOAD_SECONDS", 10.0)
    db = tmp_path / "load.db"
    seed_store(db)
    stats = Stats()
    with emulator_process(
        db, api_keys=[f"{API_KEY}=*"], faults=faults, seed=5, universe_id=UNIVERSE
    ) as handle:

        async def load() -> float:
            base = handle.base_url
            clients = [  # one connection each: 50 concurrent clients, not one pooled client
                httpx.AsyncClient(
                    headers={"x-api-key": API_KEY},
                    timeout=120,
                    limits=httpx.Limits(max_connections=1),
                )
                for _ in range(CLIENTS)
            ]
            try:
                stop = [time.monotonic() + seconds]
                started = time.perf_counter()
                await asyncio.gather(
                    *(client_loop(http, base, n, stop, stats) for n, http in enumerate(clients))
                )
                return time.perf_counter() - started
            finally:
                for http in clients:
                    await http.aclose()

        elapsed = asyncio.run(load())
        assert handle.process.poll() is None, "the emulator died under load"
    requests = len(stats.latencies)
    injected = sum(count for status, count in stats.statuses.items() if status >= 500)
    report(
        "emulator.load",
        clients=CLIENTS,
        seconds=seconds,
        faults=faults or "none",
        requests=requests,
        requests_per_second=round(requests / elapsed, 1),
        p50_ms=round(percentile(stats.latencies, 0.50) * 1000, 1),
        p99_ms=round(percentile(stats.latencies, 0.99) * 1000, 1),
        max_ms=round(max(stats.latencies) * 1000, 1),
        statuses=dict(sorted(stats.statuses.items())),
        injected_5xx=injected,
        transport_errors=stats.transport_errors,
    )
    assert stats.unexpected_5xx == [], stats.unexpected_5xx[:5]
    assert stats.transport_errors == 0
    assert requests >= CLIENTS, "every client completes at least one request"
    assert set(stats.statuses) <= {200, 204, 404, 412, 500}, stats.statuses
    if faults:
        assert injected > 0, "the fault injection never fired"
    else:
        assert injected == 0
