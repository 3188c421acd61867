"""Market-maker throughput on Postgres: quote updates per second and the book changes they produce.

Each worker process runs `marketmaker.tasks.tick` back to back over its share of the quoted markets
(3 levels a side, a 2¢ random walk), as a Celery worker would with ticks always due. A quote update
is one order action through exchange.services (amend, create or cancel); a book change is one
increment of a market's book_seq. Every market has its first ladder before timing starts, so the rows
measure steady re-quoting. Markets: 1, 10 and 50; workers: 1 and 2.

Run: scripts/bench marketmaker   (or DATABASE_URL=postgres://... .venv/bin/python -m bench.marketmaker)
It creates and migrates its own database next to DATABASE_URL's and drops it afterwards (< 1 minute).
"""

import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import fresh_database, funded_users, open_markets, setup_django, table  # noqa: E402

SECONDS = 5
MARKET_COUNTS = (1, 10, 50)
WORKER_COUNTS = (1, 2)


def _prepare() -> None:
    import random

    from exchange.models import Market
    from marketmaker import tasks
    from marketmaker.models import MarketMakerConfig

    rng = random.Random(0)
    (maker,) = funded_users("bench-maker", 1)
    open_markets("BENCHMM", [f"BENCHMM-{i:02d}" for i in range(max(MARKET_COUNTS))])
    for market in Market.objects.filter(event__event_ticker="BENCHMM-EV").order_by("ticker"):
        config = MarketMakerConfig.objects.create(market=market, user=maker, levels=3, spread_cents=10,
                                                  size_contracts=100, walk_step_cents=2, interval_ms=50)
        # The first ladder is all creates; every row measures steady re-quoting from here.
        tasks.tick(config, rng=rng)


def _quote(worker: int, workers: int, markets: int, seconds: float, queue) -> None:
    setup_django()
    import random

    from django.db.models import Sum

    from exchange.models import Market
    from marketmaker import tasks
    from marketmaker.models import MarketMakerConfig

    tickers = [f"BENCHMM-{i:02d}" for i in range(markets) if i % workers == worker]
    configs = list(MarketMakerConfig.objects.filter(market__ticker__in=tickers).select_related("user", "market"))
    seq_before = Market.objects.filter(ticker__in=tickers).aggregate(s=Sum("book_seq"))["s"] or 0
    rng = random.Random(worker)
    updates = ticks = 0
    deadline = time.perf_counter() + seconds
    while configs and time.perf_counter() < deadline:
        for config in configs:
            report = tasks.tick(config, rng=rng)
            updates += report.applied
            ticks += 1
    seq_after = Market.objects.filter(ticker__in=tickers).aggregate(s=Sum("book_seq"))["s"] or 0
    queue.put((updates, ticks, seq_after - seq_before))


def _run(markets: int, workers: int) -> tuple[float, float, float]:
    # Spawned, not forked: a forked child would share the parent's pooled connections.
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=_quote, args=(w, workers, markets, SECONDS, queue)) for w in range(workers)]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    updates, ticks, changes = (sum(r[i] for r in results) for i in range(3))
    return updates / SECONDS, ticks / SECONDS, changes / SECONDS


def main() -> None:
    with fresh_database("bench_marketmaker"):
        _prepare()
        rows = []
        for markets in MARKET_COUNTS:
            for workers in WORKER_COUNTS:
                if workers > markets:
                    continue
                updates, ticks, changes = _run(markets, workers)
                rows.append([markets, workers, f"{ticks:,.0f}", f"{updates:,.0f}", f"{changes:,.0f}"])
        print(table(f"market maker on Postgres, ticks back to back, {SECONDS}s per row",
                    ["markets", "workers", "ticks/s", "quote updates/s", "book changes/s"], rows))


if __name__ == "__main__":
    main()
