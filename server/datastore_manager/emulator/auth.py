"""API keys the emulator accepts and the permission scopes each one holds (FACTS §2, §15).

Key values are secrets: they are kept only to compare against the ``x-api-key`` header and
never appear in messages, reprs or logs.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..model import InvalidArgument

ALL_SCOPES = "*"

# Permission scopes of the data-store APIs (FACTS §15; ordered scopes from OV1).
CONTROL_LIST = "universe-datastores.control:list"
CONTROL_CREATE = "universe-datastores.control:create"
CONTROL_DELETE = "universe-datastores.control:delete"
CONTROL_SNAPSHOT = "universe-datastores.control:snapshot"
OBJECTS_LIST = "universe-datastores.objects:list"
OBJECTS_READ = "universe-datastores.objects:read"
OBJECTS_CREATE = "universe-datastores.objects:create"
OBJECTS_UPDATE = "universe-datastores.objects:update"
OBJECTS_DELETE = "universe-datastores.objects:delete"
VERSIONS_LIST = "universe-datastores.versions:list"
VERSIONS_READ = "universe-datastores.versions:read"
ORDERED_READ = "universe.ordered-data-store.scope.entry:read"
ORDERED_WRITE = "universe.ordered-data-store.scope.entry:write"

KNOWN_SCOPES = frozenset(
    {
        CONTROL_LIST,
        CONTROL_CREATE,
        CONTROL_DELETE,
        CONTROL_SNAPSHOT,
        OBJECTS_LIST,
        OBJECTS_READ,
        OBJECTS_CREATE,
        OBJECTS_UPDATE,
        OBJECTS_DELETE,
        VERSIONS_LIST,
        VERSIONS_READ,
        ORDERED_READ,
        ORDERED_WRITE,
    }
)


@dataclass(frozen=True, slots=True)
class ApiKey:
    secret: str = field(repr=False)
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return ALL_SCOPES in self.scopes or scope in self.scopes


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The configured keys; an empty ring accepts any non-empty key with every scope."""

    keys: tuple[ApiKey, ...] = ()

    @property
    def open(self) -> bool:
        return not self.keys

    def find(self, presented: str | None) -> ApiKey | None:
        """The key matching the header value, or None (→ 401)."""
        if not presented:
            return None
        if self.open:
            return _ANY_KEY
        for key in self.keys:
            # Constant-time comparison: the emulator may be reachable from other processes.
            if hmac.compare_digest(key.secret.encode(), presented.encode()):
                return key
        return None


_ANY_KEY = ApiKey(secret="", scopes=frozenset({ALL_SCOPES}))


def parse_api_key(spec: str) -> ApiKey:
    """``KEY=scope1,scope2`` or ``KEY=*``; errors never echo the key itself."""
    secret, sep, scopes_text = spec.partition("=")
    if not sep or not secret:
        raise InvalidArgument(
            "--api-key must look like KEY=SCOPES, e.g. "
            "mykey=universe-datastores.objects:read,universe-datastores.objects:list or mykey=*."
        )
    scopes = frozenset(s.strip() for s in scopes_text.split(",") if s.strip())
    if not scopes:
        raise InvalidArgument("--api-key KEY=SCOPES needs at least one scope (or * for all).")
    unknown = sorted(scopes - KNOWN_SCOPES - {ALL_SCOPES})
    if unknown:
        raise InvalidArgument(
            f"Unknown scope(s) {', '.join(unknown)} in --api-key; known scopes are "
            f"{', '.join(sorted(KNOWN_SCOPES))}, or * for all."
        )
    return ApiKey(secret=secret, scopes=scopes)


def key_ring(specs: Iterable[str]) -> KeyRing:
    return KeyRing(tuple(parse_api_key(spec) for spec in specs))
