"""Typed value objects shared by every backend, the services and both front ends."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeAlias, TypeVar

from .times import format_time

JsonValue: TypeAlias = Any
"""Anything ``json.dumps`` accepts: None, bool, int, float, str, list, dict."""

Attributes: TypeAlias = Mapping[str, JsonValue]

T = TypeVar("T")


class StoreKind(StrEnum):
    STANDARD = "standard"
    ORDERED = "ordered"


class StoreState(StrEnum):
    ACTIVE = "ACTIVE"
    DELETED = "DELETED"


@dataclass(frozen=True, slots=True)
class Universe:
    """An experience; its id is ``DataModel.GameId``, not a place id (FACTS §1)."""

    id: int
    name: str = ""


@dataclass(frozen=True, slots=True)
class DataStoreInfo:
    name: str
    created_time: datetime | None
    kind: StoreKind = StoreKind.STANDARD
    state: StoreState = StoreState.ACTIVE
    expire_time: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "state": self.state.value,
            "createdTime": _time(self.created_time),
            "expireTime": _time(self.expire_time),
        }


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """One row of a key listing; ``deleted`` marks keys whose latest version is a tombstone."""

    scope: str
    key: str
    deleted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "key": self.key, "deleted": self.deleted}


@dataclass(frozen=True, slots=True)
class EncodedValue:
    """A value as Roblox stores it: compact JSON text, its base64 MD5 and its size in characters."""

    text: str
    md5: str
    size: int

    @classmethod
    def from_value(cls, value: JsonValue) -> EncodedValue:
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            from .errors import InvalidArgument

            raise InvalidArgument(f"Value is not valid JSON: {exc}.") from None
        return cls.from_text(text)

    @classmethod
    def from_text(cls, text: str) -> EncodedValue:
        return cls(text=text, md5=content_md5(text), size=len(text))


def content_md5(text: str) -> str:
    """base64(md5(utf-8 body)), the ``content-md5`` header's format (FACTS §3)."""
    return base64.b64encode(hashlib.md5(text.encode("utf-8")).digest()).decode("ascii")


@dataclass(frozen=True, slots=True)
class EntryWrite:
    """One write of a batch (:meth:`DataStoreBackend.set_entries`); same meaning as set_entry."""

    store: str
    key: str
    value: JsonValue
    scope: str = "global"
    match_version: str | None = None
    exclusive_create: bool = False
    attributes: Mapping[str, JsonValue] | None = None
    user_ids: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One version of a standard entry (v1 ``EntryVersion``)."""

    version: str
    deleted: bool
    content_length: int
    created_time: datetime  # when this version was written
    object_created_time: datetime  # when the entry was first created

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "deleted": self.deleted,
            "contentLength": self.content_length,
            "createdTime": format_time(self.created_time),
            "objectCreatedTime": format_time(self.object_created_time),
        }


@dataclass(frozen=True, slots=True)
class Entry:
    """A standard entry at one version, with its service and user metadata."""

    store: str
    scope: str
    key: str
    value: JsonValue
    version: str
    created_time: datetime  # entry (object) creation
    updated_time: datetime  # latest version of the entry
    version_created_time: datetime  # this version
    attributes: dict[str, JsonValue] = field(default_factory=dict)
    user_ids: tuple[int, ...] = ()
    content_md5: str = ""
    size: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "scope": self.scope,
            "key": self.key,
            "value": self.value,
            "version": self.version,
            "createdTime": format_time(self.created_time),
            "updatedTime": format_time(self.updated_time),
            "versionCreatedTime": format_time(self.version_created_time),
            "attributes": self.attributes,
            "userIds": list(self.user_ids),
            "contentMd5": self.content_md5,
            "size": self.size,
        }


@dataclass(frozen=True, slots=True)
class OrderedEntry:
    """An ordered data store entry: an int64 value, no versions, no metadata."""

    store: str
    scope: str
    key: str
    value: int

    def to_dict(self) -> dict[str, Any]:
        return {"store": self.store, "scope": self.scope, "key": self.key, "value": self.value}


@dataclass(frozen=True, slots=True)
class SnapshotResult:
    new_snapshot_taken: bool
    latest_snapshot_time: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "newSnapshotTaken": self.new_snapshot_taken,
            "latestSnapshotTime": format_time(self.latest_snapshot_time),
        }


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing. ``next_cursor`` is opaque; None means there are no more pages.

    As on Roblox, a page may be shorter than requested without being the last one.
    """

    items: Sequence[T]
    next_cursor: str | None = None


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else format_time(moment)
