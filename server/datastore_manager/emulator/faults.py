"""Injected faults: a seeded, deterministic sequence of failures for testing clients.

``--faults 5xx=0.1,429=0.05,reset=0.05,5xx_after=0.05,reset_after=0.02,latency=20ms``

Each request draws one number from a ``random.Random(seed)`` in arrival order, so the same
seed and the same request sequence give the same faults. The kinds and what they do:

* ``429`` / ``5xx``: answered before the operation runs (nothing is applied).
* ``reset``: the connection is dropped before the operation runs.
* ``5xx_after``: the operation IS applied, then a 500 is returned (the client cannot know).
* ``reset_after``: the operation IS applied, then the connection is dropped.
* ``latency``: a fixed delay added to every request (``ms`` or ``s`` suffix).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from ..model import InvalidArgument


class Fault(StrEnum):
    NONE = "none"
    THROTTLE = "429"
    SERVER_ERROR = "5xx"
    RESET = "reset"
    SERVER_ERROR_AFTER = "5xx_after"
    RESET_AFTER = "reset_after"

    @property
    def applies_operation(self) -> bool:
        return self in (Fault.NONE, Fault.SERVER_ERROR_AFTER, Fault.RESET_AFTER)


# Fixed draw order, so a spec's meaning never depends on how it was written.
_ORDER = (
    Fault.THROTTLE,
    Fault.SERVER_ERROR,
    Fault.RESET,
    Fault.SERVER_ERROR_AFTER,
    Fault.RESET_AFTER,
)


@dataclass(frozen=True, slots=True)
class FaultSpec:
    probabilities: dict[Fault, float]
    latency_seconds: float = 0.0

    @property
    def active(self) -> bool:
        return bool(self.probabilities) or self.latency_seconds > 0


NO_FAULTS = FaultSpec({})


def parse_faults(text: str | None) -> FaultSpec:
    if not text:
        return NO_FAULTS
    probabilities: dict[Fault, float] = {}
    latency = 0.0
    for part in text.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise InvalidArgument(f"--faults item {part!r} is not NAME=VALUE, e.g. 5xx=0.1.")
        if name == "latency":
            latency = _duration(value)
            continue
        try:
            fault = Fault(name)
        except ValueError:
            raise InvalidArgument(
                f"--faults: unknown fault {name!r}; use 429, 5xx, reset, 5xx_after, reset_after "
                "or latency."
            ) from None
        try:
            probability = float(value)
        except ValueError:
            probability = -1.0
        if not 0.0 <= probability <= 1.0:
            raise InvalidArgument(
                f"--faults: {name} needs a probability from 0 to 1, got {value!r}."
            )
        probabilities[fault] = probability
    if sum(probabilities.values()) > 1.0:
        raise InvalidArgument("--faults: the probabilities add up to more than 1.")
    return FaultSpec(probabilities, latency)


def _duration(text: str) -> float:
    scale = 1.0
    number = text.strip()
    if number.endswith("ms"):
        number, scale = number[:-2], 0.001
    elif number.endswith("s"):
        number = number[:-1]
    try:
        seconds = float(number) * scale
    except ValueError:
        seconds = -1.0
    if seconds < 0:
        raise InvalidArgument(f"--faults: latency {text!r} is not a duration like 20ms or 0.5s.")
    return seconds


class FaultPlan:
    """Draws the fault for each request, in arrival order, from one seeded generator."""

    def __init__(self, spec: FaultSpec, seed: int) -> None:
        self.spec = spec
        self._random = random.Random(seed)
        self._thresholds: list[tuple[float, Fault]] = []
        cumulative = 0.0
        for fault in _ORDER:
            if fault in spec.probabilities:
                cumulative += spec.probabilities[fault]
                self._thresholds.append((cumulative, fault))

    def next_fault(self) -> Fault:
        if not self._thresholds:
            return Fault.NONE
        draw = self._random.random()
        for threshold, fault in self._thresholds:
            if draw < threshold:
                return fault
        return Fault.NONE
