"""Options of an Open Cloud connection and where they come from when not passed explicitly.

The CLI's global ``--base-url`` / ``--budget-share`` set these environment variables, so every
command (and ``services.connections``) reaches the backend without extra plumbing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from ...model import InvalidArgument
from .budget import DEFAULT_BULK_SHARE
from .paths import DEFAULT_BASE_URL

BASE_URL_ENV: Final = "DSM_BASE_URL"
BUDGET_SHARE_ENV: Final = "DSM_BUDGET_SHARE"
CACHE_DIR_ENV: Final = "DSM_CACHE_DIR"  # "off" disables the disk cache
CACHE_KEY_NAME: Final = "opencloud-cache-key"


def base_url(given: str | None = None) -> str:
    url = (given or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).strip().rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise InvalidArgument(
            f"--base-url {url!r} is not an http(s) URL; use e.g. http://127.0.0.1:8080 for "
            "`dsm emulator`, or leave it out for Roblox."
        )
    return url


def budget_share(given: float | None = None) -> float:
    if given is None:
        text = os.environ.get(BUDGET_SHARE_ENV, "").strip()
        if not text:
            return DEFAULT_BULK_SHARE
        try:
            given = float(text)
        except ValueError:
            raise InvalidArgument(
                f"{BUDGET_SHARE_ENV}={text!r} is not a number; use a share like 0.5."
            ) from None
    if not 0 < given <= 1:
        raise InvalidArgument(
            f"--budget-share must be more than 0 and at most 1 (a share of Roblox's budget that "
            f"bulk jobs may use), got {given}."
        )
    return given


def cache_size_limit(max_size_mb: float | None = None) -> int | None:
    """Bytes the disk cache may hold: ``max_size_mb`` MB (the editor's ``cache.maxSizeMB``),
    else the default; None when ``max_size_mb`` is 0 (no disk cache)."""
    from .cache import DEFAULT_SIZE_LIMIT

    if max_size_mb is None:
        return DEFAULT_SIZE_LIMIT
    if max_size_mb < 0:
        raise InvalidArgument(
            f"The cache size must be 0 (no disk cache) or more MB, got {max_size_mb:g}."
        )
    return None if max_size_mb == 0 else int(max_size_mb * 1024 * 1024)


def cache_dir(given: Path | None = None) -> Path | None:
    """Where the encrypted cache lives; None when disabled."""
    if given is not None:
        return given
    text = os.environ.get(CACHE_DIR_ENV, "").strip()
    if text.lower() == "off":
        return None
    if text:
        return Path(text).expanduser()
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "datastore-manager" / "opencloud"
