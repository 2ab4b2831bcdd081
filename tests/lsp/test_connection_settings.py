"""Connection settings of the language server, against the real ``dsm serve``: an emulator URL
connection (``baseUrl``, a real ``dsm emulator`` over loopback), the Open Cloud cache size
(``cache.maxSizeMB``), the default idle write timeout of protected connections
(``protectedConnections.idleWriteTimeoutMinutes``) and the scopes of ordered stores."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import diskcache  # type: ignore[import-untyped]
import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from datastore_manager.model import InvalidArgument
from datastore_manager.services import roles
from datastore_manager.services.config import load_workspace_config, merge_settings
from support.emulator import running_emulator

from .conftest import DSM
from .test_requests import check, failure, request

TESTS = Path(__file__).resolve().parents[1]
KEY = "emulator-secret-key-4242"
UNIVERSE = 4242
BOARD = "datastore://{}/%3Aordered/Leaderboard"


def server_env(tmp_path: Path) -> dict[str, str]:
    """A private disk cache folder and a file keyring (the cache key lives in the keyring)."""
    path = os.pathsep.join(filter(None, (str(TESTS), os.environ.get("PYTHONPATH"))))
    return {
        **os.environ,
        "PYTHONPATH": path,
        "DSM_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHON_KEYRING_BACKEND": "security.file_keyring.FileKeyring",
        "DSM_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
    }


@asynccontextmanager
async def serving(
    root: Path, env: dict[str, str], options: dict[str, Any]
) -> AsyncIterator[LanguageClient]:
    check("initializationOptions.params", options)
    client = await ClientServerConfig(DSM, server_env=env).start()
    assert isinstance(client, LanguageClient)
    await client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=root.as_uri(),
            initialization_options=options,
        )
    )
    try:
        yield client
    finally:
        await client.shutdown_session()


def configure(root: Path, connections: dict[str, Any]) -> None:
    (root / ".datastore-manager.json").write_text(json.dumps({"connections": connections}))


def change_settings(client: LanguageClient, settings: dict[str, Any]) -> None:
    check("initializationOptions.params", settings)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"dataStoreManager": settings})
    )


def names(listing: dict[str, Any]) -> list[str]:
    return [item["name"] for item in listing["items"]]


# ---- an emulator URL connection --------------------------------------------------------------


async def test_emulator_url_connection_reads_through_the_emulator(
    tmp_path: Path, seeded_db: Path
) -> None:
    data = tmp_path / "emulator"
    data.mkdir()
    shutil.copy(seeded_db, data / f"universe-{UNIVERSE}.db")
    root = tmp_path / "workspace"
    root.mkdir()
    with running_emulator(data, api_keys=[f"{KEY}=*"]) as url:
        emulator = {
            "target": f"opencloud:{UNIVERSE}",
            "baseUrl": url + "/",
            "orderedScopes": {"Leaderboard": ["season-2", "season-1"]},
        }
        configure(root, {"emu": emulator})
        options = {"apiKeys": {"emu": KEY}, "cache": {"maxSizeMB": 1}}
        async with serving(root, server_env(tmp_path), options) as client:
            listed = await request(client, "dataStore/listConnections", {})
            assert listed["configError"] is None
            assert [(c["name"], c["kind"], c["hasApiKey"]) for c in listed["connections"]] == [
                ("emu", "opencloud", True)
            ]
            assert listed["connections"][0]["baseUrl"] == url  # normalised: no trailing slash
            stores = await request(client, "dataStore/listStores", {"connection": "emu"})
            assert [s["name"] for s in stores["items"]] == ["PlayerData"]
            read = await request(
                client, "dataStore/read", {"uri": "datastore://emu/PlayerData/global/Player_1.json"}
            )
            assert json.loads(read["content"])["Data"]["Coins"] == 20
            tested = await request(client, "dataStore/testConnection", {"connection": "emu"})
            assert tested["ok"] is True and tested["kind"] == "opencloud"

            # Open Cloud cannot list ordered scopes: global plus the configured ones, sorted
            scopes = await request(client, "dataStore/readDirectory", {"uri": BOARD.format("emu")})
            assert names(scopes) == ["global", "season-1", "season-2"]
            assert scopes["items"][1]["uri"] == BOARD.format("emu") + "/season-1"

            # the cache was opened with the configured size limit
            cache = diskcache.Cache(str(tmp_path / "cache" / str(UNIVERSE)))
            try:
                assert cache.size_limit == 1024 * 1024
            finally:
                cache.close()

            # maxSizeMB 0: backends opened from now on write no disk cache
            other = {"target": f"opencloud:{UNIVERSE + 1}", "baseUrl": url}
            configure(root, {"emu": emulator, "emu2": other})
            change_settings(
                client, {"apiKeys": {"emu": KEY, "emu2": KEY}, "cache": {"maxSizeMB": 0}}
            )
            stores = await request(client, "dataStore/listStores", {"connection": "emu2"})
            assert stores["items"] == []
            assert not (tmp_path / "cache" / str(UNIVERSE + 1)).exists()
            assert (data / f"universe-{UNIVERSE + 1}.db").exists()  # it did reach the emulator

            # a changed API key (e.g. the connection re-added) opens a new backend
            change_settings(client, {"apiKeys": {"emu": "wrong-key"}})
            tested = await request(client, "dataStore/testConnection", {"connection": "emu"})
            assert tested["ok"] is False
            change_settings(client, {"apiKeys": {"emu": KEY}})
            tested = await request(client, "dataStore/testConnection", {"connection": "emu"})
            assert tested["ok"] is True

            logged = " ".join(m.message for m in client.log_messages)
            assert KEY not in logged
    assert KEY not in (root / ".datastore-manager.json").read_text()


# ---- configuration errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("connection", "expected"),
    [
        (
            {"target": "local:game.db", "baseUrl": "http://127.0.0.1:8787"},
            "baseUrl only applies to opencloud: targets",
        ),
        ({"target": "opencloud:1", "baseUrl": "ftp://127.0.0.1"}, "is not an http(s) URL"),
        ({"target": "opencloud:1", "baseUrl": "http://u:hunter2@h"}, "user name or password"),
        ({"target": "opencloud:1", "orderedScopes": {"Board": [""]}}, "orderedScopes:"),
    ],
)
def test_bad_connection_options_are_clear_config_errors(
    tmp_path: Path, connection: dict[str, Any], expected: str
) -> None:
    configure(tmp_path, {"bad": connection})
    with pytest.raises(InvalidArgument) as caught:
        load_workspace_config(tmp_path)
    assert expected in caught.value.message and "'bad'" in caught.value.message
    assert "hunter2" not in caught.value.message
    with pytest.raises(InvalidArgument) as caught:  # the same from the editor's settings
        merge_settings(None, {}, {"connections": {"bad": connection}})
    assert expected in caught.value.message


async def test_bad_settings_are_reported_and_change_nothing(
    tmp_path: Path, workspace: Path
) -> None:
    async with serving(workspace, server_env(tmp_path), {}) as client:
        config = json.loads((workspace / ".datastore-manager.json").read_text())
        config["connections"]["local"]["baseUrl"] = "http://127.0.0.1:8787"
        (workspace / ".datastore-manager.json").write_text(json.dumps(config))
        config_uri = (workspace / ".datastore-manager.json").as_uri()
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                [types.FileEvent(config_uri, types.FileChangeType.Changed)]
            )
        )
        listed = await request(client, "dataStore/listConnections", {})
        assert "baseUrl only applies to opencloud: targets" in listed["configError"]
        assert listed["connections"] == []  # the broken file defines nothing

        del config["connections"]["local"]["baseUrl"]
        (workspace / ".datastore-manager.json").write_text(json.dumps(config))
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"dataStoreManager": {"cache": {"maxSizeMB": -1}}}
            )
        )
        listed = await request(client, "dataStore/listConnections", {})
        assert listed["configError"] == "Setting cache.maxSizeMB must be a number of 0 or more."
        assert [c["name"] for c in listed["connections"]] == ["local"]


async def test_a_key_that_cannot_list_versions_can_still_open_entries(
    tmp_path: Path, seeded_db: Path
) -> None:
    """stat falls back to reading the entry when the key lacks versions:list (the editor
    otherwise fails to open every entry with "The editor could not be opened")."""
    data = tmp_path / "emulator"
    data.mkdir()
    shutil.copy(seeded_db, data / f"universe-{UNIVERSE}.db")
    root = tmp_path / "workspace"
    root.mkdir()
    reader = f"{KEY}=universe-datastores.objects:read,universe-datastores.objects:list"
    with running_emulator(data, api_keys=[reader]) as url:
        configure(root, {"emu": {"target": f"opencloud:{UNIVERSE}", "baseUrl": url}})
        async with serving(root, server_env(tmp_path), {"apiKeys": {"emu": KEY}}) as client:
            uri = "datastore://emu/PlayerData/global/Player_1.json"
            stat = await request(client, "dataStore/stat", {"uri": uri})
            read = await request(client, "dataStore/read", {"uri": uri})
            assert stat["type"] == "file" and stat["version"] == read["version"]
            assert stat["size"] == len(
                json.dumps(json.loads(read["content"]), separators=(",", ":"))
            )
            _code, refused = await failure(client, "dataStore/listVersions", {"uri": uri})
            assert "universe-datastores.versions:list" in json.dumps(refused)


# ---- the idle write timeout of protected connections ----------------------------------------


def test_idle_default_reaches_protected_connections_without_their_own() -> None:
    config = roles.WorkspaceConfig(
        None,
        {
            "connections": {
                "prod": {"target": "opencloud:1", "protected": True},
                "stage": {"target": "opencloud:2", "protected": True, "idleTimeoutMinutes": 30},
                "dev": {"target": "local:dev.db"},
            }
        },
    )
    prod = roles.resolve_policy("prod", config, default_idle_minutes=5)
    stage = roles.resolve_policy("stage", config, default_idle_minutes=5)
    dev = roles.resolve_policy("dev", config, default_idle_minutes=5)
    assert (prod.idle_timeout_minutes, stage.idle_timeout_minutes) == (5, 30)
    assert dev.idle_timeout_minutes is None
    assert roles.resolve_policy("prod", config).idle_timeout_minutes == 15

    now = [1000.0]
    access = roles.WriteAccess(clock=lambda: now[0])
    access.grant(prod)
    now[0] += 5 * 60 - 1
    access.check(prod)  # 4 min 59 s idle: still granted
    now[0] += 5 * 60 + 1
    with pytest.raises(roles.WriteAccessExpired):
        access.check(prod)


async def test_idle_write_timeout_setting_in_the_server(tmp_path: Path, workspace: Path) -> None:
    configure(workspace, {"prod": {"target": "local:game.db", "protected": True}})
    options = {"protectedConnections": {"idleWriteTimeoutMinutes": 0.01}}  # 0.6 s
    async with serving(workspace, server_env(tmp_path), options) as client:
        listed = await request(client, "dataStore/listConnections", {})
        assert listed["connections"][0]["idleTimeoutMinutes"] == 0.01
        uri = "datastore://prod/PlayerData/global/Player_4.json"
        read = await request(client, "dataStore/read", {"uri": uri})
        intent = {"confirmed": True, "reason": "idle timeout test"}
        params = {"uri": uri, "content": "1", "expectedVersion": read["version"]} | intent
        await request(client, "dataStore/enableWrites", {"connection": "prod"})
        written = await request(client, "dataStore/write", params)
        await asyncio.sleep(0.8)
        params["expectedVersion"] = written["version"]
        code, data = await failure(client, "dataStore/write", params)
        assert (code, data["refusal"], data["idleTimeoutMinutes"]) == (1013, "idle", 0.01)


# ---- ordered-store scopes --------------------------------------------------------------------


async def test_local_ordered_store_lists_its_real_scopes(tmp_path: Path, workspace: Path) -> None:
    configure(
        workspace,
        {"local": {"target": "local:game.db", "orderedScopes": {"Leaderboard": ["unused"]}}},
    )
    async with serving(workspace, server_env(tmp_path), {}) as client:
        entry = BOARD.format("local") + "/season-1/Player_9.json"
        await request(client, "dataStore/orderedSet", {"uri": entry, "value": 9, "mode": "create"})
        scopes = await request(client, "dataStore/readDirectory", {"uri": BOARD.format("local")})
        assert names(scopes) == ["global", "season-1"] and scopes["nextCursor"] is None
        first = await request(
            client, "dataStore/readDirectory", {"uri": BOARD.format("local"), "limit": 1}
        )
        assert names(first) == ["global"] and first["nextCursor"] is not None
        rest = await request(
            client,
            "dataStore/readDirectory",
            {"uri": BOARD.format("local"), "limit": 1, "cursor": first["nextCursor"]},
        )
        assert names(rest) == ["season-1"] and rest["nextCursor"] is None
        season = await request(
            client, "dataStore/readDirectory", {"uri": scopes["items"][1]["uri"]}
        )
        assert names(season) == ["Player_9"]


async def test_local_and_snapshot_backends_list_ordered_scopes(tmp_path: Path) -> None:
    from datastore_manager.backends.local import LocalBackend
    from datastore_manager.backends.snapshot import SnapshotBackend
    from datastore_manager.services.jobs.backup import BackupJob, BackupOptions

    source, archive = tmp_path / "game.db", tmp_path / "game.dsm"
    async with LocalBackend(source) as local:
        await local.create_ordered("Board", "a", 1, scope="season-2")
        await local.create_ordered("Board", "b", 2)
        await local.create_ordered("Board", "c", 3, scope="season-2")
        await local.create_ordered("Other", "d", 4, scope="x")
        scopes = await local.list_ordered_scopes("Board")
        assert scopes == ["global", "season-2"]
        assert await local.list_ordered_scopes("Missing") == []
        options = BackupOptions(out=archive, ordered_scopes=tuple(scopes))
        await BackupJob(local, f"local:{source}", options).run()
    async with SnapshotBackend(archive) as snapshot:
        assert await snapshot.list_ordered_scopes("Board") == ["global", "season-2"]
