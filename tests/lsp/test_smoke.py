from __future__ import annotations

from typing import Any

from pytest_lsp import LanguageClient

from .conftest import call


async def test_read(client: LanguageClient) -> None:
    result: Any = await call(client, "dataStore/listConnections", {})
    print(result)
    result = await call(
        client, "dataStore/read", {"uri": "datastore://local/PlayerData/global/Player_1.json"}
    )
    print(result)
