"""Roblox's per-universe request budgets as sliding 60-second windows (FACTS §14).

``roblox`` uses the numbers in :mod:`model.limits`; a JSON file may override any of them (tests
use tiny budgets and short windows); ``off`` disables limiting.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..model import InvalidArgument
from ..model import limits as roblox

WINDOW_SECONDS = 60.0  # Roblox measures every budget per minute over a sliding window.


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    requests_per_minute: Mapping[str, int]
    window_seconds: float = WINDOW_SECONDS
    #: Written bytes per key per window (ECL per-key throughput); 0 disables.
    key_write_bytes: int = roblox.KEY_WRITE_BYTES_PER_MINUTE
    #: Written bytes per universe per window (G-TH standard write throughput); 0 disables.
    universe_write_bytes: int = roblox.WRITE_BYTES_PER_MINUTE


OFF: RateLimitConfig | None = None


def roblox_limits() -> RateLimitConfig:
    return RateLimitConfig(requests_per_minute=dict(roblox.REQUESTS_PER_MINUTE))


def load_rate_limits(spec: str) -> RateLimitConfig | None:
    """``roblox`` | ``off`` | a JSON file such as
    ``{"requests_per_minute": {"standard.read": 5}, "window_seconds": 2}``."""
    if spec == "off":
        return OFF
    base = roblox_limits()
    if spec == "roblox":
        return base
    path = Path(spec)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidArgument(
            f"--rate-limits {spec!r} is neither 'roblox', 'off' nor an existing JSON file."
        ) from None
    except ValueError as exc:
        raise InvalidArgument(f"--rate-limits file {spec} is not valid JSON: {exc}.") from None
    if not isinstance(data, dict):
        raise InvalidArgument(f"--rate-limits file {spec} must hold a JSON object.")
    allowed = {"requests_per_minute", "window_seconds", "key_write_bytes", "universe_write_bytes"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidArgument(
            f"--rate-limits file {spec}: unknown field(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))}."
        )
    requests = dict(base.requests_per_minute)
    overrides = data.get("requests_per_minute", {})
    if not isinstance(overrides, dict):
        raise InvalidArgument(f"--rate-limits file {spec}: requests_per_minute must be an object.")
    for category, limit in overrides.items():
        if category not in requests:
            raise InvalidArgument(
                f"--rate-limits file {spec}: unknown category {category!r}; "
                f"use one of {', '.join(sorted(requests))}."
            )
        requests[category] = _positive(spec, category, limit)
    return RateLimitConfig(
        requests_per_minute=requests,
        window_seconds=float(data.get("window_seconds", base.window_seconds)),
        key_write_bytes=_positive(
            spec, "key_write_bytes", data.get("key_write_bytes", base.key_write_bytes)
        ),
        universe_write_bytes=_positive(
            spec,
            "universe_write_bytes",
            data.get("universe_write_bytes", base.universe_write_bytes),
        ),
    )


def _positive(spec: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgument(f"--rate-limits file {spec}: {name} must be a whole number ≥ 0.")
    return value


@dataclass(slots=True)
class SlidingWindow:
    """Weighted events in the last ``window`` seconds, with an O(1) running total."""

    limit: int
    window: float
    events: deque[tuple[float, int]] = field(default_factory=deque)
    total: int = 0

    def _expire(self, now: float) -> None:
        horizon = now - self.window
        events = self.events
        while events and events[0][0] <= horizon:
            self.total -= events.popleft()[1]

    def try_add(self, now: float, weight: int = 1) -> bool:
        self._expire(now)
        if self.total + weight > self.limit and self.events:
            return False
        self.events.append((now, weight))
        self.total += weight
        return True

    def remaining(self) -> int:
        return max(0, self.limit - self.total)

    def reset_after(self, now: float) -> float:
        """Seconds until the oldest counted event leaves the window."""
        return max(0.0, self.events[0][0] + self.window - now) if self.events else 0.0


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    window_seconds: int

    def headers(self) -> dict[str, str]:
        """Roblox's rate-limit headers (FACTS §14: RL), plus retry-after on a 429."""
        headers = {
            "x-ratelimit-limit": f"{self.limit}, {self.limit};w={self.window_seconds}",
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(self.reset_seconds),
        }
        if not self.allowed:
            headers["retry-after"] = str(max(1, self.reset_seconds))
        return headers


class RateLimiter:
    """Per-universe request budgets per category, and per-key / per-universe write throughput."""

    def __init__(self, config: RateLimitConfig) -> None:
        self.config = config
        self._requests: dict[tuple[int, str], SlidingWindow] = {}
        self._bytes: dict[tuple[object, ...], SlidingWindow] = {}

    def admit(self, now: float, universe: int, category: str) -> Verdict:
        window = self._requests.get((universe, category))
        if window is None:
            limit = self.config.requests_per_minute[category]
            window = self._requests[(universe, category)] = SlidingWindow(
                limit, self.config.window_seconds
            )
        allowed = window.try_add(now)
        return Verdict(
            allowed=allowed,
            limit=window.limit,
            remaining=window.remaining(),
            reset_seconds=math.ceil(window.reset_after(now)),
            window_seconds=math.ceil(self.config.window_seconds),
        )

    def admit_write_bytes(self, now: float, universe: int, key: tuple[str, ...], size: int) -> bool:
        """Charge a write of ``size`` bytes (rounded up to a KB, as Roblox counts it)."""
        kilobytes = max(1, math.ceil(size / 1024)) * 1024
        checks: list[tuple[tuple[object, ...], int]] = []
        if self.config.universe_write_bytes:
            checks.append(((universe,), self.config.universe_write_bytes))
        if self.config.key_write_bytes:
            checks.append(((universe, *key), self.config.key_write_bytes))
        windows = [self._bytes_window(name, limit) for name, limit in checks]
        for window in windows:
            window._expire(now)
            if window.total + kilobytes > window.limit and window.events:
                return False
        for window in windows:
            window.try_add(now, kilobytes)
        if len(self._bytes) > 100_000:  # forget idle keys so memory stays bounded
            self._bytes = {k: w for k, w in self._bytes.items() if w.events}
        return True

    def _bytes_window(self, name: tuple[object, ...], limit: int) -> SlidingWindow:
        window = self._bytes.get(name)
        if window is None:
            window = self._bytes[name] = SlidingWindow(limit, self.config.window_seconds)
        return window
