"""The retention policy of ``dsm backup prune`` on generated dates (no files): days and ISO
weeks in UTC, year boundaries, sources never pruning each other, incomplete backups kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from datastore_manager.model import InvalidArgument
from datastore_manager.services.backups.retention import (
    INCOMPLETE,
    Backup,
    Decision,
    Policy,
    day_of,
    plan,
    week_of,
)


def nightly(
    start: datetime, days: int, source: str = "opencloud:1", per_day: int = 1
) -> list[Backup]:
    """``per_day`` backups a day for ``days`` days from ``start`` (one hour apart)."""
    return [
        Backup(Path(f"{source}-{d:03d}-{n}.dsm"), source, start + timedelta(days=d, hours=n))
        for d in range(days)
        for n in range(per_day)
    ]


def kept(decisions: list[Decision]) -> dict[str, list[str]]:
    return {d.backup.path.name: d.reasons for d in decisions if d.keep}


def test_daily_keeps_the_newest_of_each_of_the_last_n_days_with_backups() -> None:
    backups = nightly(datetime(2026, 11, 20, 3, tzinfo=UTC), 5, per_day=3)  # 20..24 Nov

    decisions = plan(backups, Policy(keep_daily=3))

    assert kept(decisions) == {
        "opencloud:1-004-2.dsm": ["daily 2026-11-24"],
        "opencloud:1-003-2.dsm": ["daily 2026-11-23"],
        "opencloud:1-002-2.dsm": ["daily 2026-11-22"],
    }
    assert len([d for d in decisions if not d.keep]) == 12
    assert [d.backup.created for d in decisions] == sorted(
        (b.created for b in backups), reverse=True
    )


def test_days_without_backups_do_not_use_up_slots() -> None:
    start = datetime(2026, 1, 1, 3, tzinfo=UTC)
    backups = [Backup(Path(f"{d}.dsm"), "s", start + timedelta(days=d)) for d in (0, 10, 30)]

    assert set(kept(plan(backups, Policy(keep_daily=3)))) == {"0.dsm", "10.dsm", "30.dsm"}


def test_weekly_uses_iso_weeks_across_the_year_boundary() -> None:
    # Mon 2026-12-28 .. Sun 2027-01-10: ISO weeks 2026-W53 and 2027-W01.
    backups = nightly(datetime(2026, 12, 28, 2, tzinfo=UTC), 14)
    # Fri 2027-01-01 belongs to the previous ISO year's last week.
    assert week_of(datetime(2027, 1, 1, 12, tzinfo=UTC)) == "2026-W53"
    assert week_of(datetime(2024, 12, 30, tzinfo=UTC)) == "2025-W01"

    assert kept(plan(backups, Policy(keep_weekly=5))) == {
        "opencloud:1-013-0.dsm": ["weekly 2027-W01"],  # Sun 10 Jan
        "opencloud:1-006-0.dsm": ["weekly 2026-W53"],  # Sun 3 Jan 2027
    }


def test_days_and_weeks_are_utc_whatever_the_offset_given() -> None:
    east = timezone(timedelta(hours=9))
    late = datetime(2026, 11, 25, 1, 0, tzinfo=east)  # 2026-11-24T16:00Z
    assert day_of(late) == "2026-11-24"
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert week_of(sunday_night) == "2026-W49"  # Monday 30 Nov in UTC
    backups = [
        Backup(Path("a.dsm"), "s", datetime(2026, 11, 24, 10, tzinfo=UTC)),
        Backup(Path("b.dsm"), "s", late),
    ]
    assert kept(plan(backups, Policy(keep_daily=1))) == {"b.dsm": ["daily 2026-11-24"]}


def test_reasons_combine_and_last_k_counts_every_backup() -> None:
    backups = nightly(datetime(2026, 11, 16, 3, tzinfo=UTC), 9, per_day=2)  # Mon 16 .. Tue 24

    found = kept(plan(backups, Policy(keep_daily=2, keep_weekly=2, keep_last=3)))

    assert found == {
        "opencloud:1-008-1.dsm": ["last 1", "daily 2026-11-24", "weekly 2026-W48"],
        "opencloud:1-008-0.dsm": ["last 2"],
        "opencloud:1-007-1.dsm": ["last 3", "daily 2026-11-23"],
        "opencloud:1-006-1.dsm": ["weekly 2026-W47"],  # Sun 22 Nov
    }


def test_sources_never_prune_each_other_and_a_lone_backup_is_kept() -> None:
    busy = nightly(datetime(2026, 11, 1, 3, tzinfo=UTC), 20, source="opencloud:1")
    lone = [Backup(Path("old-universe.dsm"), "opencloud:2", datetime(2025, 1, 1, tzinfo=UTC))]

    found = kept(plan(busy + lone, Policy(keep_last=2)))

    assert found == {
        "opencloud:1-019-0.dsm": ["last 1"],
        "opencloud:1-018-0.dsm": ["last 2"],
        "old-universe.dsm": ["last 1"],
    }


def test_incomplete_backups_are_kept_and_take_no_slot() -> None:
    start = datetime(2026, 11, 20, 3, tzinfo=UTC)
    backups = [
        *nightly(start, 3),
        Backup(Path("running.dsm"), "opencloud:1", start + timedelta(days=3), complete=False),
        Backup(Path("crashed.dsm"), "opencloud:1", start - timedelta(days=30), complete=False),
    ]

    found = kept(plan(backups, Policy(keep_daily=1)))

    assert found == {
        "running.dsm": [INCOMPLETE],
        "crashed.dsm": [INCOMPLETE],
        "opencloud:1-002-0.dsm": ["daily 2026-11-22"],  # the newest COMPLETE one
    }


def test_a_policy_must_keep_something() -> None:
    with pytest.raises(InvalidArgument, match="at least one of --keep-daily"):
        Policy()
    with pytest.raises(InvalidArgument, match="negative"):
        Policy(keep_daily=-1, keep_last=2)
