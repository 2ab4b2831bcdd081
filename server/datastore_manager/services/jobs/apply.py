"""Compare an incoming entry with the target and write it conditionally (restore, copy, bulk).

Outcomes, per entry:

* ``new``: the target has no live entry; written with "must not exist".
* ``unchanged``: same value (md5), attributes and user ids; nothing is written. This is also
  what makes every job idempotent: after a crash, an entry already written is "unchanged".
* ``changed``: the target differs but was last written before the incoming data was captured;
  written with "match the version just read".
* ``conflicting``: the target differs AND was written after the capture time, so writing would
  discard a newer change; ``--on-conflict`` decides (skip, overwrite, fail).

A write that loses a race (the game wrote meanwhile) is re-read and classified again. A write
whose outcome is unknown (Open Cloud: applied, then the response was lost, and the retry found
the entry already holding it) is settled by reading: if the target now holds exactly the
incoming entry the write took effect and is never sent again; otherwise the error stands.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

from ...backends import DataStoreBackend
from ...model import (
    Aborted,
    DataStoreError,
    Entry,
    EntryNotFound,
    InvalidArgument,
    JsonValue,
    PreconditionFailed,
    Unavailable,
)
from ...model.values import EncodedValue
from .. import entries
from ..guard import SessionLocked

OnConflict = Literal["skip", "overwrite", "fail"]
ON_CONFLICT_CHOICES: tuple[OnConflict, ...] = ("skip", "overwrite", "fail")
#: How often one entry is re-read and retried after losing a race with another writer.
RACE_ATTEMPTS = 4


class Outcome(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    CONFLICTING = "conflicting"


class ConflictFound(Aborted):
    """``--on-conflict fail`` met an entry changed in the target after the capture."""


@dataclass(frozen=True, slots=True)
class Incoming:
    """An entry to put into the target: its JSON text, md5 and metadata."""

    store: str
    scope: str
    key: str
    text: str
    md5: str
    attributes: dict[str, JsonValue] = field(default_factory=dict)
    user_ids: tuple[int, ...] = ()
    captured_at: datetime | None = None  # when the data was read from its source

    @classmethod
    def of_value(
        cls,
        store: str,
        scope: str,
        key: str,
        value: JsonValue,
        attributes: dict[str, JsonValue] | None = None,
        user_ids: tuple[int, ...] = (),
        captured_at: datetime | None = None,
    ) -> Incoming:
        encoded = EncodedValue.from_value(value)
        return cls(
            store, scope, key, encoded.text, encoded.md5, attributes or {}, user_ids, captured_at
        )

    @property
    def label(self) -> str:
        return f"{self.store}/{self.scope}/{self.key}"

    @property
    def value(self) -> JsonValue:
        return json.loads(self.text)


@dataclass(frozen=True, slots=True)
class Plan:
    outcome: Outcome
    current: Entry | None  # the target's live entry (None when absent or deleted)


@dataclass(frozen=True, slots=True)
class Applied:
    plan: Plan
    written: bool
    skipped: bool = False  # a conflicting entry left alone (--on-conflict skip)
    refused: str | None = None  # why the guard refused this entry (a live session lock)


async def classify(backend: DataStoreBackend, incoming: Incoming) -> Plan:
    try:
        current = await backend.get_entry(incoming.store, incoming.key, scope=incoming.scope)
    except EntryNotFound:  # absent, or its latest version is a tombstone
        return Plan(Outcome.NEW, None)
    same = (
        EncodedValue.from_value(current.value).md5 == incoming.md5
        and dict(current.attributes) == incoming.attributes
        and tuple(current.user_ids) == incoming.user_ids
    )
    if same:
        return Plan(Outcome.UNCHANGED, current)
    newer = incoming.captured_at is not None and current.updated_time > incoming.captured_at
    return Plan(Outcome.CONFLICTING if newer else Outcome.CHANGED, current)


async def apply(backend: DataStoreBackend, incoming: Incoming, on_conflict: OnConflict) -> Applied:
    """Classify, then write when the outcome (and ``on_conflict``) says so."""
    if on_conflict not in ON_CONFLICT_CHOICES:
        raise InvalidArgument(f"--on-conflict must be one of {', '.join(ON_CONFLICT_CHOICES)}.")
    last_error: DataStoreError | None = None
    for _ in range(RACE_ATTEMPTS):
        plan = await classify(backend, incoming)
        if plan.outcome is Outcome.UNCHANGED:
            return Applied(plan, written=False)
        if plan.outcome is Outcome.CONFLICTING and on_conflict != "overwrite":
            if on_conflict == "fail":
                raise ConflictFound(
                    f"{incoming.label} was changed in the target after the data was captured; "
                    "nothing more was written. Re-run with --on-conflict skip or overwrite.",
                    key=incoming.label,
                )
            return Applied(plan, written=False, skipped=True)
        precondition = (
            entries.MUST_NOT_EXIST
            if plan.current is None
            else entries.Precondition.match(plan.current.version)
        )
        try:
            await entries.write_entry(
                backend,
                incoming.store,
                incoming.key,
                incoming.value,
                scope=incoming.scope,
                precondition=precondition,
                attributes=incoming.attributes,
                user_ids=incoming.user_ids,
                current=plan.current,  # just read: the gate need not read it again
            )
        except PreconditionFailed as lost:  # the game wrote in between: look again
            last_error = lost
            continue
        except SessionLocked as locked:  # a game server owns this profile: leave it, go on
            return Applied(plan, written=False, refused=locked.message)
        except Unavailable:  # outcome unknown: resending could write a second version
            if (await classify(backend, incoming)).outcome is Outcome.UNCHANGED:
                return Applied(plan, written=True)  # it took effect
            raise
        return Applied(plan, written=True)
    assert last_error is not None
    raise last_error


def diff_text(incoming: Incoming, current: Entry | None) -> str:
    """A unified diff (target → incoming) of the value and metadata, for dry runs."""

    def lines(value: JsonValue, attributes: object, user_ids: object) -> list[str]:
        body = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
        meta = [f"# attributes: {json.dumps(attributes, sort_keys=True)}"]
        return [*body, *meta, f"# userIds: {json.dumps(list(user_ids))}"]  # type: ignore[call-overload]

    before = [] if current is None else lines(current.value, current.attributes, current.user_ids)
    after = lines(incoming.value, incoming.attributes, incoming.user_ids)
    return "\n".join(
        difflib.unified_diff(
            before, after, f"target/{incoming.label}", f"incoming/{incoming.label}", lineterm=""
        )
    )
