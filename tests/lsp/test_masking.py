"""Hover masks ``x-sensitive`` values unless an editor/admin turned ``reveal`` on."""

from __future__ import annotations

import json
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from datastore_manager.services.masking import MASK

from .conftest import open_doc

SECRET = "ana@example.com"


def _document(workspace: Path) -> str:
    schema = {
        "type": "object",
        "properties": {
            "Email": {"type": "string", "x-sensitive": True, "title": "Contact e-mail"},
            "Recovery": {"type": "object", "x-sensitive": True},
            "Coins": {"type": "integer", "title": "Coins"},
        },
    }
    path = workspace / "schemas" / "secret.schema.json"
    path.write_text(json.dumps(schema), "utf-8")
    value = {
        "$schema": path.as_uri(),
        "Email": SECRET,
        "Recovery": {"Phone": "+44 7700 900123"},
        "Coins": 5,
    }
    return json.dumps(value, indent=2)


async def _hover(client: LanguageClient, uri: str, line: int, character: int) -> str:
    result = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, character))
    )
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    return result.contents.value


def _configure(client: LanguageClient, **settings: object) -> None:
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"dataStoreManager": settings})
    )


async def test_hover_masks_sensitive_values_unless_revealed(
    client: LanguageClient, workspace: Path
) -> None:
    uri = "datastore://local/PlayerData/global/Secret.json"
    text = _document(workspace)
    open_doc(client, uri, text)
    lines = text.splitlines()
    email = next(i for i, line in enumerate(lines) if '"Email"' in line)
    phone = next(i for i, line in enumerate(lines) if '"Phone"' in line)
    coins = next(i for i, line in enumerate(lines) if '"Coins"' in line)

    masked = await _hover(client, uri, email, 15)
    assert SECRET not in masked and f"Sensitive value: `{MASK}`" in masked
    assert "**Contact e-mail**" in masked
    nested = await _hover(client, uri, phone, 16)  # under a sensitive object
    assert "+44" not in nested and MASK in nested
    plain = await _hover(client, uri, coins, 6)
    assert "Sensitive" not in plain and "**Coins**" in plain

    _configure(client, reveal=True)  # an editor asks to reveal
    revealed = await _hover(client, uri, email, 15)
    assert f'Sensitive value (revealed): `"{SECRET}"`' in revealed

    _configure(client, reveal=True, role="viewer")  # a viewer cannot reveal
    again = await _hover(client, uri, email, 15)
    assert SECRET not in again and MASK in again
