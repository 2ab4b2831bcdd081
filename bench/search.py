"""Search latency on a 100,000-entry index (target: <= 200 ms per query).

Usage: .venv/bin/python bench/search.py [ENTRIES]

Builds an index of ENTRIES synthetic player profiles (the demo's shape) with the real
IndexWriter, then times each query (5 runs, cold first) through SearchIndex.search.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from datastore_manager.services.search import SearchIndex, SearchQuery, parse_condition
from datastore_manager.services.search.index import IndexWriter
from datastore_manager.services.search.sensitive import IndexMasker

ITEMS = ["Sword_Wood", "Sword_Iron", "Bow_Short", "Shield_Oak", "Potion_Heal", "Gem_Ruby"]
QUERIES = {
    "words 'Gem_Ruby'": SearchQuery("Gem_Ruby"),
    "where Data.Coins < 0": SearchQuery(where=(parse_condition("Data.Coins < 0"),)),
    "where Data.Level >= 50 and Gems > 90": SearchQuery(
        where=(parse_condition("Data.Level >= 50"), parse_condition("Data.Gems > 90"))
    ),
    "where Inventory[].Id = Potion_Heal": SearchQuery(
        where=(parse_condition("Data.Inventory[].Id = Potion_Heal"),)
    ),
    "words + where + store": SearchQuery(
        "Sword_Iron", "PlayerData", (parse_condition("Data.Coins > 9000"),)
    ),
    "where Name ~ 'player 4242'": SearchQuery(where=(parse_condition("Name ~ player 4242"),)),
    "no match": SearchQuery("nothingmatchesthis"),
}


def profile(rng: random.Random, i: int) -> dict[str, object]:
    return {
        "Name": f"player {i}",
        "Data": {
            "Coins": rng.randint(-50, 10_000),
            "Gems": rng.randint(0, 100),
            "Level": rng.randint(1, 60),
            "Inventory": [
                {"Id": rng.choice(ITEMS), "Count": rng.randint(1, 5)}
                for _ in range(rng.randint(0, 4))
            ],
            "Settings": {"MusicVolume": 0.5, "SfxVolume": 0.8},
        },
        "MetaData": {"ProfileCreateTime": 1_790_000_000 + i, "SessionLoadCount": i % 40},
    }


def main(count: int) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "index.sqlite"
        started = time.perf_counter()
        writer = IndexWriter(path, "bench", IndexMasker("bench"))
        for start in range(0, count, 5_000):
            writer.add(
                ("PlayerData", "global", f"Player_{i}", profile(rng, i))
                for i in range(start, min(count, start + 5_000))
            )
        writer.finish()
        print(f"indexed {count:,} entries in {time.perf_counter() - started:.1f} s "
              f"({path.stat().st_size / 1e6:.0f} MB)")  # fmt: skip
        index = SearchIndex(path)
        worst = 0.0
        for name, query in QUERIES.items():
            times = []
            for _ in range(5):
                began = time.perf_counter()
                matches, more = index.search(query)
                times.append((time.perf_counter() - began) * 1000)
            worst = max(worst, max(times))
            shown = f"{len(matches)}{'+' if more else ''}"
            print(f"{name:42s} {shown:>4s} matches  median {statistics.median(times):7.1f} ms"
                  f"  max {max(times):7.1f} ms")  # fmt: skip
        index.close()
        print(f"worst query: {worst:.1f} ms (target <= 200 ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
