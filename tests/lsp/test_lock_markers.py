"""``sessionLock`` markers on ``dataStore/listKeys`` items, against the real ``dsm serve``: on the
demo universe (``dsm demo``: ProfileService saves with live and stale session locks), and over
Open Cloud (a real emulator), where only entries the server already holds are marked."""

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
from support.emulator import running_emulator

from .conftest import DSM, start
from .test_connection_settings import KEY, UNIVERSE, configure, server_env, serving
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


async def test_open_cloud_marks_only_entries_the_server_holds(
    tmp_path: Path, seeded_db: Path
) -> None:
    """Over Open Cloud (a real emulator) listing spends no reads on markers: a locked key is
    marked once the server has read it, and the read budget shows no extra requests."""
    data = tmp_path / "emulator"
    data.mkdir()
    shutil.copy(seeded_db, data / f"universe-{UNIVERSE}.db")
    root = tmp_path / "workspace"
    root.mkdir()
    with running_emulator(data, api_keys=[f"{KEY}=*"]) as url:
        configure(root, {"emu": {"target": f"opencloud:{UNIVERSE}", "baseUrl": url}})
        async with serving(root, server_env(tmp_path), {"apiKeys": {"emu": KEY}}) as client:
            params = {"connection": "emu", "store": "PlayerData", "limit": 100}
            before = await request(client, "dataStore/listKeys", params)
            assert len(before["items"]) == 59
            assert not any("sessionLock" in item for item in before["items"])

            locked = "datastore://emu/PlayerData/global/Player_2.json"
            read = await request(client, "dataStore/read", {"uri": locked})
            assert read["sessionLock"]["live"] is True
            after = await request(client, "dataStore/listKeys", params)
            marked = {i["key"]: i["sessionLock"] for i in after["items"] if "sessionLock" in i}
            assert marked == {
                "Player_2": {
                    "state": "live",
                    "library": "ProfileService",
                    "holder": "ProfileService (place 1234, server job-abc)",
                    "since": marked["Player_2"]["since"],
                }
            }
            # the busiest request category this minute: a few lists and reads, not 59 reads
            tested = await request(client, "dataStore/testConnection", {"connection": "emu"})
            assert tested["budget"]["used"] < 10, tested["budget"]
