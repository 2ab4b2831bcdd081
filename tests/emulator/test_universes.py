"""Folder mode: one emulator serves every universe id, each from its own store file."""

from __future__ import annotations

from pathlib import Path

import httpx

from support.emulator import running_emulator


def _entry_url(base: str, universe: int) -> str:
    return f"{base}/cloud/v2/universes/{universe}/data-stores/Coins/entries"


def test_folder_serves_each_universe_from_its_own_file(tmp_path: Path):
    with running_emulator(tmp_path) as base:
        client = httpx.Client(headers={"x-api-key": "any"})
        for universe, value in ((11, 1), (22, 2)):
            created = client.post(
                _entry_url(base, universe), params={"id": "k"}, json={"value": value}
            )
            assert created.status_code == 200, created.text
        assert client.get(f"{_entry_url(base, 11)}/k").json()["value"] == 1
        assert client.get(f"{_entry_url(base, 22)}/k").json()["value"] == 2
        # A universe never written to is empty, not an error.
        empty = client.get(_entry_url(base, 33))
        assert empty.status_code == 200
        assert empty.json().get("dataStoreEntries", []) == []
    assert sorted(p.name for p in tmp_path.glob("universe-*.db")) == [
        "universe-11.db",
        "universe-22.db",
        "universe-33.db",
    ]


def test_single_file_refuses_other_universes(tmp_path: Path):
    with running_emulator(tmp_path / "one.db", universe_id=5) as base:
        client = httpx.Client(headers={"x-api-key": "any"})
        assert client.get(_entry_url(base, 5)).status_code == 200
        other = client.get(_entry_url(base, 6))
        assert other.status_code == 403
        assert "serves universe 5" in other.json()["message"]
