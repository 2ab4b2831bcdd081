"""Player saves shaped like ProfileService's (FACTS §19), built from a seeded random source.

Values follow ``schemas/demo/player-data.schema.json`` except the deliberate violations of
:data:`VIOLATIONS`, which show what the schema diagnostics catch.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: The demo game's start place (ActiveSession holds [PlaceId, JobId]).
PLACE_ID = 8_123_456_789

ITEM_IDS = (
    "Sword_Wood",
    "Sword_Iron",
    "Sword_Crystal",
    "Bow_Short",
    "Bow_Long",
    "Potion_Health",
    "Potion_Speed",
    "Pet_Cat",
    "Pet_Dragon",
    "Hat_Wizard",
    "Hat_Crown",
    "Gem_Ruby",
)
QUEST_IDS = ("Tutorial", "FirstBlood", "DragonSlayer", "Collector", "Explorer", "Speedrunner")


@dataclass
class Player:
    """One player's evolving state; each save snapshots it into a profile value."""

    user_id: int
    created: int  # unix seconds
    coins: int
    gems: int
    level: int
    experience: int
    play_time: int
    kills: int
    deaths: int
    inventory: dict[str, int]
    completed_quests: list[str]
    music_volume: float
    sfx_volume: float
    session_loads: int = 0

    @property
    def key(self) -> str:
        return f"Player_{self.user_id}"

    def play_session(self, rng: random.Random) -> None:
        """What one game session changes: coins, experience, items, quests."""
        self.session_loads += 1
        self.coins += rng.randint(20, 900)
        self.gems += rng.choice((0, 0, 0, 1, 5))
        self.experience += rng.randint(50, 600)
        while self.experience >= self.level * 250 and self.level < 100:
            self.experience -= self.level * 250
            self.level += 1
        self.play_time += rng.randint(300, 5400)
        self.kills += rng.randint(0, 40)
        self.deaths += rng.randint(0, 15)
        if rng.random() < 0.5:
            item = rng.choice(ITEM_IDS)
            self.inventory[item] = self.inventory.get(item, 0) + 1
        remaining = [q for q in QUEST_IDS if q not in self.completed_quests]
        if remaining and rng.random() < 0.3:
            self.completed_quests.append(remaining[0])


def new_player(rng: random.Random, user_id: int, created: int) -> Player:
    return Player(
        user_id=user_id,
        created=created,
        coins=rng.randint(0, 500),
        gems=0,
        level=1,
        experience=0,
        play_time=0,
        kills=0,
        deaths=0,
        inventory={"Sword_Wood": 1},
        completed_quests=[],
        music_volume=round(rng.choice((0.0, 0.25, 0.5, 0.8, 1.0)), 2),
        sfx_volume=round(rng.choice((0.5, 0.8, 1.0)), 2),
    )


def job_id(rng: random.Random) -> str:
    """A server JobId (a GUID), reproducible from the seeded source."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def profile_value(
    player: Player,
    *,
    last_update: int,
    active_session: list[Any] | None,
    roblox_metadata: dict[str, Any],
    global_updates: list[Any] | None = None,
) -> dict[str, Any]:
    """ProfileService's saved structure: Data, MetaData, RobloxMetaData, UserIds, GlobalUpdates."""
    meta: dict[str, Any] = {
        "ProfileCreateTime": player.created,
        "SessionLoadCount": player.session_loads,
        "LastUpdate": last_update,
        "MetaTags": {"ProfileVersion": 3},
    }
    if active_session is not None:
        meta["ActiveSession"] = active_session
    return {
        "Data": {
            "Coins": player.coins,
            "Gems": player.gems,
            "Level": player.level,
            "Experience": player.experience,
            "Inventory": [
                {"Id": item, "Count": count} for item, count in sorted(player.inventory.items())
            ],
            "Quests": {"Completed": list(player.completed_quests)},
            "Settings": {"MusicVolume": player.music_volume, "SfxVolume": player.sfx_volume},
            "Stats": {"PlayTime": player.play_time, "Kills": player.kills, "Deaths": player.deaths},
        },
        "MetaData": meta,
        "RobloxMetaData": roblox_metadata,
        "UserIds": [player.user_id],
        "GlobalUpdates": global_updates if global_updates is not None else [0, []],
    }


def gift_updates(rng: random.Random) -> list[Any]:
    """A pending GlobalUpdates queue: [update_index, [[id, version, locked, data], ...]]."""
    count = rng.randint(1, 3)
    updates = [
        [index, 1, False, {"Type": "Gift", "Item": rng.choice(ITEM_IDS), "From": "Admin"}]
        for index in range(1, count + 1)
    ]
    return [count, updates]


def _negative_coins(value: dict[str, Any]) -> None:
    value["Data"]["Coins"] = -250  # an exploit or a bad migration


def _level_as_string(value: dict[str, Any]) -> None:
    value["Data"]["Level"] = str(value["Data"]["Level"])  # written by an old admin tool


def _zero_count_item(value: dict[str, Any]) -> None:
    value["Data"]["Inventory"].append({"Id": "Pet_Dragon", "Count": 0})


def _volume_out_of_range(value: dict[str, Any]) -> None:
    value["Data"]["Settings"]["MusicVolume"] = 1.5


def _misspelt_field(value: dict[str, Any]) -> None:
    value["Data"]["Coinz"] = value["Data"].pop("Coins")  # a typo in a hand edit


def _missing_last_update(value: dict[str, Any]) -> None:
    del value["MetaData"]["LastUpdate"]


def _global_updates_not_array(value: dict[str, Any]) -> None:
    value["GlobalUpdates"] = {}  # ProfileService would treat this profile as corrupted


#: Deliberate schema violations, one per broken player save, by name.
VIOLATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "negative-coins": _negative_coins,
    "level-as-string": _level_as_string,
    "zero-count-item": _zero_count_item,
    "volume-out-of-range": _volume_out_of_range,
    "misspelt-field": _misspelt_field,
    "missing-last-update": _missing_last_update,
    "global-updates-not-array": _global_updates_not_array,
}


def inventory_value(rng: random.Random, player: Player, acquired_base: int) -> dict[str, Any]:
    """The Inventory store's value: item instances with rarity, plus the equipped loadout."""
    items: list[dict[str, Any]] = [
        {
            "Uid": job_id(rng)[:8],
            "Id": item,
            "Rarity": rng.choice(("Common", "Common", "Rare", "Epic", "Legendary")),
            "Acquired": acquired_base + rng.randint(0, 86_400 * 20),
        }
        for item, count in sorted(player.inventory.items())
        for _ in range(count)
    ]
    swords = [i["Uid"] for i in items if i["Id"].startswith("Sword")]
    return {
        "Capacity": rng.choice((50, 50, 100)),
        "Items": items,
        "Equipped": {"Weapon": swords[0] if swords else None},
    }
