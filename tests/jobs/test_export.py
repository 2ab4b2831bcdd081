"""``dsm export``: every live entry, once, in JSONL or CSV, with its value and metadata."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from .conftest import dsm, make_store


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_writes_every_entry_with_its_metadata(
    tmp_path: Path, env: dict[str, str], fmt: str
) -> None:
    store, out = tmp_path / "game.db", tmp_path / f"out.{fmt}"
    make_store(store, 300)

    dry = dsm(env, "export", "--target", f"local:{store}", "--out", str(out), "--dry-run")
    assert not out.exists() and dry["stores"] == {"Players": 300}

    summary = dsm(env, "export", "--target", f"local:{store}", "--out", str(out), "--format", fmt)

    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    else:
        with open(out, encoding="utf-8", newline="") as handle:
            rows = [
                {**row, **{c: json.loads(row[c]) for c in ("value", "attributes", "userIds")}}
                for row in csv.DictReader(handle)
            ]
    assert summary["counts"]["processed"] == len(rows) == 300
    by_key = {row["key"]: row for row in rows}
    assert by_key["Player_00007"]["value"]["coins"] == 7
    assert by_key["Player_00007"]["attributes"] == {"v": 0}
    assert by_key["Player_00007"]["userIds"] == [8]
    again = dsm(env, "export", "--target", f"local:{store}", "--out", str(out), check=False)
    assert again["_exit"] == 2  # never overwrites
