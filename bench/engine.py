"""Pure-engine throughput next to a minimal price-time book, measured in the same run.

Run from the repository root: `python -m bench.engine` or `python bench/engine.py`.
Three workloads of ~100k operations with fixed seeds: adds (resting, non-crossing), a crossing mix
(~30% IOC takers with partial fills) and cancels; then 20k takers eating one deep level from the front.
Commands are built before the clock starts, so both books are timed on the same inputs; best of a few
repetitions.
"""

import gc
import random
import sys
import time
from bisect import bisect_left, insort
from collections import deque
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `exchange` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exchange.engine import Book, NewOrder, Side, TimeInForce, cancel, submit  # noqa: E402

OPS = 100_000
DEEP = 20_000  # resting orders at the one price of the deep-level workload
REPEATS = 3
SEED = 20240501


class BaselineBook:
    """The baseline: dict of price -> deque per side, sorted price lists, lazy cancels; nothing else."""

    def __init__(self) -> None:
        self.levels = ({}, {})  # 0 = bids, 1 = asks: price -> deque of [order_id, remaining]
        self.prices = ([], [])  # ascending
        self.index = {}  # order_id -> (side, price, entry)

    def submit(self, order_id, side, price, count, ioc):
        """Match against the other side at the makers' prices; rest the remainder unless IOC."""
        fills = []
        other = 1 - side
        prices, levels = self.prices[other], self.levels[other]
        while count and prices:
            best = prices[-1] if other == 0 else prices[0]
            if (best > price) if side == 0 else (best < price):
                break
            queue = levels[best]
            while count and queue:
                entry = queue[0]
                if entry[1] == 0:  # canceled
                    queue.popleft()
                    continue
                take = min(count, entry[1])
                entry[1] -= take
                count -= take
                fills.append((entry[0], best, take))
                if entry[1] == 0:
                    queue.popleft()
                    del self.index[entry[0]]
            if not queue:
                del levels[best]
                prices.pop() if other == 0 else prices.pop(0)
        if count and not ioc:
            queue = self.levels[side].get(price)
            if queue is None:
                queue = self.levels[side][price] = deque()
                insort(self.prices[side], price)
            entry = [order_id, count]
            queue.append(entry)
            self.index[order_id] = (side, price, entry)
        return fills

    def cancel(self, order_id):
        side, price, entry = self.index.pop(order_id)
        entry[1] = 0
        queue = self.levels[side][price]
        while queue and queue[0][1] == 0:
            queue.popleft()
        if not queue:
            del self.levels[side][price]
            prices = self.prices[side]
            del prices[bisect_left(prices, price)]

    def snapshot(self):
        out = {}
        for side, key in ((0, Side.BID), (1, Side.ASK)):
            prices = reversed(self.prices[side]) if side == 0 else self.prices[side]
            levels = [(p, sum(e[1] for e in self.levels[side][p])) for p in prices]
            out[key] = [(p, size) for p, size in levels if size]
        return out


# --- workloads: lists of (order_id, side, price, count, ioc) ------------------------------------------
def resting_orders(rng, n, prefix):
    """Bids at 1c-49c and asks at 51c-99c: nothing crosses."""
    orders = []
    for i in range(n):
        side = rng.randrange(2)
        price = rng.randrange(100, 5000, 100) if side == 0 else rng.randrange(5100, 10_000, 100)
        orders.append((f"{prefix}{i}", side, price, rng.randrange(1, 11) * 100, False))
    return orders


def crossing_mix(rng, n):
    """70% passive orders near the touch, 30% IOC takers priced through it (sizes 1-20 against makers
    of 1-10, so both makers and takers fill partially)."""
    orders = []
    for i in range(n):
        side = rng.randrange(2)
        if rng.random() < 0.3:
            price = rng.randrange(5600, 6100, 100) if side == 0 else rng.randrange(4000, 4500, 100)
            orders.append((f"x{i}", side, price, rng.randrange(1, 21) * 100, True))
        else:
            price = rng.randrange(4000, 5000, 100) if side == 0 else rng.randrange(5100, 6100, 100)
            orders.append((f"x{i}", side, price, rng.randrange(1, 11) * 100, False))
    return orders


def deep_level(n):
    """`n` asks resting at one price, then `n` IOC bids that each take the order at the front."""
    makers = [(f"d{i}", 1, 5000, 100, False) for i in range(n)]
    takers = [(f"s{i}", 0, 5000, 100, True) for i in range(n)]
    return makers, takers


def as_commands(orders):
    sides = (Side.BID, Side.ASK)
    return [
        NewOrder(oid, n, sides[side], price, count, priority=n, tif=TimeInForce.IOC if ioc else TimeInForce.GTC)
        for n, (oid, side, price, count, ioc) in enumerate(orders)
    ]


