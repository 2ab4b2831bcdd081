"""Which backups a retention policy keeps (``dsm backup prune``): pure, no I/O.

The policy works like ``restic forget`` / ``borg prune``, per source (see :func:`plan`):

* ``keep_last`` K: the K newest backups;
* ``keep_daily`` N: the newest backup of each of the N most recent UTC days that HAVE a backup;
* ``keep_weekly`` M: the newest backup of each of the M most recent ISO weeks (UTC) that have
  one (``2026-W47``; ISO weeks start on Monday and the first days of January can belong to the
  previous year's last week).

Counting days and weeks that have backups (not calendar days before "now") means a source whose
backups stopped keeps its last N daily backups instead of losing them as time passes. A backup
is kept when any rule keeps it, and every reason is reported. Incomplete backups (being written,
or interrupted and resumable) are always kept and take no slot; the only complete backup of a
source is always kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ...model import InvalidArgument

INCOMPLETE = "incomplete (being written or resumable)"
ONLY_BACKUP = "only backup of its source"


@dataclass(frozen=True, slots=True)
class Policy:
    keep_daily: int = 0
    keep_weekly: int = 0
    keep_last: int = 0

    def __post_init__(self) -> None:
        counts = (self.keep_daily, self.keep_weekly, self.keep_last)
        if any(count < 0 for count in counts):
            raise InvalidArgument("--keep-daily, --keep-weekly and --keep-last cannot be negative.")
        if not any(counts):
            raise InvalidArgument(
                "Give a retention policy: at least one of --keep-daily N, --keep-weekly M, "
                "--keep-last K above 0 (with none, every backup but one would be deleted)."
            )

    def to_dict(self) -> dict[str, int]:
        return {"keepDaily": self.keep_daily, "keepWeekly": self.keep_weekly,
                "keepLast": self.keep_last}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Backup:
    """One archive as its manifest describes it; ``source`` groups backups of the same data."""

    path: Path
    source: Hashable
    created: datetime  # aware
    complete: bool = True


@dataclass(slots=True)
class Decision:
    backup: Backup
    reasons: list[str] = field(default_factory=list)

    @property
    def keep(self) -> bool:
        return bool(self.reasons)


def day_of(moment: datetime) -> str:
    """``2026-11-24``: the UTC day of ``moment``."""
    return moment.astimezone(UTC).date().isoformat()


def week_of(moment: datetime) -> str:
    """``2026-W47``: the ISO week (UTC) of ``moment``."""
    year, week, _ = moment.astimezone(UTC).date().isocalendar()
    return f"{year}-W{week:02d}"


def plan(backups: Iterable[Backup], policy: Policy) -> list[Decision]:
    """A decision for every backup: newest first within each source, sources in first-seen
    order. A decision without reasons is a deletion."""
    groups: dict[Hashable, list[Backup]] = {}
    for backup in backups:
        groups.setdefault(backup.source, []).append(backup)
    decisions: list[Decision] = []
    for members in groups.values():
        decisions += _plan_source(members, policy)
    return decisions


def _plan_source(members: Sequence[Backup], policy: Policy) -> list[Decision]:
    ordered = sorted(members, key=lambda b: (b.created, str(b.path)), reverse=True)
    decisions = [Decision(backup) for backup in ordered]
    complete = [d for d in decisions if d.backup.complete]
    for decision in decisions:
        if not decision.backup.complete:
            decision.reasons.append(INCOMPLETE)
    for rank, decision in enumerate(complete[: policy.keep_last], start=1):
        decision.reasons.append(f"last {rank}")
    _keep_newest_per_bucket(complete, policy.keep_daily, "daily", day_of)
    _keep_newest_per_bucket(complete, policy.keep_weekly, "weekly", week_of)
    if len(complete) == 1 and not complete[0].keep:  # unreachable with a valid policy; a net
        complete[0].reasons.append(ONLY_BACKUP)
    return decisions


def _keep_newest_per_bucket(
    newest_first: Sequence[Decision], count: int, label: str, bucket_of: Callable[[datetime], str]
) -> None:
    seen: set[str] = set()
    for decision in newest_first:
        if len(seen) >= count:
            return
        bucket = bucket_of(decision.backup.created)
        if bucket not in seen:
            seen.add(bucket)
            decision.reasons.append(f"{label} {bucket}")
