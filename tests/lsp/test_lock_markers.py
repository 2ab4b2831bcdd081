"""``sessionLock`` markers on ``dataStore/listKeys`` items, against the real ``dsm serve`` on the
demo universe (``dsm demo``: ProfileService saves with live and stale session locks)."""

from __future__ import annotations

import asyncio
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from datastore_manager.demo import DemoSummary, create_demo

from .conftest import DSM, start
from .test_requests import request


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    with ThreadPoolExecutor(1) as pool:  # pytest-lsp already runs an event loop here
        summary = pool.submit(asyncio.run, create_demo(db)).result()
    return db, summary


@pytest.fixture
def demo_workspace(tmp_path: Path, demo_db: tuple[Path, DemoSummary]) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    shutil.copy(demo_db[0], root / "demo.db")
    config = {"connections": {"demo": {"target": "local:demo.db"}}}
    (root / ".datastore-manager.json").write_text(json.dumps(config))
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=DSM))
async def demo(lsp_client: LanguageClient, demo_workspace: Path) -> Any:
    await start(lsp_client, demo_workspace)
    yield lsp_client
    await lsp_client.shutdown_session()


async def all_keys(client: LanguageClient, store: str, scope: str = "global") -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"connection": "demo", "store": store, "scope": scope}
        params |= {"limit": 100, "includeDeleted": True} | ({"cursor": cursor} if cursor else {})
        page = await request(client, "dataStore/listKeys", params)
        items += page["items"]
        cursor = page["nextCursor"]
        if cursor is None:
            return items


async def test_demo_keys_carry_live_and_stale_locks(
    demo: LanguageClient, demo_db: tuple[Path, DemoSummary]
) -> None:
    summary = demo_db[1]
    items = await all_keys(demo, "PlayerData")
    assert len(items) == len(summary.player_keys) == 240
    marked = {item["key"]: item["sessionLock"] for item in items if "sessionLock" in item}
    live = {key for key, lock in marked.items() if lock["state"] == "live"}
    stale = {key for key, lock in marked.items() if lock["state"] == "stale"}
    assert live == set(summary.live_locked_keys) and len(live) == 12
    assert stale == set(summary.stale_locked_keys) and len(stale) == 8
    assert not any(item["deleted"] for item in items if item["key"] in marked)

    key = summary.live_locked_keys[0]
    value = json.loads(
        (await request(demo, "dataStore/read", {"uri": marked_uri(items, key)}))["content"]
    )
    place, job = value["MetaData"]["ActiveSession"]
    lock = marked[key]
    assert lock["library"] == "ProfileService"
    assert lock["holder"] == f"ProfileService (place {place}, server {job})"
    since = datetime.fromisoformat(lock["since"].replace("Z", "+00:00"))
    assert since == datetime.fromtimestamp(value["MetaData"]["LastUpdate"], UTC)
    assert (datetime.now(UTC) - since).total_seconds() < 1800  # live: a save under 30 min ago

    # a store of other values (inventories: no MetaData) gets no markers
    inventory = await all_keys(demo, "Inventory")
    assert inventory and not any("sessionLock" in item for item in inventory)


def marked_uri(items: list[Any], key: str) -> str:
    return str(next(item["uri"] for item in items if item["key"] == key))
