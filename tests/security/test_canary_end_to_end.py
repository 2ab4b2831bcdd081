"""Issue 8's canary acceptance, end to end: a canary API key and a canary player value through
a full scenario — a seeded local store served by ``dsm emulator`` (which accepts only the canary
key), real ``dsm`` runs against ``opencloud:UNIVERSE --base-url URL`` (API key from
``ROBLOX_API_KEY``) reading and writing the value through the encrypted Open Cloud cache, an
encrypted backup, ``dsm audit log``. Then the canary key is on no disk we touched and in no
captured output, and the canary value is nowhere in plaintext under the cache or in the backup.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from datastore_manager.backends.local.engine import LocalEngine
from datastore_manager.model import EntryWrite
from support.emulator import emulator_process

from .file_keyring import BACKEND, FILE_ENV

CANARY_KEY = "CANARY-E2E-API-KEY-3d91c0a7f4b2"
CANARY_VALUE = "canary-e2e-player-email-8b1f@example.invalid"
UNIVERSE = 7_100_200_300
DSM = [sys.executable, "-m", "datastore_manager.cli.main"]
TESTS = Path(__file__).resolve().parents[1]


def _hits(root: Path, needle: str) -> list[Path]:
    """Files under ``root`` holding ``needle`` as UTF-8, UTF-16 or base64-free raw bytes."""
    forms = {needle.encode(), needle.encode("utf-16-le"), needle.encode("utf-16-be")}
    return [
        path
        for path in root.rglob("*")
        if path.is_file() and any(form in path.read_bytes() for form in forms)
    ]


def test_canary_key_and_value_through_emulator_cache_backup_and_audit(tmp_path: Path) -> None:
    work, data, cache = tmp_path / "work", tmp_path / "emulator-data", tmp_path / "cache"
    audit, home, scratch = tmp_path / "audit", tmp_path / "home", tmp_path / "tmp"
    for folder in (work, data, home, scratch):
        folder.mkdir()
    (work / ".datastore-manager.json").write_text(
        json.dumps({"connections": {"game": {"target": f"opencloud:{UNIVERSE}"}}}), "utf-8"
    )
    store = data / f"universe-{UNIVERSE}.db"
    engine = LocalEngine(store, universe_id=UNIVERSE)
    try:  # the seeded player: the canary value is in the game's own store, by design
        engine.set_entries(
            [EntryWrite("PlayerData", "Player_1", {"Email": CANARY_VALUE, "Coins": 5})]
        )
    finally:
        engine.close()

    base = {k: v for k, v in os.environ.items() if not k.startswith(("DSM_", "ROBLOX_"))}
    env = base | {
        "ROBLOX_API_KEY": CANARY_KEY,
        "DSM_CACHE_DIR": str(cache),
        "DSM_AUDIT_DIR": str(audit),
        "HOME": str(home),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "TMPDIR": str(scratch),
        "PYTHON_KEYRING_BACKEND": BACKEND,  # cache and backup keys in a file keyring
        FILE_ENV: str(home / "keyring.json"),
        "PYTHONPATH": os.pathsep.join([str(TESTS), base.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "COLUMNS": "200",
    }
    outputs: list[str] = []

    def dsm(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*DSM, *args], cwd=work, env=env, capture_output=True, text=True, timeout=120
        )
        outputs.extend((done.stdout, done.stderr))
        assert done.returncode == 0, done.stderr + done.stdout
        return done

    backup = work / "backup.dsm"
    with emulator_process(data, api_keys=[f"{CANARY_KEY}=*"]) as emulator:
        env["DSM_BASE_URL"] = emulator.base_url  # what the global --base-url exports
        remote = ["--target", f"opencloud:{UNIVERSE}"]
        first = dsm(
            "--base-url", emulator.base_url, "get", "PlayerData", "Player_1", "--json", *remote
        )
        assert json.loads(first.stdout)["value"]["Email"] == CANARY_VALUE
        profile = {"Email": CANARY_VALUE, "Coins": 6, "Note": CANARY_VALUE[::-1]}
        dsm("set", "PlayerData", "Player_1", "--value", json.dumps(profile), *remote)
        again = dsm("get", "PlayerData", "Player_1", "--json", *remote)  # served via the cache
        assert json.loads(again.stdout)["value"] == profile
        dsm("keys", "list", "PlayerData", "--json", *remote)
        dsm("backup", "--out", str(backup), "--encrypt", "--quiet", *remote)
        dsm("audit", "log")
        log = dsm("audit", "log", "--json")
        dsm("audit", "verify")
        outputs.append(emulator.stderr_text())

    records = json.loads(log.stdout)
    records = records if isinstance(records, list) else records["records"]
    assert any(r["operation"] == "set" and r["outcome"] == "ok" for r in records)
    assert (cache / str(UNIVERSE) / "cache.db").is_file()  # the value really went through it
    assert backup.is_file() and (audit / "workspace.jsonl").is_file()

    # The key: in no captured output, on no disk we gave dsm (the emulator's store included).
    assert [CANARY_KEY in text for text in outputs] == [False] * len(outputs)
    for root in (work, data, cache, audit, home, scratch):
        assert _hits(root, CANARY_KEY) == [], root
    # The value: never in plaintext in the cache or in the encrypted backup.
    assert _hits(cache, CANARY_VALUE) == [] and _hits(cache, CANARY_VALUE[::-1]) == []
    assert _hits(cache, "Player_1") == [] and _hits(cache, "PlayerData") == []  # names too
    raw = backup.read_bytes()
    assert CANARY_VALUE.encode() not in raw and CANARY_VALUE[::-1].encode() not in raw
    assert b"Coins" not in raw
