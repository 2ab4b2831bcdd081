"""When and how to try a request again without ever applying a write twice.

* Nothing reached Roblox (connect errors, pool timeouts) or Roblox refused it (429): any
  request is resent after a backoff — honouring ``Retry-After``.
* The outcome is unknown (5xx, read/write errors and timeouts, dropped connections): reads and
  idempotent writes are resent (conditional writes carry their match-version, so a resend
  cannot double-apply); other writes raise :class:`OutcomeUnknown` and the caller reconciles
  by reading the entry's version history before deciding to resend (:func:`run_reconciled`).
* All of it is bounded by ``RetryPolicy.max_elapsed``; then a clear error (exit code 6).
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

from ...model import DataStoreError, RateLimited, Unavailable

T = TypeVar("T")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_elapsed: float = 60.0  # total seconds spent on one logical operation
    base_delay: float = 0.2
    max_delay: float = 10.0
    max_attempts: int = 12

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Full-jitter exponential backoff; ``Retry-After`` is a floor when Roblox gives it."""
        ceiling = min(self.max_delay, self.base_delay * 2**attempt)
        delay = random.uniform(ceiling / 2, ceiling)
        return max(delay, retry_after) if retry_after is not None else delay


class OutcomeUnknown(Exception):
    """A write may or may not have been applied; ``error`` is what to raise if we give up."""

    def __init__(self, error: DataStoreError) -> None:
        super().__init__(error.message)
        self.error = error


def not_sent(exc: BaseException) -> bool:
    """True when the request certainly never reached the server."""
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def transport_error(exc: httpx.TransportError, what: str) -> Unavailable:
    return Unavailable(
        f"Could not reach Open Cloud for {what} ({type(exc).__name__}); check the network "
        "or --base-url and try again."
    )


class Deadline:
    """The time budget of one logical operation, shared by its attempts and reconciliation."""

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._start = clock()
        self.attempt = 0

    def next_delay(self, retry_after: float | None = None) -> float | None:
        """Seconds to sleep before the next attempt, or None when the budget is spent."""
        delay = self.policy.backoff(self.attempt, retry_after)
        self.attempt += 1
        spent = self._clock() - self._start
        if self.attempt >= self.policy.max_attempts or spent + delay > self.policy.max_elapsed:
            return None
        return delay

    def give_up(self, last: DataStoreError) -> DataStoreError:
        seconds = self._clock() - self._start
        detail = f"{last.message} (gave up after {self.attempt} attempts in {seconds:.1f} s)"
        if isinstance(last, RateLimited):
            return RateLimited(detail, retry_after=last.retry_after)
        if isinstance(last, Unavailable):
            return Unavailable(detail)
        return last


async def run_reconciled(
    send: Callable[[], Awaitable[T]],
    reconcile: Callable[[], Awaitable[T | None]],
    deadline: Deadline,
    sleep: Callable[[float], Awaitable[None]],
) -> T:
    """Send a non-idempotent write; after an unknown outcome, ``reconcile`` reads history and
    returns the write's result if it was applied, or None if it was not (then resend)."""
    while True:
        try:
            return await send()
        except OutcomeUnknown as unknown:
            applied = await reconcile()
            if applied is not None:
                return applied
            delay = deadline.next_delay()
            if delay is None:
                raise deadline.give_up(unknown.error) from None
            await sleep(delay)
