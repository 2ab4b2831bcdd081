"""What a handler gets for one request: parameters, the backend, and permission/budget checks."""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.requests import Request

from ..backends.base import DataStoreBackend
from ..model import RateLimited
from .auth import ApiKey
from .rate_limits import RateLimiter
from .wire import Api


class ScopeMissing(Exception):
    """The key lacks ``scope``; the pipeline answers 403 naming it."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


@dataclass(slots=True)
class Call:
    request: Request
    params: dict[str, str]
    universe: int
    backend: DataStoreBackend
    key: ApiKey
    api: Api
    limiter: RateLimiter | None

    def require(self, *scopes: str) -> None:
        for scope in scopes:
            if not self.key.allows(scope):
                raise ScopeMissing(scope)

    def lacks_any(self, *scopes: str) -> bool:
        return not all(self.key.allows(scope) for scope in scopes)

    def charge_write(self, size: int, *where: str) -> None:
        """Count a write against the per-key and per-universe throughput (FACTS §14)."""
        if self.limiter is None:
            return
        if not self.limiter.admit_write_bytes(time.monotonic(), self.universe, where, size):
            window = self.limiter.config.window_seconds
            raise RateLimited(
                f"Write throughput limit reached for {'/'.join(where)} in universe "
                f"{self.universe}; retry later.",
                retry_after=window,
            )
