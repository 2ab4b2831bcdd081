"""One shared emulator process per module (fast), keyed with a full and a limited key."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from support.emulator import running_emulator

UNIVERSE = 4242
FULL_KEY = "full-key-canary-7f3a"
READ_ONLY_KEY = "reader-key-canary-91bd"
KEYS = [
    f"{FULL_KEY}=*",
    f"{READ_ONLY_KEY}=universe-datastores.objects:read,universe-datastores.objects:list",
]


@dataclass(frozen=True)
class Urls:
    base: str

    @property
    def v1(self) -> str:
        return f"{self.base}/datastores/v1/universes/{UNIVERSE}/standard-datastores"

    @property
    def ordered(self) -> str:
        return f"{self.base}/ordered-data-stores/v1/universes/{UNIVERSE}/orderedDataStores"

    @property
    def v2(self) -> str:
        return f"{self.base}/cloud/v2/universes/{UNIVERSE}/data-stores"


@pytest.fixture(scope="module")
def urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Urls]:
    data: Path = tmp_path_factory.mktemp("emulator") / "game.db"
    with running_emulator(data, api_keys=KEYS, universe_id=UNIVERSE) as base:
        yield Urls(base)


@pytest.fixture(scope="module")
def client(urls: Urls) -> Iterator[httpx.Client]:
    with httpx.Client(headers={"x-api-key": FULL_KEY}, timeout=10) as http:
        yield http


@pytest.fixture
def store() -> str:
    """A data store name no other test uses."""
    return f"s{uuid.uuid4().hex[:12]}"
