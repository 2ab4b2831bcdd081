"""Start ``dsm emulator`` as a real subprocess on 127.0.0.1 for tests.

Signatures::

    running_emulator(
        data: Path,
        *,
        api_keys: Sequence[str] = (),            # each "KEY=scope1,scope2" or "KEY=*"
        rate_limits: str | Mapping = "off",      # "roblox" | "off" | a JSON file path | a dict
                                                 #   (written to a temp file), e.g.
                                                 #   {"requests_per_minute": {"standard.read": 3},
                                                 #    "window_seconds": 2}
        faults: str = "",                        # e.g. "5xx=0.1,429=0.1,reset=0.05"
        seed: int = 0,
        universe_id: int | None = None,
        startup_timeout: float = 20.0,
    ) -> ContextManager[str]                     # yields the base URL, e.g. http://127.0.0.1:PORT

    emulator_process(...same arguments...) -> ContextManager[EmulatorProcess]
        # EmulatorProcess: .base_url, .process (subprocess.Popen), .stderr_text()

The emulator listens on port 0 (a free port); the helper waits for the base URL line the
emulator prints on stdout, yields, then stops it with SIGTERM and fails the test if it does not
exit cleanly (code 0) within 10 s. Base URLs: v1 standard = BASE + "/datastores/v1",
v1 ordered = BASE + "/ordered-data-stores/v1", v2 = BASE + "/cloud/v2".

Import it as ``from support.emulator import running_emulator`` (pytest puts ``tests/`` on
sys.path because the test folders are packages).

Example fixture::

    @pytest.fixture
    def emulator_url(tmp_path):
        with running_emulator(tmp_path / "game.db", api_keys=["k=*"]) as url:
            yield url
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any


@dataclass
class EmulatorProcess:
    base_url: str
    process: subprocess.Popen[bytes]
    _stderr: IO[bytes]

    def stderr_text(self) -> str:
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")


def emulator_command(
    data: Path,
    *,
    api_keys: Sequence[str] = (),
    rate_limits: str = "off",
    faults: str = "",
    seed: int = 0,
    universe_id: int | None = None,
) -> list[str]:
    command = [sys.executable, "-m", "datastore_manager.emulator", "--data", str(data)]
    command += ["--port", "0", "--rate-limits", rate_limits, "--seed", str(seed)]
    for key in api_keys:
        command += ["--api-key", key]
    if faults:
        command += ["--faults", faults]
    if universe_id is not None:
        command += ["--universe-id", str(universe_id)]
    return command


@contextmanager
def emulator_process(
    data: Path,
    *,
    api_keys: Sequence[str] = (),
    rate_limits: str | Mapping[str, Any] = "off",
    faults: str = "",
    seed: int = 0,
    universe_id: int | None = None,
    startup_timeout: float = 20.0,
) -> Iterator[EmulatorProcess]:
    with tempfile.TemporaryDirectory(prefix="dsm-emulator-") as scratch:
        if not isinstance(rate_limits, str):
            limits_file = Path(scratch) / "rate-limits.json"
            limits_file.write_text(json.dumps(rate_limits), encoding="utf-8")
            rate_limits = str(limits_file)
        command = emulator_command(
            data,
            api_keys=api_keys,
            rate_limits=rate_limits,
            faults=faults,
            seed=seed,
            universe_id=universe_id,
        )
        with open(Path(scratch) / "stderr.txt", "w+b") as stderr:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            handle = EmulatorProcess(
                _read_base_url(process, stderr, startup_timeout), process, stderr
            )
            try:
                yield handle
            finally:
                _stop(process, handle)


@contextmanager
def running_emulator(data: Path, **options: Any) -> Iterator[str]:
    """Like :func:`emulator_process`, yielding only the base URL."""
    with emulator_process(data, **options) as handle:
        yield handle.base_url


def _read_base_url(process: subprocess.Popen[bytes], stderr: IO[bytes], timeout: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.1)
        if ready:
            line = process.stdout.readline().decode().strip()
            if line.startswith("http://"):
                return line
        if process.poll() is not None:
            break
    process.kill()
    process.wait()
    stderr.seek(0)
    raise RuntimeError(
        f"dsm emulator did not print its URL within {timeout} s (exit code {process.returncode}); "
        f"stderr:\n{stderr.read().decode('utf-8', 'replace')}"
    )


def _stop(process: subprocess.Popen[bytes], handle: EmulatorProcess) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise AssertionError("dsm emulator did not stop within 10 s of SIGTERM") from None
    if process.stdout is not None:
        process.stdout.close()
    if process.returncode != 0:
        raise AssertionError(
            f"dsm emulator exited with code {process.returncode}; stderr:\n{handle.stderr_text()}"
        )
