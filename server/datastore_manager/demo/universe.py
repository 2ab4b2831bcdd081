"""Write the demo universe: what a small live Roblox game's DataStores look like after a month.

Every write goes through :mod:`..services.entries`; the local engine's ``clock`` is moved
through the past so versions are spread over days, in chronological order.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..backends import DataStoreBackend, open_backend
from ..model import InvalidArgument, Target, TargetKind, utc_now
from ..services import entries
from . import profiles

DEMO_SEED = 20_240_501

PLAYER_STORE = "PlayerData"
INVENTORY_STORE = "Inventory"
SETTINGS_STORE = "GameSettings"
LEADERBOARD_STORE = "Leaderboard"

PLAYER_COUNT = 240
LIVE_LOCKS = 12  # ActiveSession set and LastUpdate minutes ago: a server owns the profile
STALE_LOCKS = 8  # ActiveSession set but LastUpdate days ago: the server crashed
HISTORY_PLAYERS = 10  # players with ≥ 6 versions spread over two weeks
DELETED_PLAYERS = 2  # right-to-erasure requests: the latest version is a tombstone
LEADERBOARD_SIZE = 1_200
HISTORY_DAYS = 30


@dataclass
class DemoSummary:
    """What :func:`create_demo` wrote, so tests and the CLI can point at interesting keys."""

    path: Path
    stores: list[str] = field(default_factory=list)
    player_keys: list[str] = field(default_factory=list)
    live_locked_keys: list[str] = field(default_factory=list)
    stale_locked_keys: list[str] = field(default_factory=list)
    invalid_keys: dict[str, str] = field(default_factory=dict)  # key → violation name
    history_keys: list[str] = field(default_factory=list)
    deleted_keys: list[str] = field(default_factory=list)
    leaderboard_entries: int = 0
    writes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "stores": self.stores,
            "players": len(self.player_keys),
            "liveLockedKeys": self.live_locked_keys,
            "staleLockedKeys": self.stale_locked_keys,
            "invalidKeys": self.invalid_keys,
            "historyKeys": self.history_keys,
            "deletedKeys": self.deleted_keys,
            "leaderboardEntries": self.leaderboard_entries,
            "writes": self.writes,
        }


class _Clock:
    """The engine's clock, moved by the demo to write history in the past."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


Write = Callable[[DataStoreBackend], Awaitable[object]]


@dataclass(order=True)
class _Event:
    at: datetime
    order: int
    write: Write = field(compare=False)


