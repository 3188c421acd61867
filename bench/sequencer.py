"""The sequencer with durable persistence: orders per second on one hot market, by submitters.

Submitters are threads of one process calling `exchange.sequencer.execute("order_create", ...)`, as
daphne's request threads or the FIX acceptor do; the sequencer thread commits whatever has queued
meanwhile in one transaction. Orders are random limit orders of which about a third cross. Baseline,
same run and same number of threads each with its own connection: a bare one-row commit (insert an
order row, update the market row, commit) on durable Postgres.

Also measured: a restart, i.e. the time to load 100,000 resting orders into memory.

Run: scripts/bench sequencer   (or DATABASE_URL=postgres://... python -m bench.sequencer)
"""

import contextlib
import os
import random
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["ENGINE_MODE"] = "thread"

from bench.support import fresh_database, funded_users, open_markets, random_order, table  # noqa: E402

SECONDS = 4
SUBMITTERS = (1, 8, 64)
TICKER = "BENCH-SEQ"
RESTART_ORDERS = 100_000
RESTART_MARKETS = 50


def _threads(count: int, work) -> float:
    """Run `work(index, deadline)` on `count` threads; returns completed operations per second."""
    done = [0] * count
    start = time.perf_counter()
    deadline = start + SECONDS

    def run(i: int) -> None:
        from django.db import connection

        try:
            done[i] = work(i, deadline)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - start)


def _orders(users: list) -> callable:
    from exchange.sequencer import execute
    from exchange.services import ExchangeError

    def work(i: int, deadline: float) -> int:
        rng, user_id, done = random.Random(i), users[i].pk, 0
        while time.perf_counter() < deadline:
            with contextlib.suppress(ExchangeError):  # refused orders did the work too
                execute("order_create", user_id=user_id, request=random_order(rng, TICKER))
            done += 1
        return done

    return work


def _bare(users: list) -> callable:
    from django.db import transaction
    from django.db.models import F

    from exchange.models import Market, Order

    def work(i: int, deadline: float) -> int:
        done = 0
        while time.perf_counter() < deadline:
            with transaction.atomic():
                market = Market.objects.select_for_update().only("id").get(ticker=TICKER)
                Order.objects.create(id=uuid.uuid4(), user=users[i], market=market, book_side="bid", side="yes",
                                     action="buy", price=4_000, initial_count=100, remaining_count=100,
                                     status="canceled")
                Market.objects.filter(pk=market.pk).update(book_seq=F("book_seq") + 1)
            done += 1
        return done

    return work


def _restart_rows() -> list:
    """Load 100,000 resting orders across 50 markets (written straight to the tables), then time
    a fresh sequencer loading them all."""
    from django.db import connection

    from exchange.models import Market, Order
    from exchange.sequencer.sequencer import Sequencer

    tickers = [f"BENCH-R{i}" for i in range(RESTART_MARKETS)]
    open_markets("BENCHR", tickers)
    users = funded_users("restart", 10)
    markets = list(Market.objects.filter(ticker__in=tickers))
    rng = random.Random(7)
    per_market = RESTART_ORDERS // RESTART_MARKETS
    for market in markets:
        rows = []
        for n in range(per_market):
            bid = n % 2 == 0  # bids 1-49c, asks 51-99c: nothing crosses
            price = rng.randint(1, 49) * 100 if bid else rng.randint(51, 99) * 100
            rows.append(Order(id=uuid.uuid4(), user=users[n % len(users)], market=market,
                              book_side="bid" if bid else "ask", side="yes", action="buy" if bid else "sell",
                              price=price, initial_count=100, remaining_count=100, status="resting", priority=n))
        Order.objects.bulk_create(rows, batch_size=5_000)
    connection.close()
    timings = []
    for _ in range(3):
        sequencer = Sequencer()
        start = time.perf_counter()
        loaded = sequencer.warm()
        timings.append(time.perf_counter() - start)
    assert loaded >= RESTART_ORDERS, loaded
    best = min(timings)
    return [[f"{RESTART_ORDERS:,}", RESTART_MARKETS, f"{best:.2f}", f"{RESTART_ORDERS / best:,.0f}"]]


def main() -> None:
    with fresh_database("bench_sequencer"):
        open_markets("BENCH", [TICKER])
        users = funded_users("bench", max(SUBMITTERS))
        from exchange.sequencer.api import local_sequencer

        rows = []
        for count in SUBMITTERS:
            before = (local_sequencer().batches, local_sequencer().commands)
            ours = _threads(count, _orders(users))
            batches = local_sequencer().batches - before[0]
            commands = local_sequencer().commands - before[1]
            bare = _threads(count, _bare(users))
            rows.append([count, f"{ours:,.0f}", f"{commands / max(batches, 1):.1f}", f"{bare:,.0f}",
                         f"{ours / bare:.2f}"])
        print(table(f"order_create through the sequencer, durable Postgres, one hot market, {SECONDS}s per cell",
                    ["submitters", "orders/s", "orders/commit", "bare one-row commits/s", "ratio"], rows))
        print()
        print(table("restart: loading resting orders into memory (best of 3)",
                    ["resting orders", "markets", "seconds", "orders/s"], _restart_rows()))


if __name__ == "__main__":
    main()
