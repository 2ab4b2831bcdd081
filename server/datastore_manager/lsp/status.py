"""The ``dataStore/status`` notification: per connection, budget use and a warning state.

Sent when a connection's status changes, at most once per ``INTERVAL`` (0.5 s) per
connection: a ticker samples every open backend's request budget (Open Cloud) while the
server runs; requests mark a connection ``rateLimited`` (a RateLimited error, a 429 from
Roblox in the last 10 s, or requests queued behind the budget) or ``offline`` (an Unavailable
error) until one succeeds again.
The ticker also feeds each connection's budget history (``dataStore/storeStats``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..model import DataStoreError, RateLimited, Unavailable
from ..model.uris import is_datastore_uri, parse_uri
from ..services.stats import BudgetHistory, budget_of
from .errors import RATE_LIMITED, UNAVAILABLE, DataStoreRpcError

if TYPE_CHECKING:
    from .server import DsmServer

METHOD = "dataStore/status"
INTERVAL = 0.5  # seconds: at most 2 notifications a second per connection
RATE_LIMITED_FOR = 10.0  # seconds a RateLimited answer keeps the warning


def connection_of(params: Any) -> str | None:
    """The connection a ``dataStore/*`` request is about (``connection`` or its ``uri``)."""
    if not isinstance(params, Mapping):
        return None
    connection = params.get("connection")
    if isinstance(connection, str) and connection:
        return connection
    uri = params.get("uri")
    if isinstance(uri, str) and is_datastore_uri(uri):
        try:
            return parse_uri(uri).connection
        except DataStoreError:
            return None
    return None


class StatusMonitor:
    def __init__(self, server: DsmServer) -> None:
        self.server = server
        self.sent: dict[str, dict[str, Any]] = {}
        self.sent_at: dict[str, float] = {}
        self.rate_limited_until: dict[str, float] = {}
        self.offline: dict[str, bool] = {}
        self.histories: dict[str, BudgetHistory] = {}
        self._task: asyncio.Task[None] | None = None

    # ---- inputs ---------------------------------------------------------------------

    @contextmanager
    def watch(self, params: Any) -> Iterator[None]:
        """Around one request: its outcome updates the connection's warning state."""
        connection = connection_of(params)
        self.start()
        try:
            yield
        except (DataStoreRpcError, DataStoreError) as error:
            if connection is not None:
                self.note_error(connection, error)
            raise
        else:
            if connection is not None and self.offline.get(connection):
                self.offline[connection] = False
                self.refresh(connection)

    def note_error(self, connection: str, error: Exception) -> None:
        code = error.code if isinstance(error, DataStoreRpcError) else None
        if code == RATE_LIMITED or isinstance(error, RateLimited):
            self.rate_limited_until[connection] = time.monotonic() + RATE_LIMITED_FOR
        elif code == UNAVAILABLE or isinstance(error, Unavailable):
            self.offline[connection] = True
        else:
            return
        self.refresh(connection)

    # ---- the notification ------------------------------------------------------------

    def status(self, connection: str) -> dict[str, Any]:
        backend = self.server.state.backends.get(connection)
        budget = budget_of(backend) if backend is not None else None
        if budget is not None:
            self.histories.setdefault(connection, BudgetHistory()).add(budget.used, budget.limit)
        limited_until = self.rate_limited_until.get(connection, 0.0)
        return {
            "connection": connection,
            "budgetUsed": budget.used if budget is not None else None,
            "budgetLimit": budget.limit if budget is not None else None,
            "queued": budget.queued if budget is not None else 0,
            "rateLimited": time.monotonic() < limited_until
            or (budget is not None and budget.throttled)
            or (budget is not None and budget.queued > 0 and budget.used >= budget.limit),
            "offline": self.offline.get(connection, False),
        }

    def refresh(self, connection: str, *, now: float | None = None) -> bool:
        """Send the connection's status if it changed and the last one is ``INTERVAL`` old
        (the ticker sends a held-back change on its next tick). True when sent."""
        current = self.status(connection)
        if self.sent.get(connection) == current:
            return False
        now = time.monotonic() if now is None else now
        if now - self.sent_at.get(connection, -INTERVAL) < INTERVAL:
            return False
        self.sent[connection] = current
        self.sent_at[connection] = now
        self.server.protocol.notify(METHOD, current)
        return True

    def history(self, connection: str) -> list[dict[str, Any]]:
        backend = self.server.state.backends.get(connection)
        if backend is None or budget_of(backend) is None:
            return []
        self.status(connection)  # adds the current point
        return self.histories[connection].to_list()

    # ---- the ticker ----------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._tick())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _tick(self) -> None:
        while True:
            for connection in list(self.server.state.backends):
                try:
                    self.refresh(connection)
                except Exception:  # a closed transport at shutdown: stop quietly
                    return
            await asyncio.sleep(INTERVAL)
