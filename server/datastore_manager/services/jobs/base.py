"""Long work as a job object: progress events, cancellation and a summary.

The CLI (rich progress bar), the language server (work-done progress) and tests all drive a job
the same way: ``job.subscribe(listener)``, ``await job.run()``, ``job.cancel()`` from anywhere.
Cancellation is honoured at checkpoint boundaries, so a cancelled job can always be resumed.
"""

from __future__ import annotations

import abc
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ...backends import DataStoreBackend
from ...model import DataStoreError

#: Minimum seconds between two progress events (a final event is always sent).
EMIT_INTERVAL = 0.1


class JobCancelled(DataStoreError):
    """The job stopped at a checkpoint because it was cancelled; resume it to continue."""

    code = "CANCELLED"
    http_status = 499


@dataclass(frozen=True, slots=True)
class Progress:
    """One progress event. ``total`` is None while the size of the work is unknown."""

    job: str
    phase: str
    done: int
    total: int | None
    elapsed: float
    counts: dict[str, int]
    budget_used: float | None = None  # fraction of the request budget in use (Open Cloud)
    message: str = ""

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        if self.total is None or self.rate <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.rate)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "phase": self.phase,
            "done": self.done,
            "total": self.total,
            "elapsed": round(self.elapsed, 3),
            "rate": round(self.rate, 1),
            "eta": None if self.eta is None else round(self.eta, 1),
            "counts": self.counts,
            "budgetUsed": self.budget_used,
            "message": self.message,
        }


@dataclass
class JobSummary:
    """What a finished job reports (the CLI's ``--json`` document)."""

    job: str
    counts: dict[str, int]
    elapsed: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        processed = self.counts.get("processed", 0)
        return processed / self.elapsed if self.elapsed > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "counts": self.counts,
            "elapsedSeconds": round(self.elapsed, 3),
            "entriesPerSecond": round(self.rate, 1),
        } | self.details


Listener = Callable[[Progress], None]


class Job(abc.ABC):
    """Base of every job; subclasses implement :meth:`_run` and call :meth:`step`."""

    kind: ClassVar[str] = "job"

    def __init__(self, backend: DataStoreBackend | None = None) -> None:
        self._backend = backend
        self._listeners: list[Listener] = []
        self._cancelled = False
        self._started = time.monotonic()
        self._last_emit = 0.0
        self.counts: Counter[str] = Counter()
        self.phase = "starting"
        self.done = 0
        self.total: int | None = None

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def cancel(self) -> None:
        """Ask the job to stop at its next checkpoint (safe from signal handlers/threads)."""
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    async def run(self) -> JobSummary:
        self._started = time.monotonic()
        with bulk_requests():
            details = await self._run()
        self.phase = "done"
        self.emit(force=True)
        return JobSummary(self.kind, dict(self.counts), self.elapsed, details)

    @abc.abstractmethod
    async def _run(self) -> dict[str, Any]:
        """Do the work; return the summary's details."""

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def checkpoint_reached(self) -> None:
        """Call right after a checkpoint is durable: stops here if cancelled."""
        if self._cancelled:
            self.emit(force=True, message="cancelled")
            raise JobCancelled(
                f"The {self.kind} was cancelled after its last checkpoint; run it again with "
                "--resume to continue."
            )

    def emit(self, *, force: bool = False, message: str = "") -> None:
        now = time.monotonic()
        if not force and now - self._last_emit < EMIT_INTERVAL:
            return
        self._last_emit = now
        event = Progress(
            self.kind,
            self.phase,
            self.done,
            self.total,
            self.elapsed,
            dict(self.counts),
            budget_use(self._backend),
            message,
        )
        for listener in self._listeners:
            listener(event)


def budget_use(backend: DataStoreBackend | None) -> float | None:
    """The busiest budget category's use (0..1) when the backend has a request budget."""
    budget = getattr(backend, "budget", None) or getattr(
        getattr(backend, "client", None), "budget", None
    )
    status = getattr(budget, "status", None)
    if status is None:
        return None
    try:
        current = status()
        return round(current.used / current.limit, 3) if current.limit else None
    except Exception:  # a status bar must never fail the job
        return None


@contextlib.contextmanager
def bulk_requests() -> Iterator[None]:
    """Mark every request of the job as bulk work for the Open Cloud budget (lower priority,
    capped at the bulk share) so live game servers keep their budget."""
    try:
        from ...backends.opencloud.budget import bulk_priority
    except ImportError:  # the Open Cloud backend is optional here
        yield
        return
    with bulk_priority():
        yield
