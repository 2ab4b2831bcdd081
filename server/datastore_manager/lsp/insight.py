"""``dataStore/storeStats`` (the dashboard) and ``dataStore/testConnection`` (what the
connection's credentials may do): thin handlers over services/stats.py and services/probe.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model import InvalidArgument, parse_target
from ..services.probe import permissions, usable
from ..services.stats import DEFAULT_SAMPLE, budget_of, store_stats
from .requests import _int, _str, request

if TYPE_CHECKING:
    from .server import DsmServer


@request("dataStore/storeStats")
async def stats(server: DsmServer, params: dict[str, Any]) -> Any:
    connection, store = _str(params, "connection"), _str(params, "store")
    field = params.get("field")
    if field is not None and not isinstance(field, str):
        raise InvalidArgument("Parameter 'field' must be a string (a dotted path) or null.")
    scope = params.get("scope")
    if scope is not None and (not isinstance(scope, str) or not scope):
        raise InvalidArgument("Parameter 'scope' must be a non-empty string.")
    sample = _int(params, "sample") or DEFAULT_SAMPLE
    backend = server.state.backend(connection)
    result = await store_stats(backend, store, scope=scope, field=field or None, sample=sample)
    return result | {"connection": connection, "budget": server.status.history(connection)}


@request("dataStore/testConnection")
async def test_connection(server: DsmServer, params: dict[str, Any]) -> Any:
    """``ok`` when every probed operation is allowed (a denied or failed probe says why)."""
    connection = _str(params, "connection")
    config = server.state.settings.connections.get(connection)
    backend = server.state.backend(connection)  # NotFound for an unknown connection
    target = config.target if config is not None else ""
    kind = parse_target(target).kind.value if target else "local"
    rows = await permissions(backend, kind)
    budget = budget_of(backend)
    return {
        "connection": connection,
        "ok": usable(rows),
        "target": target,
        "kind": kind,
        "readOnly": backend.read_only,
        "permissions": rows,
        "budget": None
        if budget is None
        else {"used": budget.used, "limit": budget.limit, "queued": budget.queued},
    }
