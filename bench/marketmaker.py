"""Market maker across 50 markets on durable Postgres: quote updates per second.

Each worker process ticks its share of the 50 quoted markets back to back (3 levels a side, a 2¢
random walk), as `quote_markets` does with every market always due: all its markets' quote changes go
to the sequencer as one batch (`tasks.tick_many`). A quote update is one create, amend or cancel
applied. Every market has its first ladder before timing starts, so the figures measure steady
re-quoting. Goal: 500 quote updates/s.

Baselines from the same run, same workers, markets and seeds:
- per tick: each market's tick submitted as its own batch (`tasks.tick` one market at a time);
- one at a time: the same ticks submitting each action with its own `exchange.sequencer.execute`,
  so each action waits for its own commit;
- bare commits: one-row UPDATE transactions back to back, the ceiling of any design that commits each
  quote update by itself.

Run: scripts/bench marketmaker   (or DATABASE_URL=postgres://... .venv/bin/python -m bench.marketmaker)
It creates and migrates its own database next to DATABASE_URL's and drops it afterwards (< 2 minutes).
"""

import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import fresh_database, funded_users, open_markets, setup_django, table  # noqa: E402

SECONDS = 5
MARKETS = 50
WORKER_COUNTS = (1, 2)
GOAL = 500  # quote updates/s
TICKERS = [f"BENCHMM-{i:02d}" for i in range(MARKETS)]


def _prepare() -> None:
    import random

    from exchange.models import Market
    from marketmaker import tasks
    from marketmaker.models import MarketMakerConfig

    rng = random.Random(0)
    (maker,) = funded_users("bench-maker", 1)
    open_markets("BENCHMM", TICKERS)
    for market in Market.objects.filter(ticker__in=TICKERS).order_by("ticker"):
        config = MarketMakerConfig.objects.create(market=market, user=maker, levels=3, spread_cents=10,
                                                  size_contracts=100, walk_step_cents=2, interval_ms=50)
        # The first ladder is all creates; every row measures steady re-quoting from here.
        tasks.tick(config, rng=rng)


def _one_at_a_time(commands: list[tuple[str, dict]]) -> list:
    """The batch's commands submitted singly, each with its own result or refusal, as execute_many returns."""
    from exchange import sequencer
    from exchange.services import ExchangeError

    results = []
    for name, kwargs in commands:
        try:
            results.append(sequencer.execute(name, **kwargs))
        except ExchangeError as error:
            results.append(error)
    return results


def _worker(mode: str, worker: int, workers: int, seconds: float, queue) -> None:
    setup_django()
    import random

    from django.db import transaction

    from exchange import sequencer
    from marketmaker import tasks
    from marketmaker.models import MarketMakerConfig

    mine = [t for i, t in enumerate(TICKERS) if i % workers == worker]
    configs = list(MarketMakerConfig.objects.filter(market__ticker__in=mine).order_by("market__ticker"))
    if mode == "one at a time":
        # This process only (spawned): the tick's one submission becomes one per action.
        sequencer.execute_many = _one_at_a_time
    rng = random.Random(worker)
    updates = ticks = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        if mode == "bare commits":
            for config in configs:
                with transaction.atomic():
                    MarketMakerConfig.objects.filter(pk=config.pk).update(last_tick_note=f"bare {updates}")
                updates += 1
            continue
        if mode == "per run":
            reports = tasks.tick_many(configs, rng=rng)
        else:
            reports = [tasks.tick(config, rng=rng) for config in configs]
        updates += sum(r.applied for r in reports)
        ticks += len(reports)
    # A round ends past the deadline: rates are over the time actually taken.
    elapsed = time.perf_counter() - start
    queue.put((updates / elapsed, ticks / elapsed))


def _rates(mode: str, workers: int) -> tuple[float, float]:
    """(quote updates or commits per second, ticks per second) over all workers."""
    # Spawned, not forked: a forked child would share the parent's pooled connections.
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=_worker, args=(mode, w, workers, SECONDS, queue)) for w in range(workers)]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    return sum(r[0] for r in results), sum(r[1] for r in results)


def main() -> None:
    with fresh_database("bench_marketmaker"):
        _prepare()
        rows, best = [], 0.0
        for workers in WORKER_COUNTS:
            batched, ticks = _rates("per run", workers)
            per_tick, _ = _rates("per tick", workers)
            single, _ = _rates("one at a time", workers)
            bare, _ = _rates("bare commits", workers)
            best = max(best, batched)
            rows.append([workers, f"{ticks:,.0f}", f"{batched:,.0f}", f"{per_tick:,.0f}", f"{single:,.0f}",
                         f"{batched / single:.2f}", f"{bare:,.0f}", f"{batched / bare:.2f}"])
        print(table(f"market maker on {MARKETS} markets, durable Postgres, ticks back to back, {SECONDS}s per cell",
                    ["workers", "ticks/s", "quote updates/s", "per tick/s", "one at a time/s", "x one at a time",
                     "bare commits/s", "x bare"], rows))
        print(f"goal {GOAL:,} quote updates/s: {'met' if best >= GOAL else 'not met'} (best {best:,.0f})")


if __name__ == "__main__":
    main()
