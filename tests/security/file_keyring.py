"""A real keyring backend kept in one JSON file, so ``dsm`` subprocesses share a keyring.

Select it with ``PYTHON_KEYRING_BACKEND=security.file_keyring.FileKeyring`` (``tests/`` on
``PYTHONPATH``) and ``DSM_TEST_KEYRING_FILE=PATH``. Writes are atomic (temp file + rename), so
a process killed mid-write leaves the previous or the new content, like an OS keyring.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

FILE_ENV = "DSM_TEST_KEYRING_FILE"
BACKEND = "security.file_keyring.FileKeyring"


def _path() -> Path:
    return Path(os.environ[FILE_ENV])


def read_all(path: Path) -> dict[str, str]:
    return dict(json.loads(path.read_text("utf-8"))) if path.exists() else {}


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return read_all(_path()).get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self._write(read_all(_path()) | {f"{service}/{username}": password})

    def delete_password(self, service: str, username: str) -> None:
        stored = read_all(_path())
        if stored.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError(username)
        self._write(stored)

    def _write(self, stored: dict[str, str]) -> None:
        path = _path()
        scratch = path.with_suffix(".tmp")
        scratch.write_text(json.dumps(stored), "utf-8")
        os.replace(scratch, path)
