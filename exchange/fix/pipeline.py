"""A session's commands in flight: concurrent across orders, in arrival order within one order.

A client may send many NewOrderSingles without waiting for their reports. Each command runs as its
own task, so the session keeps reading while earlier ones are being committed; commands that name
the same order (its ClOrdIDs or OrderID) wait for the earlier ones, so a cancel or replace sent right
behind its order applies after it. At most `limit` run at once: `submit` waits for a free slot,
which stops the caller from reading more (backpressure).
"""

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable


class Pipeline:
    def __init__(self, limit: int) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._last: dict[Hashable, asyncio.Task] = {}  # the latest command naming each order
        self.tasks: set[asyncio.Task] = set()

    @property
    def in_flight(self) -> int:
        return len(self.tasks)

    async def submit(self, names: Iterable[Hashable], run: Callable[[], Awaitable[None]]) -> None:
        """Start `run()` after the commands in flight that share a name with it; returns once started."""
        await self._slots.acquire()
        names = frozenset(names)
        before = {self._last[n] for n in names if n in self._last}
        task = asyncio.get_running_loop().create_task(self._run(before, run))
        for name in names:
            self._last[name] = task
        self.tasks.add(task)
        task.add_done_callback(lambda done: self._finished(done, names))

    async def idle(self) -> None:
        """Wait until no command is in flight (a barrier, e.g. before a mass cancel)."""
        while self.tasks:
            await asyncio.wait(set(self.tasks))

    async def _run(self, before: set[asyncio.Task], run: Callable[[], Awaitable[None]]) -> None:
        try:
            if before:
                await asyncio.wait(before)
            await run()
        finally:
            self._slots.release()

    def _finished(self, task: asyncio.Task, names: frozenset) -> None:
        self.tasks.discard(task)
        for name in names:
            if self._last.get(name) is task:
                del self._last[name]
