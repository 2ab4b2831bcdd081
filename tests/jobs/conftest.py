"""Helpers for job tests: run the real ``dsm`` in a subprocess, snapshot a store's contents."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from datastore_manager.backends.base import DataStoreBackend
from datastore_manager.backends.local.engine import LocalEngine
from datastore_manager.model import EntryWrite
from datastore_manager.model.values import EncodedValue
from datastore_manager.services.audit import AUDIT_DIR_ENV

DSM = [sys.executable, "-m", "datastore_manager.cli.main"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of every dsm run: a private audit log, a fixed backup key."""
    return {
        **os.environ,
        AUDIT_DIR_ENV: str(tmp_path / "audit"),
        "DSM_BACKUP_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "PYTHONUNBUFFERED": "1",
    }


def dsm(
    env: dict[str, str], *args: str, check: bool = True, cwd: Path | None = None
) -> dict[str, Any]:
    """Run ``dsm --json ARGS``; returns its JSON document (asserting exit 0 when ``check``)."""
    done = subprocess.run([*DSM, *args, "--json"], env=env, capture_output=True, text=True, cwd=cwd)
    if check:
        assert done.returncode == 0, done.stderr + done.stdout
    document: dict[str, Any] = json.loads(done.stdout) if done.stdout.strip() else {}
    document["_exit"] = done.returncode
    document["_stderr"] = done.stderr
    return document


def make_store(path: Path, count: int, store: str = "Players") -> None:
    """A local store of ``count`` entries with attributes and user ids (one transaction)."""
    engine = LocalEngine(path)
    try:
        engine.set_entries(
            [
                EntryWrite(
                    store,
                    f"Player_{i:05d}",
                    {"coins": i, "name": f"player {i}", "items": ["sword"] * (i % 4)},
                    attributes={"v": i % 7},
                    user_ids=(i + 1,),
                )
                for i in range(count)
            ]
        )
    finally:
        engine.close()


async def contents(backend: DataStoreBackend) -> dict[str, Any]:
    """Every live standard entry (md5 + metadata) and every ordered entry of the given stores."""
    found: dict[str, Any] = {}
    cursor: str | None = None
    stores = []
    while True:
        page = await backend.list_data_stores(cursor=cursor)
        stores.extend(s.name for s in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    for store in stores:
        cursor = None
        while True:
            keys = await backend.list_keys(store, all_scopes=True, cursor=cursor, limit=256)
            for info in keys.items:
                entry = await backend.get_entry(store, info.key, scope=info.scope)
                found[f"{store}/{info.scope}/{info.key}"] = (
                    EncodedValue.from_value(entry.value).md5,
                    entry.content_md5,
                    entry.attributes,
                    entry.user_ids,
                )
            cursor = keys.next_cursor
            if cursor is None:
                break
    ordered_cursor: str | None = None
    while True:
        page = await backend.list_ordered_data_stores(cursor=ordered_cursor)
        for info in page.items:
            entries = await backend.list_ordered(info.name, limit=100)
            oc = entries.next_cursor
            items = list(entries.items)
            while oc is not None:
                more = await backend.list_ordered(info.name, limit=100, cursor=oc)
                items.extend(more.items)
                oc = more.next_cursor
            for item in items:
                found[f"ordered:{info.name}/{item.scope}/{item.key}"] = item.value
        ordered_cursor = page.next_cursor
        if ordered_cursor is None:
            break
    return found


def versions_per_key(db: Path) -> dict[str, int]:
    """How many versions (tombstones included) each standard key of a local store has."""
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT s.name, e.scope, e.key, count(*) FROM versions v "
            "JOIN entries e ON e.id = v.entry_id JOIN stores s ON s.id = e.store_id GROUP BY e.id"
        ).fetchall()
    return {f"{store}/{scope}/{key}": count for store, scope, key, count in rows}
