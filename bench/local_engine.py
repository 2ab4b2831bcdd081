"""Local engine benchmark: key paging on a 1,000,000-key store, bulk and conditional write rates.

Run: ``.venv/bin/python bench/local_engine.py [--keys 1000000] [--db PATH]``. Prints a table and
one JSON line. The peer is raw sqlite3 on the same machine (one INSERT per transaction, and one
batched transaction), so the ratios show what our Open Cloud semantics cost over bare SQLite.
Targets (issue 3): first page ≤ 50 ms, bulk ≥ 5,000 entries/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import tempfile
import time
from pathlib import Path

from datastore_manager.backends.local import LocalBackend, LocalEngine
from datastore_manager.model import EntryWrite

VALUE = {"Data": {"Coins": 1250, "Level": 17, "Inventory": ["Sword", "Shield"] * 20}}
BATCH = 1000


def fill(path: Path, keys: int) -> float:
    """Write ``keys`` entries in batches; returns entries/s."""
    engine = LocalEngine(path)
    started = time.perf_counter()
    for first in range(0, keys, BATCH):
        writes = [
            EntryWrite("PlayerData", f"Player_{n:08d}", VALUE)
            for n in range(first, min(first + BATCH, keys))
        ]
        results = engine.set_entries(writes)
        assert all(not isinstance(r, Exception) for r in results)
    rate = keys / (time.perf_counter() - started)
    engine.close()
    return rate


async def first_page_ms(path: Path, keys: int, runs: int = 20) -> tuple[float, float]:
    """Cold (fresh backend, first call) and the slowest warm first page of keys."""
    started = time.perf_counter()
    async with LocalBackend(path) as backend:
        page = await backend.list_keys("PlayerData", prefix="Player_0000")
        cold = (time.perf_counter() - started) * 1000
        assert page.items and page.next_cursor
        timings = []
        for n in range(runs):
            # Alternate a prefix at the start and one deep in the key space (a seek, not a scan).
            prefix = "Player_0000" if n % 2 else f"Player_{(keys - 1) // 10:07d}"
            t = time.perf_counter()
            assert (await backend.list_keys("PlayerData", prefix=prefix)).items
            timings.append((time.perf_counter() - t) * 1000)
    return cold, max(timings)


async def write_rates(path: Path, count: int) -> tuple[float, float]:
    """Unconditional and conditional (match-version) single writes, one transaction each."""
    async with LocalBackend(path) as backend:
        t = time.perf_counter()
        versions = [await backend.set_entry("Writes", f"k{n}", VALUE) for n in range(count)]
        plain = count / (time.perf_counter() - t)
        t = time.perf_counter()
        for n, info in enumerate(versions):
            await backend.set_entry("Writes", f"k{n}", VALUE, match_version=info.version)
        conditional = count / (time.perf_counter() - t)
    return plain, conditional


def raw_sqlite_rates(path: Path, count: int) -> tuple[float, float]:
    """The peer: bare sqlite3 (WAL, synchronous=NORMAL), same value size."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)")
    text = json.dumps(VALUE)
    t = time.perf_counter()
    for n in range(count):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO kv VALUES (?, ?)", (f"a{n}", text))
        db.execute("COMMIT")
    single = count / (time.perf_counter() - t)
    t = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO kv VALUES (?, ?)", ((f"b{n}", text) for n in range(count * 5)))
    db.execute("COMMIT")
    batched = count * 5 / (time.perf_counter() - t)
    db.close()
    return single, batched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=3000)
    parser.add_argument("--db", type=Path, help="reuse a filled store at this path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = args.db or Path(tmp) / "big.db"
        fill_rate = fill(big, args.keys) if not big.exists() else float("nan")
        cold, warm = asyncio.run(first_page_ms(big, args.keys))
        plain, conditional = asyncio.run(write_rates(Path(tmp) / "writes.db", args.writes))
        raw_single, raw_batched = raw_sqlite_rates(Path(tmp) / "raw.db", args.writes)
    rows = [
        ("first page of keys, cold (ms)", cold, None, "≤ 50"),
        ("first page of keys, warm, worst prefix (ms)", warm, None, "≤ 50"),
        ("bulk write, batched (entries/s)", fill_rate, raw_batched, "≥ 5,000"),
        ("single write, 1 txn each (entries/s)", plain, raw_single, ""),
        ("conditional write, match-version (entries/s)", conditional, raw_single, ""),
    ]
    print(f"store of {args.keys:,} keys")
    print(f"{'metric':<50} {'ours':>12} {'raw sqlite3':>12} {'ours/peer':>10} {'target':>9}")
    for name, ours, peer, target in rows:
        ratio = f"{ours / peer:.2f}" if peer else "-"
        peer_text = f"{peer:,.0f}" if peer else "-"
        print(f"{name:<50} {ours:>12,.1f} {peer_text:>12} {ratio:>10} {target:>9}")
    print(
        json.dumps(
            {
                "bench": "local_engine",
                "keys": args.keys,
                "first_page_cold_ms": round(cold, 2),
                "first_page_warm_worst_ms": round(warm, 3),
                "bulk_entries_per_s": None if fill_rate != fill_rate else round(fill_rate),
                "single_writes_per_s": round(plain),
                "conditional_writes_per_s": round(conditional),
                "raw_sqlite_single_per_s": round(raw_single),
                "raw_sqlite_batched_per_s": round(raw_batched),
            }
        )
    )


if __name__ == "__main__":
    main()
