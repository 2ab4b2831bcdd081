"""A workspace for safety tests: a temp folder with its own config, audit dir and state dir;
the real ``dsm`` script runs in it as a subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass
class Workspace:
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)  # everything dsm printed, for canaries

    @property
    def db(self) -> Path:
        return self.root / "game.db"

    @property
    def target(self) -> str:
        return f"local:{self.db}"

    @property
    def audit_dir(self) -> Path:
        return self.root / "audit"

    @property
    def workspace_log(self) -> Path:
        return self.audit_dir / "workspace.jsonl"

    def configure(self, connections: dict[str, Any], **extra: Any) -> None:
        document = {"connections": connections} | extra
        (self.root / ".datastore-manager.json").write_text(json.dumps(document), "utf-8")

    def dsm(self, *args: str, stdin: str | None = None) -> Result:
        if not DSM.exists():
            pytest.fail(f"{DSM} is missing: pip install -e . into this venv")
        done = subprocess.run(
            [str(DSM), *args],
            cwd=self.root,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.outputs += [done.stdout, done.stderr]
        return Result(done.returncode, done.stdout, done.stderr)

    def audit_records(self) -> list[dict[str, Any]]:
        if not self.workspace_log.exists():
            return []
        return [json.loads(line) for line in self.workspace_log.read_text("utf-8").splitlines()]

    def store_dump(self) -> list[str]:
        """Every row of the local store: equal dumps mean no write reached it."""
        connection = sqlite3.connect(self.db)
        try:
            return list(connection.iterdump())
        finally:
            connection.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DSM_", "ROBLOX_"))}
    env |= {
        "COLUMNS": "200",
        "DSM_AUDIT_DIR": str(tmp_path / "audit"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "HOME": str(tmp_path / "home"),
    }
    (tmp_path / "home").mkdir()
    return Workspace(tmp_path, env)


Dsm = Callable[..., Result]
