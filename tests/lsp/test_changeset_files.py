"""Files of a ``dsm pull`` folder get the diagnostics of the entry they hold: the schema the
workspace maps to ``<connection>/<store>/<scope>/<key>`` and the Roblox size/value checks
(the real ``dsm serve`` process; the folder is written as ``dsm pull`` lays it out)."""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from datastore_manager.services.changesets import layout

from .conftest import open_doc
from .test_acceptance import diagnostics_for

BAD_LEVEL = '{"Data": {"Coins": 1, "Level": 0}, "MetaData": {"x": [1, null]}}'


async def test_pulled_file_is_validated_like_its_entry(
    client: LanguageClient, workspace: Path
) -> None:
    changes = workspace / "changes"
    layout.save_sidecar(changes, layout.Sidecar(f"local:{workspace / 'game.db'}", "local"))
    pulled = changes / layout.relative_path("PlayerData", "global", "Player_1")
    pulled.parent.mkdir(parents=True)
    open_doc(client, pulled.as_uri(), BAD_LEVEL)
    found = await diagnostics_for(client, pulled.as_uri())
    assert sorted((d.code, d.message[:16]) for d in found) == [
        ("roblox-value", "null in an array"),  # as for the entry: Luau would drop it
        ("schema", "0 is less than t"),  # the schema mapped to local/PlayerData/*/*
    ]

    # The same layout outside a changeset folder (no sidecar) maps to nothing.
    elsewhere = workspace / "copy" / "PlayerData" / "global" / "Player_1.json"
    open_doc(client, elsewhere.as_uri(), BAD_LEVEL)
    assert await diagnostics_for(client, elsewhere.as_uri()) == []
