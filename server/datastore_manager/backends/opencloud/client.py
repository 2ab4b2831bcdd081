"""The HTTP client: one keep-alive ``httpx.AsyncClient`` per universe, every request admitted by
the budget, retried per :mod:`.retries`, and failures mapped per :mod:`.errors`.

The API key is only ever placed in the ``x-api-key`` header of outgoing requests; it is not
logged, and transport exceptions are replaced (``from None``) so that no request object
carrying it rides along in a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ...security import ApiKey
from .budget import RequestBudget
from .errors import Subject, error_from_response, retry_after_seconds
from .operations import Operation
from .paths import DEFAULT_BASE_URL
from .retries import (
    RETRYABLE_STATUS,
    Deadline,
    OutcomeUnknown,
    RetryPolicy,
    not_sent,
    transport_error,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=30.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=32, max_keepalive_connections=16, keepalive_expiry=30)
USER_AGENT = "datastore-manager (+https://github.com/) httpx"


@dataclass(frozen=True, slots=True)
class Call:
    """One logical request (resent as is on retry)."""

    operation: Operation
    method: str
    path: str
    subject: Subject
    params: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None
    content: bytes | None = None
    json_body: Any = None
    ok: frozenset[int] = field(default_factory=lambda: frozenset({200}))
    throughput_key: str | None = None  # entry identity for per-key throughput
    write_bytes: int = 0


@dataclass(frozen=True, slots=True)
class Reply:
    response: httpx.Response
    uncertain: bool  # an earlier attempt of this call may have been applied


@dataclass(slots=True)
class ClientStats:
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    failures: int = 0


class OpenCloudClient:
    def __init__(
        self,
        universe_id: int,
        api_key: ApiKey,
        *,
        base_url: str = DEFAULT_BASE_URL,
        budget: RequestBudget | None = None,
        retry_policy: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.universe_id = universe_id
        self.base_url = base_url.rstrip("/")
        self.budget = budget or RequestBudget()
        self.retry_policy = retry_policy or RetryPolicy()
        self.stats = ClientStats()
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"x-api-key": api_key.reveal(), "user-agent": USER_AGENT},
            timeout=timeout,
            limits=DEFAULT_LIMITS,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def deadline(self) -> Deadline:
        return Deadline(self.retry_policy)

    async def sleep(self, seconds: float) -> None:
        await self._sleep(seconds)

    async def send(self, call: Call, deadline: Deadline | None = None) -> Reply:
        """Send ``call`` until it succeeds (a status in ``call.ok``), fails for good, or its
        outcome is unknown for a non-idempotent operation (:class:`OutcomeUnknown`)."""
        deadline = deadline or self.deadline()
        uncertain = False
        while True:
            outcome = await self._attempt(call)
            if isinstance(outcome, httpx.Response):
                if outcome.status_code in call.ok:
                    return Reply(outcome, uncertain)
                error = error_from_response(outcome, call.operation, call.subject)
                if outcome.status_code not in RETRYABLE_STATUS:
                    self.stats.failures += 1
                    raise error
                retry_after = retry_after_seconds(outcome)
                # Roblox refuses a throttled request before doing anything: always resendable.
                safe = outcome.status_code == 429 or call.operation.idempotent
                if outcome.status_code == 429:
                    self.stats.throttled += 1
                else:
                    uncertain = True
            else:
                error = transport_error(outcome, call.operation.name)
                retry_after = None
                safe = not_sent(outcome) or call.operation.idempotent
                uncertain = uncertain or not not_sent(outcome)
            if not safe:
                self.stats.failures += 1
                raise OutcomeUnknown(error)
            delay = deadline.next_delay(retry_after)
            if delay is None:
                self.stats.failures += 1
                raise deadline.give_up(error)
            self.stats.retries += 1
            log.debug("retrying %s in %.2fs: %s", call.operation.name, delay, error.code)
            await self._sleep(delay)

    async def _attempt(self, call: Call) -> httpx.Response | httpx.TransportError:
        async with self.budget.admit(
            call.operation.category, key=call.throughput_key, write_bytes=call.write_bytes
        ) as admission:
            self.stats.requests += 1
            try:
                response = await self._http.request(
                    call.method,
                    call.path,
                    params=call.params,
                    headers=call.headers,
                    content=call.content,
                    json=call.json_body,
                )
            except httpx.TransportError as exc:
                log.debug("%s %s failed: %s", call.method, call.path, type(exc).__name__)
                return exc
            read_bytes = len(response.content) if call.operation.is_read else 0
            admission.observe(response.status_code, response.headers, read_bytes=read_bytes)
            log.debug("%s %s -> %s", call.method, call.path, response.status_code)
            return response
