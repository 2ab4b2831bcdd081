"""Run the real ``dsm`` console script of this venv against temporary local stores."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DSM = Path(sys.executable).with_name("dsm")


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


Dsm = Callable[..., Result]


def run_dsm(*args: str, target: str | None = None, stdin: str | None = None) -> Result:
    if not DSM.exists():
        pytest.fail(f"{DSM} is missing: install the package into this venv (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if k not in ("DSM_TARGET", "DSM_DEBUG")}
    env["COLUMNS"] = "200"  # keep human tables on one line per row
    if target is not None:
        env["DSM_TARGET"] = target
    done = subprocess.run(
        [str(DSM), *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )
    return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def store_target(tmp_path: Path) -> str:
    """A target for a local store that does not exist yet (the first write creates it)."""
    return f"local:{tmp_path / 'game.db'}"


@pytest.fixture
def dsm(store_target: str) -> Dsm:
    """``dsm`` with DSM_TARGET set to a fresh store."""

    def call(*args: str, stdin: str | None = None) -> Result:
        return run_dsm(*args, target=store_target, stdin=stdin)

    return call


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo universe, created once through ``dsm demo`` (tests must not change it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = run_dsm("demo", str(path), "--json")
    assert result.code == 0, result.stderr
    return path


def seed(target: str, writes: list[tuple[str, str, Any]], **metadata: Any) -> list[str]:
    """Write ``(store, key, value)`` rows straight through the services (fast set-up, no
    subprocess); returns the new version ids. ``metadata`` goes to every write."""
    from datastore_manager.backends import open_backend
    from datastore_manager.services import entries

    async def write_all() -> list[str]:
        async with open_backend(target) as backend:
            return [
                (await entries.write_entry(backend, store, key, value, **metadata)).version
                for store, key, value in writes
            ]

    return asyncio.run(write_all())
