"""The emulator's ASGI application: one pipeline in front of every Roblox endpoint.

Per request, in order: route → API key (401) → universe → static scopes (403) → latency and
injected pre-faults (429 / 5xx / reset) → rate limit (429) → the operation → injected
post-faults (5xx_after / reset_after) → rate-limit headers. Written as a plain ASGI callable
rather than Starlette middleware to keep per-request overhead low.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..model import DataStoreError
from .auth import KeyRing
from .context import Call, ScopeMissing
from .faults import NO_FAULTS, Fault, FaultPlan, FaultSpec
from .rate_limits import RateLimitConfig, RateLimiter
from .routing import Operation, Router
from .universes import UniverseStores
from .wire import Api, error_from_exception, error_response, gateway_error, permission_denied

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EmulatorSettings:
    keys: KeyRing = field(default_factory=KeyRing)
    rate_limits: RateLimitConfig | None = None
    faults: FaultSpec = NO_FAULTS
    seed: int = 0
    #: The universe a new data file records (single-file mode).
    universe_id: int | None = None


class InjectedReset(Exception):
    """Raised to drop a connection when the server gives no lower-level way to do it."""


def all_operations() -> tuple[Operation, ...]:
    from . import v1_ordered, v1_standard, v2_standard

    return v1_standard.OPERATIONS + v1_ordered.OPERATIONS + v2_standard.OPERATIONS


class EmulatorApp:
    def __init__(self, universes: UniverseStores, settings: EmulatorSettings) -> None:
        self.universes = universes
        self.settings = settings
        self.router = Router(all_operations())
        self.limiter = RateLimiter(settings.rate_limits) if settings.rate_limits else None
        self.faults = FaultPlan(settings.faults, settings.seed)

    # ---- lifecycle ---------------------------------------------------------------------

    async def startup(self) -> None:
        self.universes.start()

    async def shutdown(self) -> None:
        await self.universes.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:  # the runner prints it and exits non-zero
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # ---- requests ----------------------------------------------------------------------

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        found = self.router.match(scope["method"], path.partition("?")[0])
        if found is None:
            await gateway_error(404, "NotFound")(scope, receive, send)
            return
        operation, params = found
        request = Request(scope, receive)
        response = await self._handle(operation, params, request, send)
        if response is not None:
            await response(scope, receive, send)

    async def _handle(
        self, operation: Operation, params: dict[str, str], request: Request, send: Send
    ) -> Response | None:
        api = operation.api
        key = self.settings.keys.find(request.headers.get("x-api-key"))
        if key is None:
            return gateway_error(401, "Invalid API Key")
        universe_text = params.pop("universe")
        if not universe_text.isdigit():
            return error_response(
                api, 400, "INVALID_ARGUMENT", f"Universe id {universe_text!r} is not a number."
            )
        universe = int(universe_text)
        backend = self.universes.backend_for(universe)
        if backend is None:
            return error_response(
                api,
                403,
                "PERMISSION_DENIED",
                f"This emulator serves universe {self.universes.fixed_universe}; the request "
                f"names universe {universe}. Check the universe id in your URL.",
            )
        for scope_name in operation.scopes:
            if not key.allows(scope_name):
                return permission_denied(api, scope_name, universe)

        fault = await self._pre_fault(api)
        if isinstance(fault, Response):
            return fault
        if fault is Fault.RESET:
            await self._drop_connection(send)
            return None

        headers: dict[str, str] = {}
        if self.limiter is not None and operation.category is not None:
            verdict = self.limiter.admit(time.monotonic(), universe, operation.category)
            headers = verdict.headers()
            if not verdict.allowed:
                return error_response(
                    api,
                    429,
                    "RESOURCE_EXHAUSTED",
                    f"Too many {operation.category} requests for universe {universe}: the limit "
                    f"is {verdict.limit} per {verdict.window_seconds} s. Retry after "
                    f"{headers['retry-after']} s.",
                    datastore_code="Throttled",
                    headers=headers,
                )

        call = Call(request, params, universe, backend, key, api, self.limiter)
        try:
            response = await operation.handler(call)
        except ScopeMissing as missing:
            response = permission_denied(api, missing.scope, universe)
        except DataStoreError as exc:
            response = error_from_exception(api, exc)

        if fault is Fault.SERVER_ERROR_AFTER:
            return _injected_error(api, 500)
        if fault is Fault.RESET_AFTER:
            await self._drop_connection(send)
            return None
        if headers:
            response.headers.update(headers)
        return response

    async def _pre_fault(self, api: Api) -> Fault | Response:
        spec = self.settings.faults
        if not spec.active:
            return Fault.NONE
        if spec.latency_seconds:
            await asyncio.sleep(spec.latency_seconds)
        fault = self.faults.next_fault()
        if fault is Fault.THROTTLE:
            return _injected_error(api, 429)
        if fault is Fault.SERVER_ERROR:
            return _injected_error(api, 500)
        return fault

    async def _drop_connection(self, send: Send) -> None:
        """Abort the TCP connection with no response (uvicorn's send is bound to the cycle that
        owns the transport). Falls back to a truncated response if that is unavailable."""
        transport: Any = getattr(getattr(send, "__self__", None), "transport", None)
        if transport is not None and hasattr(transport, "abort"):
            transport.abort()
            await asyncio.sleep(0)  # let connection_lost mark the cycle as disconnected
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise InjectedReset("injected connection reset")


def _injected_error(api: Api, status: int) -> Response:
    if status == 429:
        # No Retry-After: clients must follow it when present and back off exponentially
        # otherwise (RL); budget 429s test the first path, injected ones the second.
        return error_response(
            api,
            429,
            "RESOURCE_EXHAUSTED",
            "Too many requests (injected fault).",
            datastore_code="Throttled",
        )
    return error_response(api, 500, "INTERNAL", "Internal server error (injected fault).")
