"""A client-side request budget per universe that mirrors Roblox's documented limits.

Why: Open Cloud v2 shares the experience's budget with its live game servers (FACTS §14), so a
bulk job must never take the whole budget — players' saves would start failing. The budget:

* caps every category (standard/ordered × read/write/list/remove) at its requests-per-minute
  in any 60 s window, as Roblox counts — interactive requests may use that window freely;
* paces bulk work smoothly (token bucket, small bursts) at most at ``bulk_share`` of each
  category (default 50 %) so live servers always find budget, and shrinks that
  share further while 429s say live traffic needs the budget (additive recovery afterwards);
* enforces the per-universe and per-key byte throughput (sliding 60 s, rounded up to KB);
* learns the real limit from ``x-ratelimit-limit``/``-remaining``/``-reset`` and pauses a
  category on a 429 for its ``Retry-After`` (a 429 without one backs off only its request);
* admits waiters strictly by priority within a category: interactive (editor) requests go
  ahead of bulk ones. Bulk requests also run with bounded concurrency.

Priority travels in a context variable so services mark whole jobs: ``with bulk_priority(): …``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import IntEnum

from ...model import limits

WINDOW_SECONDS = 60.0
BULK_BURST_SECONDS = 3.0  # bulk work is paced smoothly: at most 3 s of its share at once
DEFAULT_BULK_SHARE = 0.5
DEFAULT_BULK_CONCURRENCY = 8
MIN_BACKOFF_FACTOR = 0.1  # bulk never drops below 10 % of its share
RECOVERY_STEP = 0.1  # factor regained per RECOVERY_SECONDS without a 429
THROTTLED_FOR = 10.0  # seconds after a 429 the budget reports itself throttled
RECOVERY_SECONDS = 10.0
_KB = 1024
MAX_NAP = 0.25  # longest sleep before a waiter re-checks its turn


class Priority(IntEnum):
    INTERACTIVE = 0
    BULK = 1


request_priority: ContextVar[Priority] = ContextVar(
    "opencloud_request_priority", default=Priority.INTERACTIVE
)


@contextlib.contextmanager
def bulk_priority() -> Iterator[None]:
    """Run the enclosed requests (and tasks created inside) as bulk work."""
    token = request_priority.set(Priority.BULK)
    try:
        yield
    finally:
        request_priority.reset(token)


def kb_rounded(size: int) -> int:
    """Roblox counts throughput per request rounded up to the next KB (FACTS §14)."""
    return max(1, math.ceil(size / _KB)) * _KB


class SlidingWindow:
    """Weighted events in the last ``WINDOW_SECONDS``."""

    __slots__ = ("_events", "_total")

    def __init__(self) -> None:
        self._events: deque[tuple[float, int]] = deque()
        self._total = 0

    def total(self, now: float) -> int:
        while self._events and self._events[0][0] <= now - WINDOW_SECONDS:
            self._total -= self._events.popleft()[1]
        return self._total

    def add(self, now: float, weight: int = 1) -> None:
        self._events.append((now, weight))
        self._total += weight

    def wait_for_room(self, now: float, weight: int, cap: float) -> float:
        """Seconds until ``weight`` more fits under ``cap`` (0 when it fits now).

        A single event bigger than the cap is let through once the window is empty.
        """
        total = self.total(now)
        if total + weight <= cap or total == 0:
            return 0.0
        running = total
        for moment, amount in self._events:
            running -= amount
            if running + weight <= cap or running == 0:
                return moment + WINDOW_SECONDS - now
        return WINDOW_SECONDS  # pragma: no cover - the loop always ends with running == 0


class TokenBucket:
    __slots__ = ("_stamp", "_tokens", "capacity", "rate")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._stamp = now

    def _refill(self, now: float) -> None:
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def wait_for_token(self, now: float) -> float:
        self._refill(now)
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self._tokens -= 1

    def retune(self, rate: float, capacity: float, now: float) -> None:
        self._refill(now)
        self.rate, self.capacity = rate, capacity
        self._tokens = min(self._tokens, capacity)


@dataclass(slots=True)
class _Category:
    limit: float  # requests per minute for everyone using our key on this universe
    total: TokenBucket
    bulk: TokenBucket
    window: SlidingWindow = field(default_factory=SlidingWindow)
    bulk_window: SlidingWindow = field(default_factory=SlidingWindow)
    paused_until: float = 0.0
    external_used: int = 0  # requests others made in the window, learned from headers


@dataclass(frozen=True, slots=True)
class CategoryStatus:
    used: int
    limit: int
    bulk_limit: int
    queued: int


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """For the status bar: the busiest category's numbers, plus every category's."""

    used: int
    limit: int
    queued: int
    bulk_share: float
    backoff_factor: float
    categories: dict[str, CategoryStatus]
    #: Roblox answered 429 in the last THROTTLED_FOR seconds, or a category waits out a
    #: Retry-After: requests are being held back even when none is queued in the budget.
    throttled: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "used": self.used,
            "limit": self.limit,
            "queued": self.queued,
            "bulkShare": self.bulk_share,
            "backoffFactor": round(self.backoff_factor, 3),
            "throttled": self.throttled,
            "categories": {
                name: {
                    "used": c.used,
                    "limit": c.limit,
                    "bulkLimit": c.bulk_limit,
                    "queued": c.queued,
                }
                for name, c in self.categories.items()
            },
        }


@dataclass(order=True, slots=True)
class _Waiter:
    priority: int
    seq: int
    category: str = field(compare=False)


class Admission:
    """Handed to a request that got through; report the response so the budget learns."""

    __slots__ = ("_budget", "category", "key")

    def __init__(self, budget: RequestBudget, category: str, key: str | None) -> None:
        self._budget = budget
        self.category = category
        self.key = key

    def observe(self, status: int, headers: Mapping[str, str], *, read_bytes: int = 0) -> None:
        self._budget.observe(self.category, status, headers, key=self.key, read_bytes=read_bytes)


class RequestBudget:
    """One universe's budget. All methods must run on one event loop."""

    def __init__(
        self,
        *,
        requests_per_minute: Mapping[str, int] | None = None,
        bulk_share: float = DEFAULT_BULK_SHARE,
        bulk_concurrency: int = DEFAULT_BULK_CONCURRENCY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < bulk_share <= 1:
            raise ValueError(f"The bulk budget share must be in (0, 1], got {bulk_share}.")
        self.bulk_share = bulk_share
        self._clock = clock
        self._categories: dict[str, _Category] = {}
        for name, limit in (requests_per_minute or limits.REQUESTS_PER_MINUTE).items():
            self._categories[name] = self._new_category(float(limit))
        self._factor = 1.0  # shrinks on 429s seen by bulk work, recovers slowly
        self._factor_stamp = clock()
        self._last_throttled = -THROTTLED_FOR
        self._waiters: list[_Waiter] = []
        self._seq = itertools.count()
        self._changed = asyncio.Condition()
        self._wakers: set[asyncio.Task[None]] = set()
        self._bulk_slots = asyncio.Semaphore(bulk_concurrency)
        self._universe_bytes = {"read": SlidingWindow(), "write": SlidingWindow()}
        self._key_bytes: dict[tuple[str, str], SlidingWindow] = {}

    # ---- admission ---------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def admit(
        self, category: str, *, key: str | None = None, write_bytes: int = 0
    ) -> AsyncIterator[Admission]:
        """Wait for a slot in ``category`` (at the context's priority) and hold it for the
        request. ``key`` identifies an entry for per-key throughput."""
        priority = request_priority.get()
        if priority is Priority.BULK:
            async with self._bulk_slots:
                await self._wait_turn(category, priority, key, write_bytes)
                yield Admission(self, category, key)
        else:
            await self._wait_turn(category, priority, key, write_bytes)
            yield Admission(self, category, key)

    async def _wait_turn(
        self, category: str, priority: Priority, key: str | None, write_bytes: int
    ) -> None:
        state = self._category(category)
        waiter = _Waiter(int(priority), next(self._seq), category)
        self._waiters.append(waiter)
        try:
            async with self._changed:
                while True:
                    delay = self._delay(state, waiter, key, write_bytes)
                    if delay <= 0:
                        break
                    # Woken early when anything changes; the cap keeps a lost wake-up (a
                    # cancelled waiter) from stalling the queue.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), timeout=min(delay, MAX_NAP))
                self._take(state, waiter, key, write_bytes)
        finally:
            self._waiters.remove(waiter)
            wake = asyncio.get_running_loop().create_task(self._notify())
            self._wakers.add(wake)
            wake.add_done_callback(self._wakers.discard)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _delay(self, state: _Category, waiter: _Waiter, key: str | None, nbytes: int) -> float:
        """Seconds this waiter must still wait; <= 0 means go. Waiters ahead of it (higher
        priority, or same priority and earlier) in the same category go first."""
        ahead = [w for w in self._waiters if w.category == waiter.category and w < waiter]
        if ahead:
            return MAX_NAP  # woken by notify when the one ahead is admitted
        now = self._clock()
        self._recover(now)
        delays = [
            state.paused_until - now,
            state.window.wait_for_room(now, 1, max(1.0, state.limit - state.external_used)),
            state.total.wait_for_token(now),
        ]
        if waiter.priority == Priority.BULK:
            delays.append(state.bulk_window.wait_for_room(now, 1, self._bulk_cap(state)))
            delays.append(state.bulk.wait_for_token(now))
        if nbytes:
            direction = self._universe_bytes["write"]
            delays.append(direction.wait_for_room(now, nbytes, limits.WRITE_BYTES_PER_MINUTE))
            if key is not None:
                window = self._key_bytes.get(("write", key))
                if window is not None:
                    delays.append(
                        window.wait_for_room(now, nbytes, limits.KEY_WRITE_BYTES_PER_MINUTE)
                    )
        if key is not None and waiter.category.endswith(".read"):
            window = self._key_bytes.get(("read", key))
            if window is not None:
                delays.append(window.wait_for_room(now, 0, limits.KEY_READ_BYTES_PER_MINUTE))
        return max(delays)

    def _take(self, state: _Category, waiter: _Waiter, key: str | None, nbytes: int) -> None:
        now = self._clock()
        state.window.add(now)
        state.total.take(now)
        if waiter.priority == Priority.BULK:
            state.bulk_window.add(now)
            state.bulk.take(now)
        if nbytes:
            self._universe_bytes["write"].add(now, nbytes)
            if key is not None:
                self._key_bytes.setdefault(("write", key), SlidingWindow()).add(now, nbytes)
        self._prune_keys(now)

    def _prune_keys(self, now: float) -> None:
        if len(self._key_bytes) > 1024:
            for name in [k for k, w in self._key_bytes.items() if w.total(now) == 0]:
                del self._key_bytes[name]

    # ---- learning ----------------------------------------------------------------------

    def observe(
        self,
        category: str,
        status: int,
        headers: Mapping[str, str],
        *,
        key: str | None = None,
        read_bytes: int = 0,
    ) -> None:
        """Learn from a response: rate-limit headers, 429s, bytes read."""
        state = self._category(category)
        now = self._clock()
        limit = _parse_limit(headers.get("x-ratelimit-limit"))
        if limit is not None and limit != state.limit:
            self._retune(state, limit, now)
        remaining = _parse_number(headers.get("x-ratelimit-remaining"))
        if remaining is not None:
            ours = state.window.total(now)
            state.external_used = max(0, int(state.limit - remaining - ours))
            reset = _parse_number(headers.get("x-ratelimit-reset"))
            if remaining <= 0 and reset is not None:
                state.paused_until = max(state.paused_until, now + reset)
        if status == 429:
            self._last_throttled = now
            # With Retry-After, Roblox says when the category's budget is back: every request
            # in it would be refused until then, so the whole category waits. Without it the
            # 429 says nothing about other requests (a throttled partition or key, an injected
            # fault): only the refused request backs off (client.py), others keep going.
            retry_after = _parse_number(headers.get("retry-after"))
            if retry_after is not None:
                state.paused_until = max(state.paused_until, now + retry_after)
            if request_priority.get() is Priority.BULK:
                self._back_off(now)
        if read_bytes and category.startswith("standard."):
            self._universe_bytes["read"].add(now, kb_rounded(read_bytes))
            if key is not None:
                window = self._key_bytes.setdefault(("read", key), SlidingWindow())
                window.add(now, kb_rounded(read_bytes))

    def _back_off(self, now: float) -> None:
        """Live traffic needs the budget: halve the bulk share, at most once a second."""
        if now - self._factor_stamp >= 1.0 or self._factor == 1.0:
            self._factor = max(MIN_BACKOFF_FACTOR, self._factor / 2)
            self._factor_stamp = now
            self._retune_all(now)

    def _recover(self, now: float) -> None:
        if self._factor < 1.0 and now - self._factor_stamp >= RECOVERY_SECONDS:
            steps = int((now - self._factor_stamp) // RECOVERY_SECONDS)
            self._factor = min(1.0, self._factor + steps * RECOVERY_STEP)
            self._factor_stamp = now
            self._retune_all(now)

    # ---- numbers ------------------------------------------------------------------------

    def status(self) -> BudgetStatus:
        now = self._clock()
        categories = {
            name: CategoryStatus(
                used=state.window.total(now),
                limit=int(state.limit),
                bulk_limit=int(self._bulk_cap(state)),
                queued=sum(1 for w in self._waiters if w.category == name),
            )
            for name, state in self._categories.items()
        }
        busiest = max(categories.values(), key=lambda c: (c.used / max(c.limit, 1), c.queued))
        return BudgetStatus(
            used=busiest.used,
            limit=busiest.limit,
            queued=len(self._waiters),
            bulk_share=self.bulk_share,
            backoff_factor=self._factor,
            categories=categories,
            throttled=now - self._last_throttled < THROTTLED_FOR
            or any(state.paused_until > now for state in self._categories.values()),
        )

    # ---- helpers -------------------------------------------------------------------------

    def _category(self, name: str) -> _Category:
        state = self._categories.get(name)
        if state is None:
            state = self._categories[name] = self._new_category(300.0)
        return state

    def _new_category(self, limit: float) -> _Category:
        now = self._clock()
        rate = limit / WINDOW_SECONDS
        bulk_rate = rate * self.bulk_share
        return _Category(
            limit=limit,
            total=TokenBucket(rate, max(1.0, limit), now),
            bulk=TokenBucket(bulk_rate, max(1.0, bulk_rate * BULK_BURST_SECONDS), now),
        )

    def _bulk_cap(self, state: _Category) -> float:
        free = max(1.0, state.limit - state.external_used)
        return max(1.0, min(state.limit * self.bulk_share, free) * self._factor)

    def _retune(self, state: _Category, limit: float, now: float) -> None:
        state.limit = limit
        rate = limit / WINDOW_SECONDS
        state.total.retune(rate, max(1.0, limit), now)
        bulk_rate = rate * self.bulk_share * self._factor
        state.bulk.retune(bulk_rate, max(1.0, bulk_rate * BULK_BURST_SECONDS), now)

    def _retune_all(self, now: float) -> None:
        for state in self._categories.values():
            self._retune(state, state.limit, now)


_FIRST_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:;\s*w\s*=\s*(\d+(?:\.\d+)?))?")


def _parse_limit(value: str | None) -> float | None:
    """``x-ratelimit-limit: 1000, 1000;w=60`` → requests per minute of the first window."""
    if not value:
        return None
    match = _FIRST_LIMIT.match(value)
    if match is None:
        return None
    window = float(match.group(2)) if match.group(2) else None
    if window is None:  # a bare number; use the first windowed entry for its period if any
        windowed = re.search(r";\s*w\s*=\s*(\d+(?:\.\d+)?)", value)
        window = float(windowed.group(1)) if windowed else WINDOW_SECONDS
    if window <= 0:
        return None
    return float(match.group(1)) * WINDOW_SECONDS / window


def _parse_number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.split(",")[0].strip())
    except ValueError:
        return None
