"""What a connection's credentials may do: read-only probes per operation.

``dsm doctor`` and the language server's ``dataStore/testConnection`` share this. Each probe
is one read-only call against a store that is never written (``PROBE_STORE``): "not found"
still proves the permission. Writes are never probed (the only proof would be a write): their
``allowed`` is None for Open Cloud; local stores allow everything; snapshots only reads.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..backends import DataStoreBackend
from ..backends.opencloud import operations as ops
from ..model import DataStoreError, NotSupported, PermissionDenied, Unauthenticated

PROBE_STORE = "__dsm_doctor__"  # never written: reads of it answer "not found" when allowed


@dataclass
class Check:
    name: str
    status: str  # ok | denied | failed | skipped
    detail: str
    millis: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.name, "status": self.status, "detail": self.detail, "ms": self.millis}


async def probe(name: str, call: Callable[[], Awaitable[object]]) -> Check:
    """Run one read-only call; "not found" still proves the permission."""
    started = time.perf_counter()
    try:
        await call()
        status, detail = "ok", "allowed"
    except PermissionDenied as exc:
        scopes = exc.details.get("scopes") or []
        status = "denied"
        detail = f"key lacks {' or '.join(scopes)}" if scopes else exc.message
    except Unauthenticated as exc:
        status, detail = "denied", exc.message
    except NotSupported as exc:
        status, detail = "skipped", exc.message
    except DataStoreError as exc:
        if exc.code == "NOT_FOUND":
            status, detail = "ok", "allowed (nothing there)"
        else:
            status, detail = "failed", exc.message
    return Check(name, status, detail, round((time.perf_counter() - started) * 1000, 1))


#: (operation id, check name, Open Cloud operation, the read-only call) for every probe.
def _probes(
    backend: DataStoreBackend,
) -> list[tuple[str, str, ops.Operation, Callable[[], Awaitable[object]]]]:
    return [
        (
            "listStores",
            "reach: list data stores",
            ops.LIST_DATA_STORES,
            lambda: backend.list_data_stores(limit=1),
        ),
        (
            "listKeys",
            "list entries",
            ops.LIST_KEYS,
            lambda: backend.list_keys(PROBE_STORE, limit=1),
        ),
        ("read", "read entry", ops.GET_ENTRY, lambda: backend.get_entry(PROBE_STORE, "k")),
        (
            "listVersions",
            "list versions",
            ops.LIST_VERSIONS,
            lambda: backend.list_versions(PROBE_STORE, "k", limit=1),
        ),
        (
            "readOrdered",
            "read ordered entry",
            ops.GET_ORDERED,
            lambda: backend.get_ordered(PROBE_STORE, "k"),
        ),
    ]


#: Operations never probed (a write would be the only proof).
UNPROBED: tuple[tuple[str, ops.Operation], ...] = (
    ("write", ops.SET_ENTRY),
    ("delete", ops.DELETE_ENTRY),
    ("writeOrdered", ops.UPDATE_ORDERED),
    ("snapshot", ops.SNAPSHOT),
)


async def diagnose(backend: DataStoreBackend) -> tuple[list[Check], dict[str, Any] | None]:
    """``dsm doctor``'s checks and the request budget (Open Cloud) of a backend."""
    checks = [await probe(name, call) for _, name, _, call in _probes(backend)]
    checks.append(
        Check(
            "write / delete / snapshot",
            "skipped",
            "not probed: the only proof would be a write; a missing scope is named on first use",
        )
    )
    client = getattr(backend, "client", None)
    budget = client.budget.status().to_dict() if client is not None else None
    return checks, budget


async def permissions(backend: DataStoreBackend, kind: str) -> list[dict[str, Any]]:
    """Per operation: ``{operation, scope, allowed, probed, detail}``. ``kind`` is the target kind
    (``local`` / ``opencloud`` / ``snapshot``); ``allowed`` is None when not probed."""
    rows: list[dict[str, Any]] = []
    if kind == "opencloud":
        for operation, _, op, call in _probes(backend):
            check = await probe(op.name, call)
            allowed = {"ok": True, "denied": False}.get(check.status)
            rows.append(_row(operation, op, allowed, check.detail, probed=True))
        for operation, op in UNPROBED:
            rows.append(_row(operation, op, None, "not probed: a write would be the only proof"))
        return rows
    writable = kind != "snapshot" and not backend.read_only
    for operation, _, op, _call in _probes(backend):
        rows.append(_row(operation, op, True, f"allowed ({kind} store)"))
    for operation, op in UNPROBED:
        detail = f"allowed ({kind} store)" if writable else f"read-only ({kind})"
        rows.append(_row(operation, op, writable, detail))
    return rows


def _row(
    operation: str, op: ops.Operation, allowed: bool | None, detail: str, *, probed: bool = False
) -> dict[str, Any]:
    return {
        "operation": operation,
        "scope": " | ".join(op.scopes),
        "allowed": allowed,
        "probed": probed,
        "detail": detail,
    }


def usable(rows: list[dict[str, Any]]) -> bool:
    """Every probed operation allowed (local and snapshot stores probe nothing)."""
    return all(row["allowed"] is True for row in rows if row["probed"])
