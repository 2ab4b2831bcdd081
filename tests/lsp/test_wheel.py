"""The shipped schemas reach an installed wheel: build it, install it into a fresh venv and run
its ``dsm serve`` until it has validated a workspace config against config.schema.json.

Takes ~20-40 s (a wheel build and a venv); the dependencies come from this test run's own
environment (added to the new venv's path), so nothing is downloaded.
"""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

from datastore_manager.lsp import boot

PIP = [sys.executable, "-m", "pip", "-q"]
REPO = Path(__file__).resolve().parents[2]


def _source_copy(target: Path) -> Path:
    """Only what the wheel is built from (the build writes build/ into its source tree)."""
    target.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, target / name)
    shutil.copytree(REPO / "schemas", target / "schemas")
    shutil.copytree(
        REPO / "server",
        target / "server",
        symlinks=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    return target


def _request(process: subprocess.Popen[bytes], message: dict[str, object]) -> object:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(boot.frame(message))
    process.stdin.flush()
    while True:
        _, answer = boot.read_message(process.stdout)
        assert answer is not None, "the server stopped"
        if answer.get("id") == message["id"]:
            return answer


def test_installed_wheel_serves_with_its_own_config_schema(tmp_path: Path) -> None:
    source = _source_copy((tmp_path / "src").resolve())
    wheels = tmp_path / "wheels"
    subprocess.run(
        [*PIP, "wheel", str(source), "--no-deps", "--no-build-isolation", "-w", str(wheels)],
        check=True,
    )
    (wheel,) = wheels.glob("datastore_manager-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Dependencies from this environment; a path entry, so its editable-install hook
    # (a .pth file) is not run and the wheel's own package is the one imported.
    (Path(purelib) / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run(
        [*PIP, "--python", str(python), "install", "--no-deps", str(wheel)],
        check=True,
    )
    located = subprocess.run(
        [
            str(python),
            "-c",
            "from datastore_manager.services import config as c;"
            "print(c.CONFIG_SCHEMA_PATH.resolve())",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert Path(located).is_relative_to(env_dir.resolve()), located
    assert Path(located).is_file()

    workspace = tmp_path / "workspace"
    workspace.mkdir()
    bad = {"connections": {"game": {"target": "local:game.db", "colour": "red"}}}
    (workspace / ".datastore-manager.json").write_text(json.dumps(bad))
    process = subprocess.Popen(
        [str(env_dir / "bin" / "dsm"), "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    try:
        params = {"capabilities": {}, "rootUri": workspace.as_uri(), "processId": None}
        _request(process, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params})
        listing = _request(
            process,
            {"jsonrpc": "2.0", "id": 2, "method": "dataStore/listConnections", "params": {}},
        )
        _request(process, {"jsonrpc": "2.0", "id": 3, "method": "shutdown", "params": None})
        assert process.stdin is not None
        process.stdin.write(boot.frame({"jsonrpc": "2.0", "method": "exit", "params": None}))
        process.stdin.flush()
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert isinstance(listing, dict)
    result = listing["result"]
    assert result["connections"] == []
    assert "colour" in result["configError"]
    assert "config.schema.json" in result["configError"]
