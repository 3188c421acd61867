"""What the hop to the engine process costs: commands run in this process versus sent to `manage.py
runengine` over its TCP transport (exchange.sequencer.transport), by number of concurrent callers.

`ping` (the engine's clock: no database) measures the hop alone; `order_create` (random limit orders
on one market, about a third crossing) measures it on the order path. Baseline, same run and same
callers: the same command through `local_execute` / `local_aexecute` in this process. Sync callers are
threads (each borrows a pooled connection); async callers are tasks on one event loop sharing one
multiplexed connection.

Run: scripts/bench engine_hop   (or DATABASE_URL=postgres://... python -m bench.engine_hop)
"""

import asyncio
import contextlib
import random
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import (  # noqa: E402
    free_port,
    fresh_database,
    funded_users,
    open_markets,
    random_order,
    server,
    table,
)

PING_SECONDS = 2.0
ORDER_SECONDS = 3.0
CALLERS = (1, 16)
TICKER = "BENCH-HOP"


def _summary(latencies: list[float], seconds: float) -> tuple[float, float, float]:
    """(ops/s, p50 ms, p99 ms)."""
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(ordered) / seconds, statistics.median(ordered) * 1e3, p99 * 1e3


def _threads(call: Callable[[int], object], callers: int, seconds: float) -> tuple[float, float, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    def caller(index: int) -> None:
        mine = []
        while (start := time.perf_counter()) < deadline:
            call(index)
            mine.append(time.perf_counter() - start)
        latencies.extend(mine)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return _summary(latencies, seconds)


def _tasks(call: Callable[[int], Awaitable[object]], callers: int, seconds: float) -> tuple[float, float, float]:
    async def run() -> list[float]:
        deadline = time.perf_counter() + seconds

        async def caller(index: int) -> list[float]:
            mine = []
            while (start := time.perf_counter()) < deadline:
                await call(index)
                mine.append(time.perf_counter() - start)
            return mine

        return [lat for mine in await asyncio.gather(*(caller(i) for i in range(callers))) for lat in mine]

    return _summary(asyncio.run(run()), seconds)


def _order_maker(user_ids: list[int]) -> Callable[[int], dict]:
    rngs = [random.Random(i) for i in range(len(user_ids))]
    return lambda index: {"user_id": user_ids[index], "request": random_order(rngs[index], TICKER)}


def _placing(execute: Callable, make: Callable[[int], dict]) -> Callable[[int], None]:
    from exchange.services import ExchangeError

    def call(index: int) -> None:
        with contextlib.suppress(ExchangeError):  # e.g. refused for self-trade; it still did the work
            execute("order_create", **make(index))
    return call


def _aplacing(aexecute: Callable, make: Callable[[int], dict]) -> Callable[[int], Awaitable[None]]:
    from exchange.services import ExchangeError

    async def call(index: int) -> None:
        with contextlib.suppress(ExchangeError):
            await aexecute("order_create", **make(index))
    return call


def _row(label: str, callers: int, remote: tuple, local: tuple) -> list:
    return [label, callers, f"{remote[0]:,.0f}", f"{remote[1]:.2f}", f"{remote[2]:.2f}",
            f"{local[0]:,.0f}", f"{local[1]:.3f}", f"{local[2]:.3f}", f"{remote[0] / local[0]:.3f}"]


def main() -> None:
    with fresh_database("bench_engine_hop"):
        from django.conf import settings

        from exchange.sequencer.api import local_aexecute, local_execute
        from exchange.sequencer.transport import RemoteEngine

        open_markets("BENCH", [TICKER])
        user_ids = [user.pk for user in funded_users("hop", max(CALLERS))]
        port = free_port()
        with server(["manage.py", "runengine", "--port", str(port)], port, "runengine"):
            remote = RemoteEngine(f"tcp://127.0.0.1:{port}", secret=settings.SECRET_KEY)
            rows = []
            for callers in CALLERS:
                rows.append(_row("ping, threads", callers,
                                 _threads(lambda i: remote.execute("ping"), callers, PING_SECONDS),
                                 _threads(lambda i: local_execute("ping"), callers, PING_SECONDS)))
                rows.append(_row("ping, tasks", callers,
                                 _tasks(lambda i: remote.aexecute("ping"), callers, PING_SECONDS),
                                 _tasks(lambda i: local_aexecute("ping"), callers, PING_SECONDS)))
            make = _order_maker(user_ids)

            rows.append(_row("order_create, threads", 1, _threads(_placing(remote.execute, make), 1, ORDER_SECONDS),
                             _threads(_placing(local_execute, make), 1, ORDER_SECONDS)))
            rows.append(_row("order_create, tasks", 16, _tasks(_aplacing(remote.aexecute, make), 16, ORDER_SECONDS),
                             _tasks(_aplacing(local_aexecute, make), 16, ORDER_SECONDS)))
            remote.close()
        print(table("The engine over TCP (remote) vs in this process (local), Postgres, one hot market",
                    ["command, callers as", "callers", "remote ops/s", "p50 ms", "p99 ms",
                     "local ops/s", "p50 ms", "p99 ms", "ratio"], rows))


if __name__ == "__main__":
    main()
