"""Prefix listings in the local engine seek an index range; edge characters must not lose keys."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from datastore_manager.backends.local import LocalEngine
from datastore_manager.model import EntryWrite


@pytest.mark.parametrize(
    ("prefix", "matching", "other"),
    [
        ("a", ["a", "a\x00", "a\U0010ffff", "ab"], ["b", "`", "\x00"]),
        ("a\U0010ffff", ["a\U0010ffff", "a\U0010ffffz"], ["b", "a"]),
        ("\ud7ff", ["\ud7ff", "\ud7ffx"], ["\ue000", "\ud7fe"]),
        ("x\x00", ["x\x00", "x\x00y"], ["x", "x\x01"]),
        ("", ["anything", "else"], []),
    ],
)
def test_prefix_lists_exactly_the_keys_that_start_with_it(
    tmp_path: Path, prefix: str, matching: list[str], other: list[str]
) -> None:
    engine = LocalEngine(tmp_path / "s.db")
    for key in matching + other:
        engine.set_entry("S", key, 1)
    listed = [info.key for info in engine.list_keys("S", prefix=prefix, limit=100).items]
    assert listed == sorted(matching)


def test_prefix_deep_in_a_large_store_seeks_instead_of_scanning(tmp_path: Path) -> None:
    engine = LocalEngine(tmp_path / "s.db")
    writes = [EntryWrite("S", f"k{n:06d}", n) for n in range(60_000)]
    for first in range(0, len(writes), 5_000):
        engine.set_entries(writes[first : first + 5_000])
    started = time.perf_counter()
    for _ in range(20):
        page = engine.list_keys("S", prefix="k0599", limit=5)
        missing = engine.list_keys("S", prefix="k9", limit=5)
    per_call_ms = (time.perf_counter() - started) / 40 * 1000
    assert [info.key for info in page.items] == [f"k0599{n:02d}" for n in range(5)]
    assert missing.items == []
    # A scan of 60,000 index rows takes tens of milliseconds; a seek well under one.
    assert per_call_ms < 5, per_call_ms
