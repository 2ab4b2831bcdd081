"""Store statistics for the dashboard: entry-size histogram, the distribution of top-level
fields over a bounded sample of keys, and a request-budget history (Open Cloud).

Pure service code (no LSP): ``lsp/insight.py`` answers ``dataStore/storeStats`` with
:func:`store_stats`; ``lsp/status.py`` feeds :class:`BudgetHistory`.
"""

from __future__ import annotations

import json
import time
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..backends import DataStoreBackend
from ..backends.opencloud.budget import BudgetStatus
from ..model import EntryNotFound, InvalidArgument
from ..model.limits import DEFAULT_SCOPE
from ..model.times import format_time

DEFAULT_SAMPLE = 200
MAX_SAMPLE = 2000
MAX_FIELDS = 20  # top-level fields reported when none is chosen
MAX_LABELS = 12  # distinct values shown per field; the rest are "other"
NUMERIC_BINS = 8

#: Entry-size buckets (upper bound in characters, label); the last is open-ended.
SIZE_BUCKETS: tuple[tuple[int | None, str], ...] = (
    (1_024, "< 1 KB"),
    (4_096, "1–4 KB"),
    (16_384, "4–16 KB"),
    (65_536, "16–64 KB"),
    (262_144, "64–256 KB"),
    (1_048_576, "256 KB–1 MB"),
    (4_194_304, "1–4 MB"),
    (None, "> 4 MB"),
)


def budget_of(backend: DataStoreBackend) -> BudgetStatus | None:
    """The Open Cloud request budget of a backend, or None (local and snapshot have none)."""
    client = getattr(backend, "client", None)
    budget = getattr(client, "budget", None)
    status = getattr(budget, "status", None)
    if status is None:
        return None
    result = status()
    return result if isinstance(result, BudgetStatus) else None


@dataclass(frozen=True, slots=True)
class BudgetPoint:
    time: float  # epoch seconds
    used: int
    limit: int

    def to_dict(self) -> dict[str, Any]:
        return {"time": format_time_epoch(self.time), "used": self.used, "limit": self.limit}


def format_time_epoch(seconds: float) -> str:
    from datetime import UTC, datetime

    return format_time(datetime.fromtimestamp(seconds, UTC))


class BudgetHistory:
    """Budget use over time for one connection: a point when it changes, at most one per
    ``every`` seconds while unchanged, the newest ``size`` kept."""

    def __init__(self, size: int = 720, every: float = 5.0) -> None:
        self.points: deque[BudgetPoint] = deque(maxlen=size)
        self.every = every

    def add(self, used: int, limit: int, now: float | None = None) -> None:
        now = time.time() if now is None else now
        last = self.points[-1] if self.points else None
        unchanged = last is not None and (last.used, last.limit) == (used, limit)
        if unchanged and last is not None and now - last.time < self.every:
            return
        self.points.append(BudgetPoint(now, used, limit))

    def to_list(self) -> list[dict[str, Any]]:
        return [point.to_dict() for point in self.points]


def size_label(size: int) -> str:
    for bound, label in SIZE_BUCKETS:
        if bound is None or size < bound:
            return label
    return SIZE_BUCKETS[-1][1]  # pragma: no cover - the last bucket is open-ended


def size_histogram(sizes: Iterable[int]) -> list[dict[str, Any]]:
    counts = Counter(size_label(size) for size in sizes)
    return [{"label": label, "count": counts.get(label, 0)} for _, label in SIZE_BUCKETS]


def field_value(value: Any, path: str) -> tuple[bool, Any]:
    """``Data.Level`` → value["Data"]["Level"]; (False, None) when absent."""
    current = value
    for part in path.split("."):
        if not isinstance(current, dict) or part not in current:
            return False, None
        current = current[part]
    return True, current


