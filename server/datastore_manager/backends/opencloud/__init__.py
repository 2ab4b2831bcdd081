"""The Open Cloud backend: Roblox's data store APIs over HTTP, budgeted, retried and cached.

``open_opencloud(target, ...)`` is registered for ``opencloud:UNIVERSE`` targets in
:mod:`..registry`; services mark bulk work with :func:`bulk_priority`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from ...model import Target
from ...security import ApiKey, KeyUnavailable, load_or_create_key, resolve_api_key
from . import settings
from .backend import OpenCloudBackend
from .budget import BudgetStatus, Priority, RequestBudget, bulk_priority
from .cache import OpenCloudCache
from .client import OpenCloudClient
from .retries import RetryPolicy

log = logging.getLogger(__name__)

__all__ = [
    "BudgetStatus",
    "OpenCloudBackend",
    "OpenCloudCache",
    "OpenCloudClient",
    "Priority",
    "RequestBudget",
    "RetryPolicy",
    "bulk_priority",
    "open_opencloud",
]


def open_opencloud(
    target: Target,
    *,
    api_key: ApiKey | str | None = None,
    base_url: str | None = None,
    budget_share: float | None = None,
    requests_per_minute: Mapping[str, int] | None = None,
    retry_policy: RetryPolicy | None = None,
    cache_dir: Path | None = None,
    cache_key: bytes | None = None,
    use_cache: bool = True,
    cache_max_size_mb: float | None = None,
) -> OpenCloudBackend:
    """An Open Cloud backend for ``opencloud:UNIVERSE``.

    The API key comes from ``api_key``, ``ROBLOX_API_KEY`` or the OS keyring. The cache is
    encrypted with ``cache_key`` or a key kept in the OS keyring; without a keyring (and no
    ``cache_key``) the backend runs without a disk cache rather than store a key in a file.
    ``cache_max_size_mb`` bounds the disk cache (default 256 MB; 0: no disk cache).
    """
    universe = target.universe_id
    key = resolve_api_key(api_key, universe_id=universe)
    budget = RequestBudget(
        requests_per_minute=requests_per_minute, bulk_share=settings.budget_share(budget_share)
    )
    client = OpenCloudClient(
        universe,
        key,
        base_url=settings.base_url(base_url),
        budget=budget,
        retry_policy=retry_policy,
    )
    size_limit = settings.cache_size_limit(cache_max_size_mb)
    cache = None
    if use_cache and size_limit is not None:
        cache = _open_cache(universe, cache_dir, cache_key, size_limit)
    return OpenCloudBackend(client, cache=cache)


def _open_cache(
    universe: int, directory: Path | None, key: bytes | None, size_limit: int
) -> OpenCloudCache | None:
    root = settings.cache_dir(directory)
    if root is None:
        return None
    if key is None:
        try:
            key = load_or_create_key(settings.CACHE_KEY_NAME)
        except KeyUnavailable as exc:
            log.info("Open Cloud cache disabled: %s", exc.message)
            return None
    return OpenCloudCache(root / str(universe), key, universe_id=universe, size_limit=size_limit)
