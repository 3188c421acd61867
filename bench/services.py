"""Orders per second through `exchange.services.order_create` on Postgres, by number of workers.

Each worker is a process placing random limit orders (about a third of them cross) on one market, so
every order contends for the same market row, as on a busy market. Baseline, same run and same
workers: a bare Django transaction that locks the market row, inserts one order row and updates the
market row — the floor any order path pays.

Run: scripts/bench services   (or DATABASE_URL=postgres://... python -m bench.services)
"""

import contextlib
import multiprocessing
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import fresh_database, funded_users, open_markets, random_order, setup_django, table  # noqa: E402

SECONDS = 4
WORKER_COUNTS = (1, 2, 4)
TICKER = "BENCH-SVC"


def _prepare() -> None:
    open_markets("BENCH", [TICKER])
    funded_users("bench", max(WORKER_COUNTS))


def _place_orders(worker: int, seconds: float, queue) -> None:
    setup_django()
    from django.contrib.auth import get_user_model

    from exchange import services
    from exchange.services import ExchangeError

    user = get_user_model().objects.get(username=f"bench{worker}")
    rng = random.Random(worker)
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        with contextlib.suppress(ExchangeError):  # e.g. an order refused; it still did the work
            services.order_create(user=user, request=random_order(rng, TICKER))
        done += 1
    queue.put(done)


def _bare_transactions(worker: int, seconds: float, queue) -> None:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import F

    from exchange.models import Market, Order

    user = get_user_model().objects.get(username=f"bench{worker}")
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        with transaction.atomic():
            market = Market.objects.select_for_update().only("id").get(ticker=TICKER)
            Order.objects.create(id=uuid.uuid4(), user=user, market=market, book_side="bid", side="yes",
                                 action="buy", price=4_000, initial_count=100, remaining_count=100, status="canceled")
            Market.objects.filter(pk=market.pk).update(book_seq=F("book_seq") + 1)
        done += 1
    queue.put(done)


def _rate(target, workers: int) -> float:
    # Spawned, not forked: a forked child would share the parent's pooled connections.
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=target, args=(w, SECONDS, queue)) for w in range(workers)]
    for process in processes:
        process.start()
    total = sum(queue.get() for _ in processes)
    for process in processes:
        process.join()
    return total / SECONDS


def main() -> None:
    with fresh_database("bench_services"):
        _prepare()
        rows = []
        for workers in WORKER_COUNTS:
            ours = _rate(_place_orders, workers)
            bare = _rate(_bare_transactions, workers)
            rows.append([workers, f"{ours:,.0f}", f"{bare:,.0f}", f"{ours / bare:.2f}"])
        print(table(f"order_create on Postgres, one hot market, {SECONDS}s per cell",
                    ["workers", "orders/s", "bare txn/s", "ratio"], rows))


if __name__ == "__main__":
    main()
