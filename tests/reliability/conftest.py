"""Shared helpers of the reliability suites (issue 9).

Every suite prints its measured figures as one line ``RELIABILITY {json}`` (visible with
``pytest -s`` or in the captured output of a failure); docs/reliability.md records the last ones.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

#: Generous Open Cloud client budgets: these suites test correctness, not pacing.
UNLIMITED_BUDGET: Mapping[str, int] = {
    f"{kind}.{op}": 1_000_000
    for kind in ("standard", "ordered")
    for op in ("read", "write", "list", "remove")
}
API_KEY = "reliability-key"
DSM = [sys.executable, "-m", "datastore_manager.cli.main"]


def report(suite: str, **figures: Any) -> None:
    """Print one machine-readable line with a suite's measured figures."""
    print("RELIABILITY " + json.dumps({"suite": suite, **figures}, sort_keys=True), flush=True)


def env_float(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    return float(text) if text else default


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    timing: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield timing
    finally:
        timing["seconds"] = round(time.perf_counter() - start, 2)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]
