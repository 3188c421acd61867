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

from bench.support import fresh_database, setup_django, table  # noqa: E402

SECONDS = 5
MARKET_COUNTS = (1, 10, 50)
WORKER_COUNTS = (1, 2)


def _prepare() -> None:
    import random
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from exchange.models import Event, Market, Series
    from exchange.services import account_fund, market_open
    from marketmaker import tasks
    from marketmaker.models import MarketMakerConfig

    rng = random.Random(0)
    maker = get_user_model().objects.create_user(username="bench-maker")
    account_fund(user=maker, amount=10**12)
    series = Series.objects.create(ticker="BENCHMM", title="bench")
    event = Event.objects.create(event_ticker="BENCHMM-EV", series=series, title="bench")
    now = timezone.now()
    for i in range(max(MARKET_COUNTS)):
        market = Market.objects.create(ticker=f"BENCHMM-{i:02d}", event=event, title="bench", open_time=now,
                                       close_time=now + timedelta(days=1), expiration_time=now + timedelta(days=2))
        market_open(ticker=market.ticker)
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