async def create_demo(
    path: str | Path, *, seed: int = DEMO_SEED, now: datetime | None = None
) -> DemoSummary:
    """Create the demo universe in a new SQLite file at ``path`` (refuses an existing file).

    Deterministic for a given ``seed`` and ``now``; the newest writes are minutes before
    ``now`` (the real time by default) so that live session locks look live.
    """
    path = Path(path).expanduser()
    if path.exists():
        raise InvalidArgument(
            f"{path} already exists; `dsm demo` only creates new files (so it never overwrites "
            "data). Choose another path or delete that file first."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    now = (now or utc_now()).astimezone(UTC)
    rng = random.Random(seed)
    summary = DemoSummary(path=path)
    events: list[_Event] = []

    def at(moment: datetime, write: Write) -> None:
        events.append(_Event(moment, len(events), write))

    _plan_players(rng, now, summary, at)
    _plan_settings(now, at)
    _plan_leaderboard(rng, now, summary, at)
    summary.stores = [PLAYER_STORE, INVENTORY_STORE, SETTINGS_STORE, LEADERBOARD_STORE]

    clock = _Clock(now - timedelta(days=HISTORY_DAYS + 1))
    async with open_backend(Target(TargetKind.LOCAL, str(path)), clock=clock) as backend:
        for event in sorted(events):
            clock.now = event.at
            await event.write(backend)
    summary.writes = len(events)
    return summary


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _plan_players(
    rng: random.Random,
    now: datetime,
    summary: DemoSummary,
    at: Callable[[datetime, Write], None],
) -> None:
    user_ids = rng.sample(range(10_000_000, 4_000_000_000), PLAYER_COUNT)
    roles = (
        ["live"] * LIVE_LOCKS
        + ["stale"] * STALE_LOCKS
        + ["invalid"] * len(profiles.VIOLATIONS)
        + ["history"] * HISTORY_PLAYERS
        + ["deleted"] * DELETED_PLAYERS
    )
    roles += ["plain"] * (PLAYER_COUNT - len(roles))
    rng.shuffle(roles)
    violations = iter(profiles.VIOLATIONS.items())

    for user_id, role in zip(user_ids, roles, strict=True):
        created = now - timedelta(days=rng.uniform(3, HISTORY_DAYS), hours=rng.uniform(0, 23))
        player = profiles.new_player(rng, user_id, _unix(created))
        summary.player_keys.append(player.key)
        sessions = rng.randint(6, 9) if role == "history" else rng.randint(1, 2)
        span = now - created - timedelta(hours=1)
        times = sorted(created + span * rng.random() for _ in range(sessions))
        if role == "live":
            times[-1] = now - timedelta(seconds=rng.randint(20, 600))
            summary.live_locked_keys.append(player.key)
        elif role == "stale":
            times[-1] = now - timedelta(days=rng.uniform(1.5, 6))
            summary.stale_locked_keys.append(player.key)
        elif role == "history":
            summary.history_keys.append(player.key)
        elif role == "deleted":
            summary.deleted_keys.append(player.key)

        # Roblox metadata (attributes) on some saves, mirrored in RobloxMetaData as the
        # library does; the user ids metadata is always the player's id.
        attributes: dict[str, Any] = {}
        if rng.random() < 0.3:
            attributes = {"Season": 3, "Tier": rng.choice(("Free", "VIP"))}

        for index, moment in enumerate(times):
            player.play_session(rng)
            last = index == len(times) - 1
            session = None
            if last and role in ("live", "stale"):
                session = [profiles.PLACE_ID, profiles.job_id(rng)]
            updates = profiles.gift_updates(rng) if last and rng.random() < 0.1 else None
            value = profiles.profile_value(
                player,
                last_update=_unix(moment),
                active_session=session,
                roblox_metadata=attributes,
                global_updates=updates,
            )
            if last and role == "invalid":
                name, break_value = next(violations)
                break_value(value)
                summary.invalid_keys[player.key] = name
            at(moment, _set(PLAYER_STORE, player.key, value, attributes, (user_id,)))

        if role == "deleted":
            at(times[-1] + timedelta(hours=rng.uniform(2, 30)), _delete(PLAYER_STORE, player.key))

        if rng.random() < 0.5:  # half the players have opened their inventory
            value = profiles.inventory_value(rng, player, _unix(created))
            scope = "global" if rng.random() < 0.9 else "legacy"  # old saves in an old scope
            at(times[-1], _set(INVENTORY_STORE, player.key, value, {}, (user_id,), scope))


def _plan_settings(now: datetime, at: Callable[[datetime, Write], None]) -> None:
    """Live-ops config edited by hand over the month: one key with many versions."""
    for week in range(6):
        value = {
            "EventName": ("Launch", "Spring", "Spring", "Dragons", "Dragons", "Summer")[week],
            "CoinMultiplier": (1, 1, 2, 2, 3, 1)[week],
            "MaintenanceMode": False,
            "ShopRotation": list(profiles.ITEM_IDS[week : week + 4]),
        }
        moment = now - timedelta(days=HISTORY_DAYS - week * 5, hours=3)
        at(moment, _set(SETTINGS_STORE, "LiveConfig", value, {"EditedBy": "ops"}, ()))
    at(now - timedelta(days=20), _set(SETTINGS_STORE, "BannedUsers", [156, 2_048_111], {}, ()))


def _plan_leaderboard(
    rng: random.Random,
    now: datetime,
    summary: DemoSummary,
    at: Callable[[datetime, Write], None],
) -> None:
    user_ids = rng.sample(range(10_000_000, 4_000_000_000), LEADERBOARD_SIZE)
    for user_id in user_ids:
        wins = int(rng.paretovariate(1.3) * 10)
        moment = now - timedelta(days=rng.uniform(0, HISTORY_DAYS))
        at(moment, _ordered(LEADERBOARD_STORE, str(user_id), wins))
    summary.leaderboard_entries = LEADERBOARD_SIZE


def _set(
    store: str,
    key: str,
    value: Any,
    attributes: dict[str, Any],
    user_ids: tuple[int, ...],
    scope: str = "global",
) -> Write:
    async def write(backend: DataStoreBackend) -> object:
        return await entries.write_entry(
            backend, store, key, value, scope=scope, attributes=attributes, user_ids=user_ids
        )

    return write


def _delete(store: str, key: str) -> Write:
    async def write(backend: DataStoreBackend) -> object:
        return await entries.delete_entry(backend, store, key)

    return write


def _ordered(store: str, key: str, value: int) -> Write:
    async def write(backend: DataStoreBackend) -> object:
        return await entries.set_ordered(backend, store, key, value)

    return write
