"""The request budget: bulk share, priority, learning from headers and 429s, numbers."""

from __future__ import annotations

import asyncio
import time

from datastore_manager.backends.opencloud.budget import (
    THROTTLED_FOR,
    Priority,
    RequestBudget,
    bulk_priority,
    request_priority,
)

READ = "standard.read"


async def admitted_within(budget: RequestBudget, seconds: float, *, bulk: bool) -> int:
    """How many requests 8 eager workers get through in ``seconds``."""
    count = 0
    stop = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal count
        while time.monotonic() < stop:
            async with budget.admit(READ):
                if time.monotonic() < stop:
                    count += 1

    async def run() -> None:
        if bulk:
            request_priority.set(Priority.BULK)
        workers = [asyncio.create_task(worker()) for _ in range(8)]
        await asyncio.wait(workers, timeout=seconds + 1)
        for task in workers:  # the ones still queued for a slot
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    await asyncio.create_task(run())
    return count


async def test_bulk_work_gets_its_share_and_no_more() -> None:
    # 1,200/min = 20/s; a 3 s burst allowance. Bulk at 50 %: 10/s with a 30-token burst.
    budget = RequestBudget(requests_per_minute={READ: 1200}, bulk_share=0.5)

    bulk = await admitted_within(budget, 2.0, bulk=True)

    assert 30 + 2.0 * 10 * 0.8 <= bulk <= 30 + 2.0 * 10 + 2


async def test_interactive_work_may_use_the_whole_window() -> None:
    budget = RequestBudget(requests_per_minute={READ: 300}, bulk_share=0.5)

    interactive = await admitted_within(budget, 1.0, bulk=False)

    assert interactive == 300  # Roblox counts per 60 s window; the editor may burst within it


async def test_no_60_second_window_exceeds_the_limit() -> None:
    budget = RequestBudget(requests_per_minute={READ: 30})

    admitted = await admitted_within(budget, 1.0, bulk=False)

    assert admitted == 30
    assert budget.status().categories[READ].used == 30


async def test_interactive_requests_jump_the_bulk_queue() -> None:
    # Bulk at 120/min: one every 0.5 s once its 3 s burst is spent (share 1.0).
    budget = RequestBudget(requests_per_minute={READ: 120}, bulk_share=1.0)
    order: list[str] = []

    async def request(name: str, priority: Priority) -> None:
        request_priority.set(priority)
        async with budget.admit(READ):
            order.append(name)

    bulk = [asyncio.create_task(request(f"bulk{i}", Priority.BULK)) for i in range(14)]
    await asyncio.sleep(0.2)  # the burst is spent; the rest of the bulk requests queue
    queued_bulk = budget.status().queued
    interactive = asyncio.create_task(request("editor", Priority.INTERACTIVE))
    await asyncio.wait_for(interactive, timeout=5)
    waiting_bulk = sum(1 for task in bulk if not task.done())
    for task in bulk:
        task.cancel()
    await asyncio.gather(*bulk, return_exceptions=True)

    assert queued_bulk >= 5
    # The editor went right after the bulk requests already admitted, ahead of every queued one.
    assert order.index("editor") == 14 - queued_bulk
    assert waiting_bulk == queued_bulk


async def test_the_limit_is_learned_from_rate_limit_headers() -> None:
    budget = RequestBudget()  # starts at Roblox's documented 300/min
    async with budget.admit(READ) as admission:
        admission.observe(
            200,
            {
                "x-ratelimit-limit": "6000, 6000;w=60",
                "x-ratelimit-remaining": "5000",
                "x-ratelimit-reset": "30",
            },
        )

    status = budget.status().categories[READ]
    assert status.limit == 6000
    # 999 requests were made by someone else (live servers): bulk leaves them room.
    assert status.bulk_limit == 3000


async def test_a_window_that_is_not_a_minute_is_scaled() -> None:
    budget = RequestBudget()
    async with budget.admit(READ) as admission:
        admission.observe(200, {"x-ratelimit-limit": "5, 5;w=2"})

    assert budget.status().categories[READ].limit == 150


async def test_a_429_pauses_the_category_for_retry_after() -> None:
    budget = RequestBudget(requests_per_minute={READ: 6000})
    async with budget.admit(READ) as admission:
        admission.observe(429, {"retry-after": "1"})

    started = time.monotonic()
    async with budget.admit(READ):
        waited = time.monotonic() - started

    assert 0.9 <= waited <= 2.0


async def test_a_429_without_retry_after_does_not_stall_other_requests() -> None:
    budget = RequestBudget(requests_per_minute={READ: 6000})
    async with budget.admit(READ) as admission:
        admission.observe(429, {})  # e.g. a throttled key: only that request backs off

    started = time.monotonic()
    async with budget.admit(READ):
        waited = time.monotonic() - started

    assert waited < 0.2
    assert budget.status().categories[READ].used == 2


async def test_status_says_throttled_for_a_while_after_a_429() -> None:
    """The status bar warns while a request waits out a 429 (it is not queued in the budget)."""
    now = [1000.0]
    budget = RequestBudget(requests_per_minute={READ: 6000}, clock=lambda: now[0])
    assert budget.status().throttled is False
    async with budget.admit(READ) as admission:
        admission.observe(429, {})
    assert budget.status().throttled is True
    now[0] += THROTTLED_FOR + 0.1
    assert budget.status().throttled is False
    async with budget.admit(READ) as admission:
        admission.observe(429, {"retry-after": str(THROTTLED_FOR * 3)})
    now[0] += THROTTLED_FOR * 2  # no new 429, but the category still waits out Retry-After
    assert budget.status().throttled is True
    assert budget.status().to_dict()["throttled"] is True


async def test_429s_seen_by_bulk_work_shrink_the_bulk_share() -> None:
    budget = RequestBudget(requests_per_minute={READ: 600}, bulk_share=0.5)
    with bulk_priority():
        async with budget.admit(READ) as admission:
            admission.observe(429, {"retry-after": "0"})

    status = budget.status()
    assert status.backoff_factor == 0.5
    assert status.categories[READ].bulk_limit == 150


async def test_status_reports_the_busiest_category() -> None:
    budget = RequestBudget(requests_per_minute={READ: 100, "standard.write": 10})
    async with budget.admit("standard.write"):
        pass
    async with budget.admit(READ):
        pass

    status = budget.status()

    assert (status.used, status.limit, status.queued) == (1, 10, 0)
    assert status.to_dict()["categories"][READ] == {  # type: ignore[index]
        "used": 1,
        "limit": 100,
        "bulkLimit": 50,
        "queued": 0,
    }
