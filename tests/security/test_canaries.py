"""Canaries, as far as the safety parts go: an API key in the environment and a player's
sensitive value never reach the audit log, the workspace files or human output."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import Workspace

CANARY_KEY = "CANARY-API-KEY-7f3c9b1e2d"
CANARY_VALUE = "canary-player-email-5e8a@example.invalid"


def _files_containing(root: Path, needle: str, *, skip: set[Path]) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and path not in skip and needle.encode() in path.read_bytes():
            hits.append(path)
    return hits


def test_canaries_stay_out_of_logs_files_and_output(workspace: Workspace) -> None:
    ws = workspace
    ws.env["ROBLOX_API_KEY"] = CANARY_KEY
    schema = {
        "type": "object",
        "properties": {
            "Data": {
                "type": "object",
                "properties": {"Email": {"type": "string", "x-sensitive": True}},
            }
        },
    }
    ws.configure(
        {"dev": {"target": "local:game.db"}},
        schemas=[{"fileMatch": ["dev/PlayerData/**"], "schema": schema}],
        security={"sensitive": [{"store": "Secrets*", "path": "/token"}]},
    )
    profile = {"Data": {"Email": CANARY_VALUE, "Coins": 12}}
    assert (
        ws.dsm(
            "set",
            "PlayerData",
            "Player_1",
            "--value",
            json.dumps(profile),
            "--target",
            ws.target,
            "--reason",
            "seed",
        ).code
        == 0
    )
    assert (
        ws.dsm(
            "set",
            "SecretsV2",
            "k",
            "--value",
            json.dumps({"token": CANARY_VALUE}),
            "--target",
            ws.target,
        ).code
        == 0
    )

    shown = ws.dsm("get", "PlayerData", "Player_1", "--target", ws.target)
    assert shown.code == 0 and "Coins" in shown.stdout and "••••••" in shown.stdout
    secret = ws.dsm("get", "SecretsV2", "k", "--target", ws.target)
    assert secret.code == 0 and "••••••" in secret.stdout
    revealed = ws.dsm("get", "PlayerData", "Player_1", "--reveal", "--target", ws.target)
    assert revealed.code == 0 and CANARY_VALUE in revealed.stdout  # editors may reveal
    ws.outputs.remove(revealed.stdout)  # the one place the value was asked for

    ws.configure({"dev": {"target": "local:game.db", "role": "viewer"}})
    denied = ws.dsm("get", "PlayerData", "Player_1", "--reveal", "--target", ws.target)
    assert denied.code == 5 and CANARY_VALUE not in denied.stdout + denied.stderr
    assert ws.dsm("set", "PlayerData", "Player_1", "--value", "1", "--target", ws.target).code == 5
    for command in (["audit", "log"], ["audit", "log", "--json"], ["audit", "verify"]):
        assert ws.dsm(*command).code == 0

    output = "\n".join(ws.outputs)
    assert CANARY_KEY not in output and CANARY_VALUE not in output
    assert _files_containing(ws.root, CANARY_KEY, skip=set()) == []
    # The local store itself holds the player's data by design; nothing else may.
    store_files = {p for p in ws.root.iterdir() if p.name.startswith("game.db")}
    assert _files_containing(ws.root, CANARY_VALUE, skip=store_files) == []
    assert len(ws.audit_records()) == 3
