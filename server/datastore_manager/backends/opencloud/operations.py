"""The catalogue of Open Cloud operations we call: permission scopes, budget category, and
whether resending one after an unknown outcome is harmless (FACTS §3–6, §14, §15)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Operation:
    name: str  # human wording for messages: "update entry"
    category: str  # a key of model.limits.REQUESTS_PER_MINUTE
    scopes: tuple[str, ...]  # any one of them may be the one missing (FACTS §15)
    idempotent: bool  # True for reads and writes that cannot double-apply when resent
    writes_bytes: bool = False  # counts against the per-key write throughput

    @property
    def is_read(self) -> bool:
        return self.category.endswith((".read", ".list"))


_DS = "universe-datastores"
_ORDERED_READ = ("universe.ordered-data-store.scope.entry:read",)
_ORDERED_WRITE = ("universe.ordered-data-store.scope.entry:write",)
_SET_SCOPES = (f"{_DS}.objects:update", f"{_DS}.objects:create", f"{_DS}.control:create")

LIST_DATA_STORES = Operation("list data stores", "standard.list", (f"{_DS}.control:list",), True)
DELETE_DATA_STORE = Operation(
    "delete data store", "standard.remove", (f"{_DS}.control:delete",), True
)
UNDELETE_DATA_STORE = Operation(
    "undelete data store", "standard.remove", (f"{_DS}.control:delete",), True
)
SNAPSHOT = Operation("snapshot data stores", "standard.write", (f"{_DS}.control:snapshot",), True)
LIST_KEYS = Operation("list entries", "standard.list", (f"{_DS}.objects:list",), True)
GET_ENTRY = Operation("read entry", "standard.read", (f"{_DS}.objects:read",), True)
GET_VERSION = Operation("read entry version", "standard.read", (f"{_DS}.versions:read",), True)
LIST_VERSIONS = Operation("list entry versions", "standard.list", (f"{_DS}.versions:list",), True)
# Conditional sets are resent with the same matchVersion/exclusiveCreate, so they cannot
# double-apply; unconditional ones are reconciled first (see retries.py).
SET_ENTRY = Operation("write entry", "standard.write", _SET_SCOPES, False, writes_bytes=True)
INCREMENT_ENTRY = Operation(
    "increment entry", "standard.write", _SET_SCOPES, False, writes_bytes=True
)
DELETE_ENTRY = Operation(
    "delete entry", "standard.remove", (f"{_DS}.objects:delete",), False, writes_bytes=True
)
LIST_ORDERED = Operation("list ordered entries", "ordered.list", _ORDERED_READ, True)
GET_ORDERED = Operation("read ordered entry", "ordered.read", _ORDERED_READ, True)
CREATE_ORDERED = Operation("create ordered entry", "ordered.write", _ORDERED_WRITE, False)
UPDATE_ORDERED = Operation("update ordered entry", "ordered.write", _ORDERED_WRITE, True)
INCREMENT_ORDERED = Operation("increment ordered entry", "ordered.write", _ORDERED_WRITE, False)
DELETE_ORDERED = Operation("delete ordered entry", "ordered.remove", _ORDERED_WRITE, True)
# A set with matchVersion / exclusiveCreate: resending cannot double-apply (a 412 after an
# uncertain attempt is reconciled against the entry's history by the backend).
SET_ENTRY_CONDITIONAL = Operation(
    "write entry", "standard.write", _SET_SCOPES, True, writes_bytes=True
)
