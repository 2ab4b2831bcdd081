"""``dataStore/auditLog``: the audit log for the extension's "Audit Log" view — records newest
first (services/audit/reader.py) and the state of the log's hash chain (services/audit/verify.py,
the check ``dsm audit verify`` runs)."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..backends.cursors import decode_cursor, encode_cursor, fingerprint
from ..model import DataStoreError, InvalidArgument, parse_time
from ..model.uris import entry_uri
from ..services.audit import AuditFilter, AuditTrail, VerifyReport, audit_directory, verify_log
from ..services.audit.chain import head_path
from ..services.audit.reader import read_newest
from .requests import _int, request

if TYPE_CHECKING:
    from .server import DsmServer

DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 1000

#: verify_log results by log, valid while the log and its head are unchanged (a view refresh
#: must not re-hash a long log that nobody touched).
_VERIFIED: dict[Path, tuple[tuple[int, ...], VerifyReport]] = {}
_VERIFYING = threading.Lock()


def _optional(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is not None and (not isinstance(value, str) or not value):
        raise InvalidArgument(f"Parameter {name!r} must be a non-empty string.")
    return value


@request("dataStore/auditLog")
async def audit_log(server: DsmServer, params: dict[str, Any]) -> Any:
    """Records of the workspace log (``connection``: that connection's own log), newest first,
    filtered by ``store``/``key``/``since``; ``nextCursor`` pages to older records."""
    connection = _optional(params, "connection")
    since = _optional(params, "since")
    where = AuditFilter(
        key=_optional(params, "key"),
        store=_optional(params, "store"),
        connection=connection,
        since=parse_time(since) if since else None,
    )
    limit = _int(params, "limit") or DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidArgument(f"Parameter 'limit' must be 1-{MAX_LIMIT}, got {limit}.")
    trail = AuditTrail(audit_directory(server.state.config_path))
    log = trail.connection_log(connection) if connection else trail.workspace_log
    query = fingerprint("auditLog", str(log), where.key, where.store, connection, since)
    cursor = params.get("cursor")
    before = None
    if cursor:
        position = decode_cursor(str(cursor), query)
        if len(position) != 1 or not isinstance(position[0], int) or position[0] < 0:
            raise InvalidArgument("Invalid cursor: start again without a cursor.")
        before = position[0]
    # off the event loop: a filter can scan a long log, and a changed log is re-verified whole
    # (100,000 records, 46 MB: about 1 s for a key filter without matches, 3 s to verify)
    page = await asyncio.to_thread(read_newest, log, where, before=before, limit=limit)
    chain = await asyncio.to_thread(verified, log)
    return {
        "log": str(log),
        "records": [_record(record) for _, record in page.records],
        "nextCursor": None if page.before is None else encode_cursor(query, [page.before]),
        "chain": _chain(chain),
    }


def verified(log: Path) -> VerifyReport:
    """``verify_log(log)``, recomputed only when the log or its head changed."""
    with _VERIFYING:  # one verification at a time: concurrent refreshes share its result
        signature = _signature(log) + _signature(head_path(log))
        cached = _VERIFIED.get(log)
        if cached is not None and cached[0] == signature:
            return cached[1]
        report = verify_log(log)
        _VERIFIED[log] = (signature, report)
        return report


def _signature(path: Path) -> tuple[int, ...]:
    try:
        stat = os.stat(path)
    except OSError:
        return (-1,)
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _chain(report: VerifyReport) -> dict[str, Any]:
    chain: dict[str, Any] = {
        "ok": report.ok,
        "checked": report.records,
        "uncommitted": report.uncommitted,
    }
    if report.broken is not None:
        chain["firstBroken"] = {"line": report.broken.line, "reason": report.broken.problem}
    return chain


def _text(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    return value if isinstance(value, str) else None


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _record(record: dict[str, Any]) -> dict[str, Any]:
    """One record as the view shows it; ``beforeUri``/``afterUri`` are the read-only version
    URIs of a standard entry's versions before and after the write (for a diff)."""
    connection, store = _text(record, "connection"), _text(record, "store")
    scope, key = _text(record, "scope"), _text(record, "key")
    operation = _text(record, "operation") or ""
    before, after = _text(record, "versionBefore"), _text(record, "versionAfter")
    uris: dict[str, str | None] = {"beforeUri": None, "afterUri": None}
    if connection and store and scope and key and not operation.startswith("ordered."):
        try:
            latest = entry_uri(connection, store, key, scope=scope)
            uris = {
                "beforeUri": str(latest.at_version(before)) if before else None,
                "afterUri": str(latest.at_version(after)) if after else None,
            }
        except DataStoreError:  # names a hand-edited log made unaddressable
            pass
    seq = record.get("seq")
    size, value_after = record.get("size"), record.get("valueAfter")
    return {
        "line": seq + 1 if isinstance(seq, int) and _integer(seq) else None,
        "time": _text(record, "time"),
        "user": _text(record, "osUser"),
        "identity": _text(record, "identity"),
        "connection": connection,
        "role": _text(record, "role"),
        "store": store,
        "scope": scope,
        "key": key,
        "operation": operation,
        "outcome": _text(record, "outcome"),
        "refusal": _text(record, "refusal"),
        "forced": record.get("forced") is True,
        "versionBefore": before,
        "versionAfter": after,
        "valueAfter": value_after if _integer(value_after) else None,
        "size": size if _integer(size) else None,
        "reason": _text(record, "reason"),
        "job": _text(record, "job"),
        **uris,
    }
