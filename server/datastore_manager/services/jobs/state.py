"""A job's checkpoint file: small JSON, replaced atomically (write, fsync, rename).

A kill -9 leaves either the previous checkpoint or the new one, never a torn file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ...model import InvalidArgument


def load_state(path: Path, *, job: str, identity: dict[str, Any]) -> dict[str, Any]:
    """The saved state of the same job (same ``identity``), or {} when there is none."""
    if not path.exists():
        return {}
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InvalidArgument(
            f"The checkpoint file {path} is unreadable; delete it to start over."
        ) from None
    if saved.get("job") != job or saved.get("identity") != identity:
        raise InvalidArgument(
            f"The checkpoint file {path} belongs to another {saved.get('job', 'job')} "
            f"({saved.get('identity')}); pass another --state file or delete it."
        )
    return dict(saved.get("state", {}))


def save_state(path: Path, *, job: str, identity: dict[str, Any], state: dict[str, Any]) -> None:
    document = {"job": job, "identity": identity, "state": state}
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