# --- timing -------------------------------------------------------------------------------------------
def timed(run, setup):
    """Best ops/s over REPEATS fresh runs; `setup` returns (state, inputs), `run` consumes them."""
    best, outcome = 0.0, None
    for _ in range(REPEATS):
        state, inputs = setup()
        gc.collect()
        start = time.perf_counter()
        outcome = run(state, inputs)
        elapsed = time.perf_counter() - start
        best = max(best, len(inputs) / elapsed)
    return best, outcome


def ours_submit(book, commands):
    fills = 0
    for command in commands:
        fills += len(submit(book, command).fills)
    return book, fills


def base_submit(book, orders):
    fills = 0
    for oid, side, price, count, ioc in orders:
        fills += len(book.submit(oid, side, price, count, ioc))
    return book, fills


def ours_cancel(book, order_ids):
    for order_id in order_ids:
        cancel(book, order_id)
    return book, 0


def base_cancel(book, order_ids):
    for order_id in order_ids:
        book.cancel(order_id)
    return book, 0


def loaded(book_type, orders):
    book = book_type()
    if book_type is Book:
        for command in as_commands(orders):
            submit(book, command)
    else:
        for order in orders:
            book.submit(*order)
    return book


def book_of(commands):
    book = Book()
    for command in commands:
        submit(book, command)
    return book


def mix_stats(commands):
    """Untimed pass: orders that executed, takers only partly filled, fills that left the maker resting."""
    book, crossed, partial_takers, partial_makers = Book(), 0, 0, 0
    for command in commands:
        result = submit(book, command)
        crossed += bool(result.fills)
        partial_takers += bool(result.fills) and result.filled < command.count
        partial_makers += sum(fill.maker_order_id in book for fill in result.fills)
    return crossed, partial_takers, partial_makers


def main() -> None:
    rng = random.Random(SEED)
    adds = resting_orders(rng, OPS, "r")
    mix = crossing_mix(rng, OPS)
    to_cancel = resting_orders(rng, OPS, "c")
    cancel_ids = [o[0] for o in to_cancel]
    random.Random(SEED + 1).shuffle(cancel_ids)
    add_commands, mix_commands = as_commands(adds), as_commands(mix)

    rows, notes = [], []
    started = time.perf_counter()

    ours, (book, _) = timed(ours_submit, lambda: (Book(), add_commands))
    base, (bbook, _) = timed(base_submit, lambda: (BaselineBook(), adds))
    assert book.snapshot() == bbook.snapshot(), "adds: books disagree"
    rows.append(("adds (resting, no cross)", len(adds), ours, base))

    ours, (book, fills) = timed(ours_submit, lambda: (Book(), mix_commands))
    base, (bbook, base_fills) = timed(base_submit, lambda: (BaselineBook(), mix))
    assert book.snapshot() == bbook.snapshot() and fills == base_fills, "crossing mix: books disagree"
    book.check_invariants()
    crossed, partial_takers, partial_makers = mix_stats(mix_commands)
    rows.append(("crossing mix (30% IOC)", len(mix), ours, base))
    notes.append(
        f"crossing mix: {crossed / len(mix):.0%} of orders executed; {fills:,} fills, {partial_makers:,} of them "
        f"partial for the maker; {partial_takers:,} takers partly filled (IOC remainder canceled)"
    )

    ours, (book, _) = timed(ours_cancel, lambda: (loaded(Book, to_cancel), cancel_ids))
    base, (bbook, _) = timed(base_cancel, lambda: (loaded(BaselineBook, to_cancel), cancel_ids))
    assert len(book) == 0 and bbook.snapshot() == {Side.BID: [], Side.ASK: []}, "cancels: books not empty"
    rows.append(("cancels (random order)", len(cancel_ids), ours, base))

    makers, takers = deep_level(DEEP)
    deep_commands = as_commands(makers + takers)  # one numbering, so no taker shares an owner with a maker
    ours, (book, fills) = timed(ours_submit, lambda: (book_of(deep_commands[:DEEP]), deep_commands[DEEP:]))
    base, (bbook, base_fills) = timed(base_submit, lambda: (loaded(BaselineBook, makers), takers))
    assert len(book) == 0 and fills == base_fills == DEEP, "deep level: books disagree"
    rows.append(("sweep one deep level", len(takers), ours, base))

    print(f"Pure engine vs minimal price-time book (Python {sys.version.split()[0]}, best of {REPEATS}, seed {SEED})")
    print()
    header = f"{'workload':<26} {'ops':>8} {'ours ops/s':>12} {'baseline ops/s':>15} {'ours/baseline':>14}"
    print(header)
    print("-" * len(header))
    for name, ops, ours, base in rows:
        print(f"{name:<26} {ops:>8,} {ours:>12,.0f} {base:>15,.0f} {ours / base:>14.2f}")
    print()
    for note in notes:
        print(note)
    print(f"total bench time {time.perf_counter() - started:.1f} s; both books agree after every workload")


if __name__ == "__main__":
    main()
