"""The Open Cloud backend: the backend contract over Roblox's HTTP APIs.

Which API generation serves each operation, and why, is in ``docs/opencloud-notes.md``. In
short: v1 standard for entries (``matchVersion``/``exclusiveCreate`` + 412 give conflict-safe
writes and tell us the current version; metadata rides in headers; versions carry sizes),
v2 where v1 has no equivalent (store state, delete/undelete store, snapshot, as-of reads,
key listings that can hide tombstones, ordered delete that reports a missing entry), and v1
ordered for ordered entries (exact int64 values; v2 uses doubles).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from ...model import (
    AlreadyExists,
    DataStoreInfo,
    EncodedValue,
    Entry,
    EntryDeleted,
    EntryNotFound,
    InvalidArgument,
    JsonValue,
    KeyInfo,
    OrderedEntry,
    Page,
    PreconditionFailed,
    SnapshotResult,
    Unavailable,
    VersionInfo,
    format_time,
    utc_now,
)
from ...model import limits as roblox
from ...model import validation as check
from ..base import DataStoreBackend
from . import operations as ops
from . import paths, wire
from .cache import OpenCloudCache
from .client import Call, OpenCloudClient
from .errors import Subject, error_from_response, parse_error_body
from .overlap import EntryActivity
from .retries import OutcomeUnknown, run_reconciled

#: Reconciliation reads at most this many versions after the baseline; more: outcome unknown.
RECONCILE_MAX_VERSIONS = 20
JSON_HEADERS = {"content-type": "application/json"}


class OpenCloudBackend(DataStoreBackend):
    """One universe through Open Cloud. ``cache`` is optional (None: every read goes out)."""

    def __init__(self, client: OpenCloudClient, *, cache: OpenCloudCache | None = None) -> None:
        self.client = client
        self.cache = cache
        self.universe_id = client.universe_id
        self._activity = EntryActivity()  # keeps the cache's latest pointer from going back

    async def close(self) -> None:
        await self.client.aclose()
        if self.cache is not None:
            self.cache.close()

    # ---- helpers -------------------------------------------------------------------------

    def _subject(
        self,
        store: str | None = None,
        scope: str | None = None,
        key: str | None = None,
        version: str | None = None,
    ) -> Subject:
        return Subject(self.universe_id, store, scope, key, version)

    def _entry_params(self, store: str, key: str, scope: str) -> dict[str, str]:
        check.check_store_name(store)
        check.check_scope(scope)
        check.check_key(key)
        return {"datastoreName": store, "entryKey": key, "scope": scope}

    @staticmethod
    def _throughput_key(store: str, scope: str, key: str) -> str:
        return f"{store}\x1f{scope}\x1f{key}"

    @staticmethod
    def _metadata_headers(
        attributes: Mapping[str, JsonValue], user_ids: tuple[int, ...]
    ) -> dict[str, str]:
        # Always sent: an absent header clears the metadata anyway (FACTS §3), and being
        # explicit keeps the request identical across retries. ASCII-only JSON: headers are
        # latin-1 on the wire.
        return {
            "roblox-entry-attributes": json.dumps(attributes, separators=(",", ":")),
            "roblox-entry-userids": json.dumps(list(user_ids), separators=(",", ":")),
        }

    def _remember(self, entry: Entry, *, latest: bool) -> None:
        if self.cache is not None:
            self.cache.put_entry(entry, latest=latest)

    def _written(self, store: str, scope: str, key: str) -> None:
        if self.cache is not None:
            self.cache.invalidate_store(store)
            self.cache.forget_latest(store, scope, key)

    # ---- data stores (v2) ------------------------------------------------------------------

    async def list_data_stores(
        self,
        *,
        prefix: str = "",
        cursor: str | None = None,
        limit: int | None = None,
        show_deleted: bool = False,
    ) -> Page[DataStoreInfo]:
        params = {"maxPageSize": str(roblox.page_size(limit, roblox.LIST_DATA_STORES_PAGE))}
        if prefix:
            params["filter"] = f"id.startsWith({paths.cel_string(prefix)})"
        if cursor:
            params["pageToken"] = cursor
        if show_deleted:
            params["showDeleted"] = "true"
        call = Call(
            ops.LIST_DATA_STORES,
            "GET",
            paths.v2_data_stores(self.universe_id),
            self._subject(),
            params=params,
        )
        body = wire.body_json((await self.client.send(call)).response)
        items = [wire.data_store_from_v2(item) for item in body.get("dataStores") or []]
        return Page(items, wire.next_cursor(body, "nextPageToken"))

    async def delete_data_store(self, store: str) -> DataStoreInfo:
        check.check_store_name(store)
        path = paths.v2_data_store(self.universe_id, store)
        call = Call(ops.DELETE_DATA_STORE, "DELETE", path, self._subject(store))
        body = wire.body_json((await self.client.send(call)).response)
        if self.cache is not None:
            self.cache.clear()  # every entry of the store is now inaccessible
        return wire.data_store_from_v2(body)

    async def undelete_data_store(self, store: str) -> DataStoreInfo:
        check.check_store_name(store)
        path = paths.v2_data_store(self.universe_id, store, ":undelete")
        call = Call(
            ops.UNDELETE_DATA_STORE,
            "POST",
            path,
            self._subject(store),
            json_body={},
        )
        body = wire.body_json((await self.client.send(call)).response)
        if self.cache is not None:
            self.cache.invalidate_store(store)
        return wire.data_store_from_v2(body)

    async def snapshot(self) -> SnapshotResult:
        path = paths.v2_data_stores(self.universe_id, ":snapshot")
        call = Call(ops.SNAPSHOT, "POST", path, self._subject(), json_body={})
        return wire.snapshot_from_v2(wire.body_json((await self.client.send(call)).response))

    # ---- keys (v2: it can hide tombstoned keys; v1 always lists them) ----------------------

    async def list_keys(
        self,
        store: str,
        *,
        scope: str = roblox.DEFAULT_SCOPE,
        all_scopes: bool = False,
        prefix: str = "",
        cursor: str | None = None,
        limit: int | None = None,
        include_deleted: bool = False,
    ) -> Page[KeyInfo]:
        check.check_store_name(store)
        if not all_scopes:
            check.check_scope(scope)
        params = {"maxPageSize": str(roblox.page_size(limit, roblox.LIST_KEYS_PAGE))}
        if prefix:
            params["filter"] = f"id.startsWith({paths.cel_string(prefix)})"
        if cursor:
            params["pageToken"] = cursor
        if include_deleted:
            params["showDeleted"] = "true"
        wildcard = "-" if all_scopes else scope
        path = paths.v2_entries(self.universe_id, store, wildcard)
        call = Call(ops.LIST_KEYS, "GET", path, self._subject(store), params=params)
        body = wire.body_json((await self.client.send(call)).response)
        raw = body.get("dataStoreEntries") or []
        items = [wire.key_from_v2(item, scope, all_scopes=all_scopes) for item in raw]
        if include_deleted and not any("state" in item for item in raw):
            items = await self._mark_deleted(store, items)
        return Page(items, wire.next_cursor(body, "nextPageToken"))

    async def _mark_deleted(self, store: str, items: list[KeyInfo]) -> list[KeyInfo]:
        """List items carry only path and id (OA), so tombstones are found by reading each
        key (reads have the largest budget); only done for ``include_deleted`` listings."""

        async def mark(info: KeyInfo) -> KeyInfo:
            try:
                await self._get_latest(store, info.scope, info.key)
            except EntryDeleted:
                return KeyInfo(info.scope, info.key, deleted=True)
            except EntryNotFound:
                pass
            return info

        return list(await asyncio.gather(*(mark(info) for info in items)))

    # ---- reading entries -------------------------------------------------------------------

    async def get_entry(
        self,
        store: str,
        key: str,
        *,
        scope: str = roblox.DEFAULT_SCOPE,
        version: str | None = None,
        as_of: datetime | None = None,
    ) -> Entry:
        params = self._entry_params(store, key, scope)
        if version is not None and as_of is not None:
            raise InvalidArgument("Give either a version or a time (as_of), not both.")
        if version is not None:
            return await self._get_version(store, scope, key, version, params)
        if as_of is not None:
            return await self._get_as_of(store, scope, key, as_of)
        if self.cache is not None:
            cached = self.cache.fresh_latest(store, scope, key)
            if cached is not None:
                return cached
        return await self._get_latest(store, scope, key)

    async def _get_latest(self, store: str, scope: str, key: str) -> Entry:
        """Always asks Roblox (used to revalidate the cache and to reconcile)."""
        params = self._entry_params(store, key, scope)
        call = Call(
            ops.GET_ENTRY,
            "GET",
            paths.v1_entry(self.universe_id),
            self._subject(store, scope, key),
            params=params,
            ok=frozenset({200, 204}),
            throughput_key=self._throughput_key(store, scope, key),
        )
        with self._activity.track((store, scope, key), write=False) as activity:
            response = (await self.client.send(call)).response
        if response.status_code == 204:
            if self.cache is not None:
                self.cache.forget_latest(store, scope, key)
            raise EntryDeleted(
                f"{call.subject.describe()} is deleted (its latest version is a tombstone)."
            )
        entry = wire.entry_from_v1(store, scope, key, response)
        self._remember(entry, latest=not activity.overlapped)
        return entry

    async def _get_version(
        self, store: str, scope: str, key: str, version: str, params: dict[str, str]
    ) -> Entry:
        if self.cache is not None:
            cached = self.cache.entry(store, scope, key, version)
            if cached is not None:
                return cached
        call = Call(
            ops.GET_VERSION,
            "GET",
            paths.v1_entry(self.universe_id, "/versions/version"),
            self._subject(store, scope, key, version),
            params=params | {"versionId": version},
            ok=frozenset({200, 204}),
            throughput_key=self._throughput_key(store, scope, key),
        )
        response = (await self.client.send(call)).response
        if response.status_code == 204:
            raise EntryDeleted(f"Version {version} of {call.subject.describe()} is a tombstone.")
        entry = wire.entry_from_v1(store, scope, key, response)
        self._remember(entry, latest=False)
        return entry

    async def _get_as_of(self, store: str, scope: str, key: str, as_of: datetime) -> Entry:
        """The version current at ``as_of``: the newest version created at or before it (v1
        List Versions with endTime), then that version (often already cached)."""
        if as_of > utc_now() + roblox.MAX_FUTURE_TIMESTAMP:
            raise InvalidArgument(
                f"{format_time(as_of)} is more than 10 minutes in the future; Roblox refuses it."
            )
        if as_of <= datetime(1970, 1, 1, tzinfo=UTC):
            raise InvalidArgument(f"{format_time(as_of)} is not after the Unix epoch (OA).")
        page = await self.list_versions(
            store, key, scope=scope, end_time=as_of, descending=True, limit=1
        )
        subject = self._subject(store, scope, key)
        if not page.items:
            raise EntryNotFound(f"{subject.describe()} did not exist at {format_time(as_of)}.")
        version = page.items[0]
        if version.deleted:
            raise EntryDeleted(f"{subject.describe()} was deleted at {format_time(as_of)}.")
        return await self._get_version(
            store, scope, key, version.version, self._entry_params(store, key, scope)
        )

    async def list_versions(
        self,
        store: str,
        key: str,
        *,
        scope: str = roblox.DEFAULT_SCOPE,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        descending: bool = False,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[VersionInfo]:
        params = self._entry_params(store, key, scope)
        params["limit"] = str(roblox.page_size(limit, roblox.LIST_VERSIONS_PAGE))
        params["sortOrder"] = "Descending" if descending else "Ascending"
        if start_time is not None:
            params["startTime"] = format_time(start_time)
        if end_time is not None:
            params["endTime"] = format_time(end_time)
        if cursor:
            params["cursor"] = cursor
        call = Call(
            ops.LIST_VERSIONS,
            "GET",
            paths.v1_entry(self.universe_id, "/versions"),
            self._subject(store, scope, key),
            params=params,
        )
        body = wire.body_json((await self.client.send(call)).response)
        cursor_out = wire.next_cursor(body, "nextPageCursor") if isinstance(body, dict) else None
        return Page(wire.versions_from_v1(body), cursor_out)

    # ---- writing entries -------------------------------------------------------------------

    async def set_entry(
        self,
        store: str,
        key: str,
        value: JsonValue,
        *,
        scope: str = roblox.DEFAULT_SCOPE,
        match_version: str | None = None,
        exclusive_create: bool = False,
        attributes: Mapping[str, JsonValue] | None = None,
        user_ids: Iterable[int] | None = None,
    ) -> VersionInfo:
        params = self._entry_params(store, key, scope)
        encoded = check.encode_checked_value(value)
        attrs = check.check_attributes(attributes)
        uids = check.check_user_ids(user_ids)
        if match_version is not None and exclusive_create:
            raise InvalidArgument("Use either match_version or exclusive_create, not both.")
        if match_version is not None:
            params["matchVersion"] = match_version
        if exclusive_create:
            params["exclusiveCreate"] = "true"
        conditional = match_version is not None or exclusive_create
        call = Call(
            ops.SET_ENTRY_CONDITIONAL if conditional else ops.SET_ENTRY,
            "POST",
            paths.v1_entry(self.universe_id),
            self._subject(store, scope, key),
            params=params,
            headers=JSON_HEADERS
            | {"content-md5": encoded.md5}
            | self._metadata_headers(attrs, uids),
            content=encoded.text.encode("utf-8"),
            ok=frozenset({200, 412}) if conditional else frozenset({200}),
            throughput_key=self._throughput_key(store, scope, key),
            write_bytes=len(encoded.text.encode("utf-8")),
        )
        ours = _Written(encoded, attrs, uids)
        # Unconditional: the latest version before we send is the baseline of reconciliation.
        baseline = None if conditional else [await self._baseline(store, scope, key)]
        deadline = self.client.deadline()

        async def send() -> VersionInfo:
            reply = await self.client.send(call, deadline)
            if reply.response.status_code == 412:
                return await self._lost_precondition(
                    call, reply.uncertain, ours, match_version, reply.response.headers
                )
            return wire.version_from_v1(wire.body_json(reply.response))

        async def reconcile() -> VersionInfo | None:
            assert baseline is not None  # conditional sets are resent, never reconciled
            return await self._find_written(store, scope, key, ours, baseline)

        with self._activity.track((store, scope, key), write=True) as activity:
            version = await run_reconciled(send, reconcile, deadline, self.client.sleep)
        self._written(store, scope, key)
        self._remember(
            _entry_from_write(store, scope, key, json.loads(encoded.text), ours, version),
            latest=not activity.overlapped,
        )
        return version

    async def _lost_precondition(
        self,
        call: Call,
        uncertain: bool,
        ours: _Written,
        match_version: str | None,
        headers: Mapping[str, str],
    ) -> VersionInfo:
        """A 412. After an uncertain earlier attempt the version may have moved because of our
        own write. The rule (docs/opencloud-notes.md, "Exact reconciliation"): only the first
        successor of the version we matched (the first live version, for exclusive create) can
        be our write. If it does not hold exactly what we sent, ours was not applied: the 412
        stands. If it does, it is ours *or* an identical write (same bytes, metadata and match
        version) by another client — Open Cloud cannot tell them apart, so the outcome is
        reported unknown (never success). If the history cannot show that successor (Roblox's
        hourly retention dropped versions), the outcome is unknown too."""
        subject = call.subject
        assert subject.store is not None and subject.key is not None and subject.scope
        if uncertain:
            successor = await self._successor_with(
                subject.store, subject.scope, subject.key, match_version, ours
            )
            if successor is not _NOT_OURS:
                found = (
                    f"version {successor.version} (the first after yours) holds exactly your "
                    "value and metadata, but Open Cloud cannot tell whether your request or an "
                    "identical one from another client wrote it"
                    if isinstance(successor, VersionInfo)
                    else "the entry's history no longer shows the version that followed yours"
                )
                raise Unavailable(
                    f"Outcome unknown for the write of {subject.describe()}: an attempt failed "
                    f"mid-request and {found}. Nothing was resent; read the entry to check.",
                    current_version=headers.get("roblox-entry-version"),
                )
        current_version = headers.get("roblox-entry-version")
        if current_version is None:  # a tombstone: Roblox sends no entry headers for it
            current_version = await self._latest_version(subject.store, subject.scope, subject.key)
        if match_version is None:
            raise AlreadyExists(
                f"{subject.describe()} already exists; nothing was written. Read it and save "
                "with its version to replace it.",
                current_version=current_version,
            )
        raise PreconditionFailed(
            f"{subject.describe()} changed since you read it (you had version {match_version}"
            f"{f', it is now {current_version}' if current_version else ''}); nothing was "
            "written. Reload it, re-apply your change and save again.",
            current_version=current_version,
        )

    async def _successor_with(
        self, store: str, scope: str, key: str, previous: str | None, ours: _Written
    ) -> VersionInfo | object | None:
        """The first successor of ``previous`` if it holds exactly ``ours``; ``_NOT_OURS`` when
        it certainly is not our write; None when the history cannot show it."""
        if previous is None:  # exclusive create: the newest version starting a live run
            try:
                page = await self.list_versions(
                    store, key, scope=scope, descending=True, limit=RECONCILE_MAX_VERSIONS
                )
            except EntryNotFound:
                return _NOT_OURS
            history = list(reversed(page.items))  # oldest first
            successor: VersionInfo | None = None
            for index in range(len(history) - 1, -1, -1):
                starts_run = index > 0 and history[index - 1].deleted
                first_ever = index == 0 and page.next_cursor is None
                if not history[index].deleted and (starts_run or first_ever):
                    successor = history[index]
                    break
            if successor is None:
                return None if page.next_cursor is not None else _NOT_OURS
        else:
            after = await self._versions_after(store, scope, key, previous)
            if after is None:
                # A key with no history at all was never written, so not by us either (a
                # match_version naming another key's version, on a key that does not exist).
                return _NOT_OURS if await self._baseline(store, scope, key) is None else None
            if not after:
                return _NOT_OURS
            successor = after[0]
        if successor.deleted:
            return _NOT_OURS
        entry = await self._get_version_uncached(store, scope, key, successor.version)
        return successor if entry is not None and ours.matches(entry) else _NOT_OURS

    async def _latest_version(self, store: str, scope: str, key: str) -> str | None:
        latest = await self._baseline(store, scope, key)
        return None if latest is None else latest.version

    async def _baseline(self, store: str, scope: str, key: str) -> VersionInfo | None:
        """The entry's latest version (None: never written), read before a write whose
        outcome may have to be reconciled."""
        try:
            page = await self.list_versions(store, key, scope=scope, descending=True, limit=1)
        except EntryNotFound:
            return None
        return page.items[0] if page.items else None

    async def _versions_after(
        self, store: str, scope: str, key: str, base: str | None
    ) -> list[VersionInfo] | None:
        """Every version created after version ``base`` (after nothing: all), oldest first —
        or None when the history cannot show them all: ``base`` is gone, the per-key counter
        in the ids has a gap (Roblox's hourly retention replaced a version), or there are more
        than ``RECONCILE_MAX_VERSIONS``. Versions list in creation order (FACTS §3, §21), so
        the newest are read first, back to ``base``."""
        newest_first: list[VersionInfo] = []
        cursor: str | None = None
        while True:
            try:
                page = await self.list_versions(
                    store,
                    key,
                    scope=scope,
                    descending=True,
                    cursor=cursor,
                    limit=RECONCILE_MAX_VERSIONS + 1,
                )
            except EntryNotFound:
                return [] if base is None else None
            newest_first.extend(page.items)
            names = [version.version for version in newest_first]
            if base is not None and base in names:
                newest_first = newest_first[: names.index(base)]
                break
            cursor = page.next_cursor
            if cursor is None:
                if base is not None:
                    return None  # base is gone from the history
                break
            if len(newest_first) > RECONCILE_MAX_VERSIONS:
                return None
        found = list(reversed(newest_first))
        if len(found) > RECONCILE_MAX_VERSIONS:
            return None
        previous = base
        for version in found:
            if previous is not None and not _follows(previous, version.version):
                return None
            previous = version.version
        return found

    async def _find_written(
        self,
        store: str,
        scope: str,
        key: str,
        ours: _Written,
        baseline: list[VersionInfo | None],
    ) -> VersionInfo | None:
        """Reconcile an unconditional set of unknown outcome against the versions created
        after ``baseline[0]`` (the latest version before we sent): none → not applied (resend);
        exactly one and it holds what we sent → applied; none of them holds what we sent →
        not applied (resend; the baseline moves to the newest); anything else → unknown."""
        base = baseline[0]
        new = await self._versions_after(store, scope, key, None if base is None else base.version)
        subject = self._subject(store, scope, key)
        if new is None:
            raise _unknown(subject, "the history cannot show every version written since")
        matching: list[VersionInfo] = []
        for version in new:
            if version.deleted:
                continue
            entry = await self._get_version_uncached(store, scope, key, version.version)
            if entry is not None and ours.matches(entry):
                matching.append(version)
        if not matching:
            if new:
                baseline[0] = new[-1]
            return None
        if len(new) == 1:
            return matching[0]
        raise _unknown(
            subject,
            f"{len(new)} versions were written since, {len(matching)} of them holding exactly "
            "your value (yours or an identical write by another client)",
        )

    async def _get_version_uncached(
        self, store: str, scope: str, key: str, version: str
    ) -> Entry | None:
        try:
            return await self._get_version(
                store, scope, key, version, self._entry_params(store, key, scope)
            )
        except EntryNotFound:
            return None

    async def delete_entry(
        self,
        store: str,
        key: str,
        *,
        scope: str = roblox.DEFAULT_SCOPE,
        match_version: str | None = None,
    ) -> VersionInfo:
        params = self._entry_params(store, key, scope)
        subject = self._subject(store, scope, key)
        if match_version is not None:
            # Open Cloud's delete has no precondition (FACTS §8, §22.12): check just before.
            try:
                current = await self._get_latest(store, scope, key)
            except EntryDeleted:
                raise EntryNotFound(f"{subject.describe()} is already deleted.") from None
            if current.version != match_version:
                raise PreconditionFailed(
                    f"{subject.describe()} changed since you read it (you had version "
                    f"{match_version}, it is now {current.version}); nothing was deleted.",
                    current_version=current.version,
                )
        call = Call(
            ops.DELETE_ENTRY,
            "DELETE",
            paths.v1_entry(self.universe_id),
            subject,
            params=params,
            ok=frozenset({200, 204}),
            throughput_key=self._throughput_key(store, scope, key),
            write_bytes=1,
        )
        deadline = self.client.deadline()

        async def send() -> bool:
            await self.client.send(call, deadline)
            return True

        async def reconcile() -> bool | None:
            try:
                await self._get_latest(store, scope, key)
            except EntryDeleted:
                return True  # the tombstone is there: our delete was applied
            return None

        with self._activity.track((store, scope, key), write=True):
            await run_reconciled(send, reconcile, deadline, self.client.sleep)
        self._written(store, scope, key)
        page = await self.list_versions(store, key, scope=scope, descending=True, limit=1)
        if not page.items:
            raise Unavailable(f"{subject.describe()} was deleted but its history is empty.")
        return page.items[0]

    async def increment_entry(
        self,
        store: str,
        key: str,
        by: int,
        *,
        scope: str = roblox.DEFAULT_SCOPE,
        attributes: Mapping[str, JsonValue] | None = None,
        user_ids: Iterable[int] | None = None,
    ) -> Entry:
        params = self._entry_params(store, key, scope)
        by = check.check_int64("Increment", by)
        attrs = check.check_attributes(attributes)
        uids = check.check_user_ids(user_ids)
        call = Call(
            ops.INCREMENT_ENTRY,
            "POST",
            paths.v1_entry(self.universe_id, "/increment"),
            self._subject(store, scope, key),
            params=params | {"incrementBy": str(by)},
            headers=self._metadata_headers(attrs, uids),
            throughput_key=self._throughput_key(store, scope, key),
            write_bytes=1,
        )
        # The latest version before we send is the baseline of reconciliation (see below).
        baseline = [await self._baseline(store, scope, key)]
        deadline = self.client.deadline()

        async def send() -> Entry:
            response = (await self.client.send(call, deadline)).response
            return wire.entry_from_v1(store, scope, key, response)

        async def reconcile() -> Entry | None:
            return await self._find_increment(store, scope, key, by, attrs, uids, baseline)

        with self._activity.track((store, scope, key), write=True) as activity:
            entry = await run_reconciled(send, reconcile, deadline, self.client.sleep)
        self._written(store, scope, key)
        self._remember(entry, latest=not activity.overlapped)
        return entry

    async def _find_increment(
        self,
        store: str,
        scope: str,
        key: str,
        by: int,
        attrs: dict[str, JsonValue],
        uids: tuple[int, ...],
        baseline: list[VersionInfo | None],
    ) -> Entry | None:
        """Reconcile an increment of unknown outcome against the versions created after
        ``baseline[0]`` (the latest version before we sent; the rule is in
        docs/opencloud-notes.md, "Exact reconciliation"):

        * none → not applied: resend;
        * exactly one, holding its predecessor's value + ``by`` with our metadata → applied:
          return it;
        * none of them is "predecessor + ``by`` with our metadata" → not applied (they are all
          others' writes): resend, with the newest as the new baseline;
        * anything else (ours may be any of several, or the history cannot show every version)
          → outcome unknown, never resent.
        """
        base = baseline[0]
        subject = self._subject(store, scope, key)
        new = await self._versions_after(store, scope, key, None if base is None else base.version)
        if new is None:
            raise _unknown(subject, "the history cannot show every version written since", by)
        if not new:
            return None
        previous: int | None = 0
        if base is not None and not base.deleted:
            entry = await self._get_version_uncached(store, scope, key, base.version)
            previous = None if entry is None else _int_value(entry)
        candidates: list[Entry] = []
        values: list[str] = []
        for version in new:
            current = None
            if not version.deleted:
                current = await self._get_version_uncached(store, scope, key, version.version)
            values.append("deleted" if current is None else json.dumps(current.value))
            if (
                current is not None
                and previous is not None
                and current.value == previous + by
                and current.attributes == attrs
                and current.user_ids == uids
            ):
                candidates.append(current)
            previous = _int_value(current)
        if not candidates:
            baseline[0] = new[-1]
            return None
        if len(new) == 1:
            return candidates[0]
        raise _unknown(
            subject,
            f"{len(new)} versions were written since (values {', '.join(values)}), "
            f"{len(candidates)} of which could be this increment",
            by,
        )

    # ---- ordered entries (v1 ordered: exact int64; delete via v2, which reports 404) ------

    def _ordered_subject(self, store: str, scope: str, key: str | None = None) -> Subject:
        check.check_store_name(store)
        check.check_scope(scope)
        if key is not None:
            check.check_ordered_key(key)
        return self._subject(store, scope, key)

    async def list_ordered(
        self,
        store: str,
        *,
        scope: str = roblox.DEFAULT_SCOPE,
        descending: bool = False,
        min_value: int | None = None,
        max_value: int | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[OrderedEntry]:
        subject = self._ordered_subject(store, scope)
        params = {"max_page_size": str(roblox.page_size(limit, roblox.LIST_ORDERED_PAGE))}
        if descending:
            params["order_by"] = "desc"
        bounds = []
        if min_value is not None:
            bounds.append(f"entry >= {check.check_int64('Minimum value', min_value)}")
        if max_value is not None:
            bounds.append(f"entry <= {check.check_int64('Maximum value', max_value)}")
        if bounds:
            params["filter"] = " && ".join(bounds)
        if cursor:
            params["page_token"] = cursor
        path = paths.v1_ordered_entries(self.universe_id, store, scope)
        call = Call(ops.LIST_ORDERED, "GET", path, subject, params=params)
        body = wire.body_json((await self.client.send(call)).response)
        items = [wire.ordered_from_wire(store, scope, item) for item in body.get("entries") or []]
        return Page(items, wire.next_cursor(body, "nextPageToken"))

    async def get_ordered(
        self, store: str, key: str, *, scope: str = roblox.DEFAULT_SCOPE
    ) -> OrderedEntry:
        subject = self._ordered_subject(store, scope, key)
        path = paths.v1_ordered_entries(self.universe_id, store, scope, key)
        call = Call(ops.GET_ORDERED, "GET", path, subject)
        body = wire.body_json((await self.client.send(call)).response)
        return wire.ordered_from_wire(store, scope, body)

    async def create_ordered(
        self, store: str, key: str, value: int, *, scope: str = roblox.DEFAULT_SCOPE
    ) -> OrderedEntry:
        subject = self._ordered_subject(store, scope, key)
        value = check.check_int64("Ordered value", value)
        path = paths.v1_ordered_entries(self.universe_id, store, scope)
        call = Call(
            ops.CREATE_ORDERED,
            "POST",
            path,
            subject,
            params={"id": key},
            json_body={"value": value},
            ok=frozenset({200, 400}),
        )
        deadline = self.client.deadline()
        uncertain = False

        async def send() -> OrderedEntry:
            nonlocal uncertain
            try:
                reply = await self.client.send(call, deadline)
            except OutcomeUnknown:
                uncertain = True
                raise
            if reply.response.status_code == 200:
                return wire.ordered_from_wire(store, scope, wire.body_json(reply.response))
            message = parse_error_body(reply.response).message.lower()
            if "exist" not in message:
                raise error_from_response(reply.response, call.operation, subject)
            if uncertain or reply.uncertain:  # maybe our own earlier attempt created it
                existing = await self.get_ordered(store, key, scope=scope)
                if existing.value == value:
                    return existing
            raise AlreadyExists(
                f"Ordered {subject.describe()} already exists; nothing was written."
            )

        async def reconcile() -> OrderedEntry | None:
            try:
                existing = await self.get_ordered(store, key, scope=scope)
            except EntryNotFound:
                return None  # not created: resend
            if existing.value == value:
                return existing
            raise AlreadyExists(
                f"Ordered {subject.describe()} already exists; nothing was written."
            )

        return await run_reconciled(send, reconcile, deadline, self.client.sleep)

    async def update_ordered(
        self,
        store: str,
        key: str,
        value: int,
        *,
        scope: str = roblox.DEFAULT_SCOPE,
        allow_missing: bool = False,
    ) -> OrderedEntry:
        subject = self._ordered_subject(store, scope, key)
        value = check.check_int64("Ordered value", value)
        path = paths.v1_ordered_entries(self.universe_id, store, scope, key)
        call = Call(
            ops.UPDATE_ORDERED,
            "PATCH",
            path,
            subject,
            params={"allow_missing": "true" if allow_missing else "false"},
            json_body={"value": value},
        )
        body = wire.body_json((await self.client.send(call)).response)
        return wire.ordered_from_wire(store, scope, body)

    async def increment_ordered(
        self, store: str, key: str, amount: int, *, scope: str = roblox.DEFAULT_SCOPE
    ) -> OrderedEntry:
        subject = self._ordered_subject(store, scope, key)
        amount = check.check_int64("Increment", amount)
        path = paths.v1_ordered_entries(self.universe_id, store, scope, key) + ":increment"
        call = Call(ops.INCREMENT_ORDERED, "POST", path, subject, json_body={"amount": amount})
        # Ordered stores keep no history, so the value before is read first: after an unknown
        # outcome, before + amount means applied, before means not applied (resend), anything
        # else (a concurrent writer) cannot be settled and is reported, never resent blindly.
        before = await self._ordered_value(store, scope, key)
        deadline = self.client.deadline()

        async def send() -> OrderedEntry:
            reply = await self.client.send(call, deadline)
            return wire.ordered_from_wire(store, scope, wire.body_json(reply.response))

        async def reconcile() -> OrderedEntry | None:
            now = await self._ordered_value(store, scope, key)
            if now == before:
                return None
            if now is not None and now == (before or 0) + amount:
                return OrderedEntry(store, scope, key, now)
            raise Unavailable(
                f"Outcome unknown for the increment of ordered {subject.describe()} by {amount}: "
                f"an attempt failed mid-request and the value went from {before} to {now}, so "
                "someone else changed it too (ordered entries keep no history to tell). It was "
                "not resent, so it was applied at most once; read the value before trying again."
            )

        return await run_reconciled(send, reconcile, deadline, self.client.sleep)

    async def _ordered_value(self, store: str, scope: str, key: str) -> int | None:
        try:
            return (await self.get_ordered(store, key, scope=scope)).value
        except EntryNotFound:
            return None

    async def delete_ordered(
        self, store: str, key: str, *, scope: str = roblox.DEFAULT_SCOPE
    ) -> None:
        """v1 ordered Delete answers 200 whether or not the entry existed (FACTS §22.10), so
        a missing entry is detected by reading it first; deleting is idempotent to retry."""
        await self.get_ordered(store, key, scope=scope)
        subject = self._ordered_subject(store, scope, key)
        path = paths.v1_ordered_entries(self.universe_id, store, scope, key)
        await self.client.send(Call(ops.DELETE_ORDERED, "DELETE", path, subject))


class _Written:
    """What a set sent, to recognise it in the history."""

    __slots__ = ("attributes", "encoded", "user_ids")

    def __init__(
        self, encoded: EncodedValue, attributes: dict[str, JsonValue], user_ids: tuple[int, ...]
    ) -> None:
        self.encoded = encoded
        self.attributes = attributes
        self.user_ids = user_ids

    def matches(self, entry: Entry) -> bool:
        return (
            EncodedValue.from_value(entry.value).md5 == self.encoded.md5
            and entry.attributes == self.attributes
            and entry.user_ids == self.user_ids
        )


_NOT_OURS = object()  # reconciliation: the write certainly was not ours


def _int_value(entry: Entry | None) -> int | None:
    """The integer an increment adds to: 0 for a tombstone, None for a non-integer."""
    if entry is None:
        return 0
    value = entry.value
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _follows(previous: str, version: str) -> bool:
    """False when both ids carry a per-key counter (the second dot-separated part of Roblox's
    ids, FACTS §11 — an inference, so ids without one are not checked) and ``version`` is not
    the very next one: a version in between is missing from the history."""
    before, after = previous.split("."), version.split(".")
    if len(before) == len(after) == 4 and before[1].isdigit() and after[1].isdigit():
        return int(after[1]) == int(before[1]) + 1
    return True


def _unknown(subject: Subject, why: str, by: int | None = None) -> Unavailable:
    what = "write" if by is None else f"increment by {by}"
    return Unavailable(
        f"Outcome unknown for the {what} of {subject.describe()}: an attempt failed "
        f"mid-request and {why}. It was not resent, so it was applied at most once; read the "
        "entry's versions before trying again."
    )


def _entry_from_write(
    store: str, scope: str, key: str, value: JsonValue, ours: _Written, version: VersionInfo
) -> Entry:
    return Entry(
        store=store,
        scope=scope,
        key=key,
        value=value,
        version=version.version,
        created_time=version.object_created_time,
        updated_time=version.created_time,
        version_created_time=version.created_time,
        attributes=dict(ours.attributes),
        user_ids=ours.user_ids,
        content_md5=ours.encoded.md5,
        size=ours.encoded.size,
    )
