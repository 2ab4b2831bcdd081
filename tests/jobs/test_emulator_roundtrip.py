"""Backup → restore of the demo universe through Open Cloud (the emulator on loopback) while the
emulator injects faults (20 % 5xx, 5 % dropped connections): every entry md5-identical, none
written twice.

Open Cloud has no API that lists ordered data stores, so a backup from an ``opencloud:`` target
skips them (the manifest says so); this test compares standard entries only. The local
round-trip test (test_backup_restore.py) covers ordered stores.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from datastore_manager.backends.local import LocalBackend
from support.emulator import running_emulator

from .conftest import contents, dsm, versions_per_key

API_KEY = "emulator-test-key"
SOURCE_UNIVERSE, TARGET_UNIVERSE = 4_100_001, 4_100_002
FAULTS = "5xx=0.2,reset=0.05"
#: Roblox's 300 requests/minute per category would make this test take minutes; the emulator
#: advertises a higher limit (x-ratelimit-limit) and the client budget adopts it. The budget at
#: Roblox's real limits is measured by bench/backup_throughput.py.
FAST_LIMITS = {
    "requests_per_minute": {
        f"{kind}.{operation}": 60_000
        for kind in ("standard", "ordered")
        for operation in ("read", "write", "list", "remove")
    }
}


@dataclass(frozen=True, slots=True)
class Cloud:
    folder: Path
    env: dict[str, str]
    url: str  # passed as the global --base-url

    def store_file(self, universe: int) -> Path:
        return self.folder / f"universe-{universe}.db"


@pytest.fixture
def cloud(tmp_path: Path, env: dict[str, str]) -> Iterator[Cloud]:
    """The demo universe served as SOURCE_UNIVERSE by a faulty emulator; TARGET_UNIVERSE empty."""
    folder = tmp_path / "cloud"
    folder.mkdir()
    demo = tmp_path / "demo.db"
    dsm(env, "demo", str(demo))
    shutil.copyfile(demo, folder / f"universe-{SOURCE_UNIVERSE}.db")
    with running_emulator(
        folder, api_keys=[f"{API_KEY}=*"], faults=FAULTS, seed=7, rate_limits=FAST_LIMITS
    ) as url:
        cloud_env = {
            **env,
            "ROBLOX_API_KEY": API_KEY,
            "DSM_CACHE_DIR": "off",
        }
        cloud_env.pop("DSM_BASE_URL", None)
        yield Cloud(folder, cloud_env, url)


def standard_only(found: dict[str, object]) -> dict[str, object]:
    return {name: value for name, value in found.items() if not name.startswith("ordered:")}


async def test_demo_backup_and_restore_through_a_faulty_emulator_is_md5_identical(
    tmp_path: Path, cloud: Cloud
) -> None:
    archive = tmp_path / "cloud.dsm"
    source, target = f"opencloud:{SOURCE_UNIVERSE}", f"opencloud:{TARGET_UNIVERSE}"

    at = ["--base-url", cloud.url]
    backup = dsm(cloud.env, *at, "backup", "--target", source, "--out", str(archive), "--quiet")
    restored = dsm(cloud.env, *at, "restore", str(archive), "--target", target, "--quiet")

    async with LocalBackend(cloud.store_file(SOURCE_UNIVERSE)) as original:
        expected = standard_only(await contents(original))
    async with LocalBackend(cloud.store_file(TARGET_UNIVERSE)) as copy:
        actual = await contents(copy)
    assert len(expected) > 300  # every standard entry of the demo (PlayerData, Inventory, …)
    assert actual == expected  # value md5, content-md5, attributes and user ids of every entry
    assert backup["manifest"]["complete"] is True
    assert backup["manifest"]["counts"]["entries"] == len(expected)
    assert restored["counts"]["written"] == restored["counts"]["new"] == len(expected)
    # No entry written twice despite the faults: every restored key has exactly one version.
    written = versions_per_key(cloud.store_file(TARGET_UNIVERSE))
    assert len(written) == len(expected) and set(written.values()) == {1}
    # Ordered stores cannot be listed over Open Cloud, so the backup has none (documented).
    assert backup["manifest"]["counts"].get("orderedEntries", 0) == 0
