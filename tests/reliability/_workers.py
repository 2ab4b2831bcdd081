"""Worker processes of the reliability suites, run as ``python _workers.py KIND ARGS...``.

Kept free of test-only imports so that a fresh interpreter can run them.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from pathlib import Path

from datastore_manager.backends.local import LocalBackend, LocalEngine
from datastore_manager.model import EntryNotFound, EntryWrite, JsonValue, PreconditionFailed

RACE_STORE, RACE_KEY = "Race", "counter"


async def race_worker(db: Path, go_file: Path, increments: int) -> dict[str, int]:
    """Conditional read-modify-write increments of the race counter until ``increments`` apply."""
    applied = conflicts = attempts = 0
    async with LocalBackend(db) as backend:
        while not go_file.exists():
            await asyncio.sleep(0.002)
        while applied < increments:
            seen = await backend.get_entry(RACE_STORE, RACE_KEY)
            assert isinstance(seen.value, dict)
            value = dict(seen.value)
            value["count"] += 1
            attempts += 1
            try:
                await backend.set_entry(RACE_STORE, RACE_KEY, value, match_version=seen.version)
            except PreconditionFailed as conflict:
                assert conflict.current_version != seen.version
                conflicts += 1
                await asyncio.sleep(random.uniform(0, 0.03))  # back off, as a real client does
            else:
                applied += 1
    return {"applied": applied, "conflicts": conflicts, "attempts": attempts}


CRASH_STORE, MARKER_KEY = "Crash", "progress"


def batch_items(batch: int, size: int) -> dict[str, JsonValue]:
    """The entries batch ``batch`` writes (deterministic, so a resumed run can be compared)."""
    return {
        f"batch-{batch:05d}-item-{item:02d}": {
            "batch": batch,
            "item": item,
            "payload": f"{batch}:{item}:" + "x" * 400,
        }
        for item in range(size)
    }


def batch_writer(db: Path, batches: int, size: int) -> None:
    """Resumable bulk writer on the local engine: batch b and the progress marker {"next": b+1}
    commit in ONE transaction (set_entries), the marker conditional on the version read. Prints
    ``ready`` once open, then ``committed B`` after each commit returns."""
    engine = LocalEngine(db)
    try:
        try:
            marker = engine.get_entry(CRASH_STORE, MARKER_KEY)
            assert isinstance(marker.value, dict)
            start, version = int(marker.value["next"]), marker.version  # type: ignore[arg-type]
        except EntryNotFound:
            start, version = 0, None
        print("ready", flush=True)
        for batch in range(start, batches):
            writes = [
                EntryWrite(CRASH_STORE, key, value, exclusive_create=True)
                for key, value in batch_items(batch, size).items()
            ]
            writes.append(
                EntryWrite(
                    CRASH_STORE,
                    MARKER_KEY,
                    {"next": batch + 1},
                    match_version=version,
                    exclusive_create=version is None,
                )
            )
            results = engine.set_entries(writes)
            failed = [r for r in results if isinstance(r, Exception)]
            if failed:
                raise SystemExit(f"batch {batch} refused: {failed[0]}")
            last = results[-1]
            assert not isinstance(last, Exception)
            version = last.version
            print(f"committed {batch}", flush=True)
    finally:
        engine.close()


def main(argv: list[str]) -> None:
    kind, *args = argv
    if kind == "race":
        outcome = asyncio.run(race_worker(Path(args[0]), Path(args[1]), int(args[2])))
        print(json.dumps(outcome), flush=True)
    elif kind == "batch":
        batch_writer(Path(args[0]), int(args[1]), int(args[2]))
    else:
        raise SystemExit(f"unknown worker kind {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
