"""A real ``dsm serve`` process over stdio, a workspace with a config, a schema and a seeded
local store (LocalBackend), driven by pytest-lsp's client."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from datastore_manager.backends.local import LocalBackend

DSM = [sys.executable, "-m", "datastore_manager.cli.main", "serve"]

PLAYER_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Player profile",
    "type": "object",
    "required": ["Data", "MetaData"],
    "properties": {
        "Data": {
            "type": "object",
            "title": "Game data",
            "required": ["Coins", "Level"],
            "additionalProperties": False,
            "properties": {
                "Coins": {"type": "integer", "minimum": 0, "description": "Soft currency."},
                "Level": {"type": "integer", "minimum": 1, "maximum": 100},
                "Class": {"enum": ["Knight", "Mage", "Rogue"]},
                "Inventory": {"type": "array", "items": {"type": "string"}},
            },
        },
        "MetaData": {"type": "object"},
    },
}


def profile(coins: int, *, locked: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"ProfileCreateTime": 1700000000, "SessionLoadCount": 3}
    if locked:
        import time

        meta |= {"ActiveSession": [1234, "job-abc"], "LastUpdate": int(time.time()) - 60}
    return {"Data": {"Coins": coins, "Level": 3, "Class": "Mage"}, "MetaData": meta}


async def seed(db: Path) -> None:
    async with LocalBackend(db) as backend:
        await backend.set_entry("PlayerData", "Player_1", profile(10), user_ids=[1])
        await backend.set_entry("PlayerData", "Player_1", profile(20), user_ids=[1])
        await backend.set_entry("PlayerData", "Player_2", profile(5, locked=True))
        bad = profile(7)
        bad["Data"]["Coins"] = -1
        await backend.set_entry("PlayerData", "Player_3", bad)
        for i in range(4, 60):
            await backend.set_entry("PlayerData", f"Player_{i}", profile(i))
        await backend.create_ordered("Leaderboard", "Player_1", 100)


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("seed") / "game.db"
    # Seeded on its own thread: pytest-lsp's fixture already runs an event loop here.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, seed(db)).result()
    return db


@pytest.fixture
def workspace(tmp_path: Path, seeded_db: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    shutil.copy(seeded_db, root / "game.db")
    (root / "schemas").mkdir()
    (root / "schemas" / "player.schema.json").write_text(json.dumps(PLAYER_SCHEMA, indent=2))
    (root / "fixtures").mkdir()
    config = {
        "connections": {"local": {"target": "local:game.db"}},
        "schemas": [
            {
                "fileMatch": ["local/PlayerData/*/*", "fixtures/*.json"],
                "url": "./schemas/player.schema.json",
            }
        ],
    }
    (root / ".datastore-manager.json").write_text(json.dumps(config))
    return root


def capabilities(pull: bool) -> types.ClientCapabilities:
    text = types.TextDocumentClientCapabilities(
        diagnostic=types.DiagnosticClientCapabilities() if pull else None,
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(),
    )
    return types.ClientCapabilities(
        text_document=text, window=types.WindowClientCapabilities(work_done_progress=True)
    )


async def start(client: LanguageClient, root: Path, *, pull: bool = False) -> None:
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(pull),
            root_uri=root.as_uri(),
            initialization_options={"formatting": {"tabSize": 2}},
        )
    )


@pytest_lsp.fixture(config=ClientServerConfig(server_command=DSM))
async def client(lsp_client: LanguageClient, workspace: Path) -> Any:
    await start(lsp_client, workspace)
    yield lsp_client
    await lsp_client.shutdown_session()


async def call(client: LanguageClient, method: str, params: dict[str, Any]) -> Any:
    return await client.protocol.send_request_async(method, params)


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "json", version, text))
    )
