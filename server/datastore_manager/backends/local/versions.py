"""Version ids and history retention for the local engine.

Version ids look like Roblox's (``08D9E6A3F2188CFF.0000000001.08D9E6A3F2188CFF.01``, FACTS §11):
.NET ticks of the version in hex, a per-key counter, the ticks of the entry's creation. They are
opaque to clients but sort in creation order, which listings by version rely on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from ...model import InvalidArgument
from ...model.limits import VERSION_RETENTION

_DOTNET_EPOCH_TICKS = 621_355_968_000_000_000  # ticks from 0001-01-01 to 1970-01-01
_HOUR_US = 3_600_000_000


def ticks_from_micros(micros: int) -> int:
    return micros * 10 + _DOTNET_EPOCH_TICKS


def make_version_id(ticks: int, seq: int, created_ticks: int) -> str:
    return f"{ticks:016X}.{seq:010d}.{created_ticks:016X}.01"


class Retention(StrEnum):
    """``all`` keeps every version for ever (the default: nothing deletes history locally).
    ``roblox`` mirrors Roblox (VLC): one backup per key per UTC hour, superseded versions expire
    30 days after being overwritten, and after a snapshot the data current at snapshot time is
    always kept as a version."""

    ALL = "all"
    ROBLOX = "roblox"

    @classmethod
    def parse(cls, value: str | Retention) -> Retention:
        try:
            return cls(value)
        except ValueError:
            raise InvalidArgument(f"Unknown retention {value!r}; use 'all' or 'roblox'.") from None


@dataclass(frozen=True, slots=True)
class PreviousVersion:
    seq: int
    created_us: int
    first_of_its_hour: bool


def overwritten_in_same_hour(
    previous: PreviousVersion, now_us: int, last_snapshot_us: int | None
) -> bool:
    """Roblox keeps the first write of each UTC hour; later writes in that hour replace the
    previous data — unless a snapshot was taken since that data was written."""
    if previous.first_of_its_hour:
        return False
    if last_snapshot_us is not None and previous.created_us <= last_snapshot_us:
        return False
    return previous.created_us // _HOUR_US == now_us // _HOUR_US


def expiry_cutoff_us(now_us: int) -> int:
    """Versions superseded before this moment have expired (30 days, VLC)."""
    return now_us - int(VERSION_RETENTION.total_seconds() * 1_000_000)


def same_hour(a_us: int, b_us: int) -> bool:
    return a_us // _HOUR_US == b_us // _HOUR_US


def hour_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
