"""WriteAccess.touch(): activity keeps live write access alive but never revives lapsed access
(even when no check happened between the lapse and the activity)."""

from __future__ import annotations

import pytest

from datastore_manager.services.roles import (
    ConnectionPolicy,
    Role,
    WriteAccess,
    WriteAccessExpired,
)

POLICY = ConnectionPolicy("prod", "opencloud:1", Role.EDITOR, True, idle_timeout_minutes=1)


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("how", ["constructor", "policy", "learned by check"])
def test_touch_after_the_idle_timeout_does_not_revive_write_access(how: str) -> None:
    clock = Clock()
    limit = 1.0 if how == "constructor" else None
    access = WriteAccess(granted=True, clock=clock, idle_timeout_minutes=limit)
    touch_policy = POLICY if how == "policy" else None
    if how == "learned by check":
        access.check(POLICY)

    clock.now += 59  # activity within the minute keeps access alive, from that moment on
    access.touch(touch_policy)
    clock.now += 59
    access.check(POLICY)

    clock.now += 61  # idle past the limit, and no check happened in between ...
    access.touch(touch_policy)  # ... so this activity must not revive it
    with pytest.raises(WriteAccessExpired) as lapsed:
        access.check(POLICY)
    assert lapsed.value.details["refusal"] == "idle"
    clock.now += 1
    access.touch(touch_policy)  # still lapsed
    with pytest.raises(WriteAccessExpired):
        access.check(POLICY)

    access.grant(touch_policy)  # only an explicit grant brings it back
    clock.now += 30
    access.check(POLICY)


def test_touch_never_grants_access_that_was_not_granted() -> None:
    clock = Clock()
    access = WriteAccess(clock=clock)
    access.touch(POLICY)
    with pytest.raises(WriteAccessExpired):
        access.check(POLICY)