def _label(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if len(value) <= 40 else value[:39] + "…"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return json.dumps(value)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def distribution(values: Sequence[Any], missing: int = 0) -> list[dict[str, Any]]:
    """Label → count, most common first. Numbers with more than ``MAX_LABELS`` distinct values
    are put into ``NUMERIC_BINS`` equal-width ranges (in value order); other values beyond the
    ``MAX_LABELS - 1`` most common are counted as ``other``."""
    numbers = [v for v in values if _number(v)]
    rest = [v for v in values if not _number(v)]
    rows: list[dict[str, Any]] = []
    if len(set(numbers)) > MAX_LABELS:
        rows.extend(_numeric_bins(numbers))
    else:
        rest = list(values)
    counts = Counter(_label(v) for v in rest)
    common = counts.most_common()
    if len(common) > MAX_LABELS:
        kept, dropped = common[: MAX_LABELS - 1], common[MAX_LABELS - 1 :]
        common = [*kept, ("other", sum(c for _, c in dropped))]
    rows.extend({"label": label, "count": count} for label, count in common)
    if missing:
        rows.append({"label": "(missing)", "count": missing})
    return rows


def _numeric_bins(numbers: Sequence[Any]) -> list[dict[str, Any]]:
    low, high = min(numbers), max(numbers)
    integral = all(isinstance(n, int) for n in numbers)
    width = (high - low) / NUMERIC_BINS
    counts = [0] * NUMERIC_BINS
    for n in numbers:
        index = NUMERIC_BINS - 1 if n == high else int((n - low) / width)
        counts[index] += 1
    rows = []
    for i, count in enumerate(counts):
        start = low + i * width
        end = high if i == NUMERIC_BINS - 1 else low + (i + 1) * width
        if integral:
            first = int(-(-start // 1))  # ceil
            last = int(end) if i == NUMERIC_BINS - 1 else int(-(-end // 1)) - 1
            label = f"{first}" if first == last else f"{first}–{last}"
        else:
            label = f"{start:.3g}–{end:.3g}"
        rows.append({"label": label, "count": count})
    return rows


async def store_stats(
    backend: DataStoreBackend,
    store: str,
    *,
    scope: str | None = None,
    field: str | None = None,
    sample: int = DEFAULT_SAMPLE,
) -> dict[str, Any]:
    """Sizes and field distributions over the first ``sample`` keys of ``store`` (every scope
    unless ``scope``). Sizes are the compact JSON length Roblox counts against its limit."""
    if not 1 <= sample <= MAX_SAMPLE:
        raise InvalidArgument(f"'sample' must be between 1 and {MAX_SAMPLE}, got {sample}.")
    if field is not None and (not field or any(not part for part in field.split("."))):
        raise InvalidArgument("'field' must be a top-level field name or a dotted path.")
    values: list[Any] = []
    sizes: list[int] = []
    cursor: str | None = None
    truncated = False
    while True:
        page = await backend.list_keys(
            store,
            scope=scope or DEFAULT_SCOPE,
            all_scopes=scope is None,
            cursor=cursor,
            limit=256,
        )
        for info in page.items:
            if len(values) >= sample:
                truncated = True
                break
            try:
                entry = await backend.get_entry(store, info.key, scope=info.scope)
            except EntryNotFound:
                continue  # deleted since the listing
            values.append(entry.value)
            sizes.append(len(json.dumps(entry.value, separators=(",", ":"), ensure_ascii=False)))
        cursor = page.next_cursor
        if cursor is None or truncated:
            break
        if len(values) >= sample:
            truncated = True
            break
    names: list[str] = []
    for value in values:
        if isinstance(value, dict):
            for name in value:
                if name not in names and len(names) < MAX_FIELDS:
                    names.append(name)
    if field is not None and field not in names:
        names.append(field)
    fields: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        found = [field_value(value, name) for value in values]
        present = [v for ok, v in found if ok]
        fields[name] = distribution(present, missing=len(found) - len(present))
    return {
        "store": store,
        "sampled": len(values),
        "complete": not truncated and cursor is None,  # every key of the store was read
        "sizes": size_histogram(sizes),
        "fields": fields,
        "field": field,
    }
