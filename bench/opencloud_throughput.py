"""Export entries from `dsm emulator` through the Open Cloud backend under a rate limit.

Prints a table and one JSON line: achieved read requests/min vs the bulk share of the limit,
failures, retries, and cached-reopen latency.

    .venv/bin/python bench/opencloud_throughput.py --entries 2000 --budget-share 1.0
    .venv/bin/python bench/opencloud_throughput.py --entries 2000            # default share 0.5

Run time: reads are paced at share × limit. With Roblox's 300/min (``--rpm 300``) 2,000 entries
take ~7 min at share 1.0 and ~14 min at 0.5; the default ``--rpm 3000`` takes ~45 s / ~85 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from datastore_manager.backends.opencloud import bulk_priority, open_opencloud
from datastore_manager.model import parse_target
from support.emulator import running_emulator

KEY = "bench-key"


async def seed(url: str, entries: int) -> None:
    backend = open_opencloud(
        parse_target("opencloud:1"), api_key=KEY, base_url=url, use_cache=False
    )
    async with backend:
        sem = asyncio.Semaphore(16)

        async def one(i: int) -> None:
            async with sem:
                await backend.set_entry(
                    "Players", f"Player_{i:05d}", {"coins": i, "name": "x" * 40}
                )

        await asyncio.gather(*(one(i) for i in range(entries)))


async def export(url: str, share: float, rpm: int, cache: Path) -> dict[str, float]:
    limits = dict.fromkeys(
        ("standard.read", "standard.write", "standard.list", "standard.remove"), rpm
    ) | dict.fromkeys(("ordered.read", "ordered.write", "ordered.list", "ordered.remove"), rpm)
    backend = open_opencloud(
        parse_target("opencloud:1"),
        api_key=KEY,
        base_url=url,
        budget_share=share,
        requests_per_minute=limits,
        cache_dir=cache,
        cache_key=bytes(32),
    )
    failures = 0
    async with backend:
        with bulk_priority():
            keys, cursor = [], None
            while True:
                page = await backend.list_keys("Players", cursor=cursor, limit=256)
                keys += [k.key for k in page.items]
                cursor = page.next_cursor
                if cursor is None:
                    break
            started = time.monotonic()
            reads_before = backend.client.stats.requests

            async def read(key: str) -> None:
                nonlocal failures
                try:
                    await backend.get_entry("Players", key)
                except Exception:
                    failures += 1

            await asyncio.gather(*(read(k) for k in keys))
            elapsed = time.monotonic() - started
            reads = backend.client.stats.requests - reads_before
        # Cached reopen: an editor reopening an entry it just showed.
        await backend.get_entry("Players", keys[0])
        samples = []
        for _ in range(200):
            t = time.perf_counter()
            await backend.get_entry("Players", keys[0])
            samples.append((time.perf_counter() - t) * 1000)
        stats = backend.client.stats
    achieved = reads / elapsed * 60
    return {
        "budgetShare": share,
        "limitPerMin": rpm,
        "targetPerMin": share * rpm,
        "achievedPerMin": round(achieved, 1),
        "ofShare": round(achieved / (share * rpm), 3),
        "entries": len(keys),
        "seconds": round(elapsed, 1),
        "failures": failures,
        "retries": stats.retries,
        "throttled": stats.throttled,
        "reopenMedianMs": round(statistics.median(samples), 3),
        "reopenP95Ms": round(sorted(samples)[int(len(samples) * 0.95)], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--rpm", type=int, default=3000, help="requests/min per category")
    parser.add_argument("--budget-share", type=float, action="append")
    args = parser.parse_args()
    shares = args.budget_share or [1.0, 0.5]
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "bench.db"
        with running_emulator(data, api_keys=[f"{KEY}=*"], rate_limits="off") as url:
            asyncio.run(seed(url, args.entries))
        limits = {
            "requests_per_minute": dict.fromkeys(
                [
                    f"{k}.{op}"
                    for k in ("standard", "ordered")
                    for op in ("read", "write", "list", "remove")
                ],
                args.rpm,
            )
        }
        for share in shares:
            with running_emulator(data, api_keys=[f"{KEY}=*"], rate_limits=limits) as url:
                results.append(
                    asyncio.run(export(url, share, args.rpm, Path(scratch) / f"c{share}"))
                )
    print(
        f"{'share':>6} {'target/min':>10} {'achieved/min':>12} {'of share':>8} "
        f"{'fail':>4} {'retries':>7} {'429s':>5} {'reopen ms (p50/p95)':>20}"
    )
    for r in results:
        print(
            f"{r['budgetShare']:>6} {r['targetPerMin']:>10.0f} {r['achievedPerMin']:>12.1f} "
            f"{r['ofShare']:>8.1%} {r['failures']:>4} {r['retries']:>7} {r['throttled']:>5} "
            f"{r['reopenMedianMs']:>9.3f}/{r['reopenP95Ms']:.3f}"
        )
    print(json.dumps({"bench": "opencloud_throughput", "results": results}))


if __name__ == "__main__":
    main()
