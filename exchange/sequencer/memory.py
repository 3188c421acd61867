"""What the sequencer keeps in memory: each market's resting orders in priority order, and positions.

A market's memory is valid for the market row's `version`; every command that writes the market
bumps it in the same commit. The sequencer compares the two when it locks the market, so memory is
a cache that can never be silently stale: a market changed by another writer (another process's
sequencer, a restored database) is simply reloaded.
"""

import copy
from bisect import bisect_left, insort
from collections.abc import Iterator

from exchange.models import Market, Order, Position

RESTING = Order.Status.RESTING


class SideLevels:
    """One side of a book: price -> {order id: order} in priority order, and the prices in order."""

    def __init__(self) -> None:
        self.levels: dict[int, dict[str, Order]] = {}
        self.prices: list[int] = []  # ascending

    def add(self, order: Order) -> None:
        level = self.levels.get(order.price)
        if level is None:
            level = self.levels[order.price] = {}
            insort(self.prices, order.price)
        level[str(order.id)] = order

    def remove(self, order: Order) -> None:
        level = self.levels[order.price]
        del level[str(order.id)]
        if not level:
            del self.levels[order.price]
            del self.prices[bisect_left(self.prices, order.price)]

    def size_at(self, price: int) -> int:
        return sum(o.remaining_count for o in self.levels.get(price, {}).values())

    def from_best(self, best_is_highest: bool) -> Iterator[int]:
        return reversed(self.prices) if best_is_highest else iter(self.prices)


class MarketMemory:
    def __init__(self, market_id: int, version: int) -> None:
        self.market_id = market_id
        self.version = version
        self.orders: dict[str, Order] = {}
        self.sides = {"bid": SideLevels(), "ask": SideLevels()}
        self.positions: dict[int, Position] = {}

    @classmethod
    def load(cls, market: Market) -> "MarketMemory":
        memory = cls(market.pk, market.version)
        for order in Order.objects.filter(market_id=market.pk, status=RESTING).order_by("priority"):
            memory.place(order)
        return memory

    def place(self, order: Order) -> None:
        self.orders[str(order.id)] = order
        self.sides[order.book_side].add(order)

    def resting(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    def crossing(self, side: str, limit: int) -> Iterator[Order]:
        """Resting orders an order on `side` at `limit` can execute against, in priority order."""
        if side == "bid":
            book = self.sides["ask"]
            for price in book.from_best(best_is_highest=False):
                if price > limit:
                    return
                yield from book.levels[price].values()
        else:
            book = self.sides["bid"]
            for price in book.from_best(best_is_highest=True):
                if price < limit:
                    return
                yield from book.levels[price].values()

    def best(self, side: str, deltas: dict[int, int]) -> tuple[int, int]:
        """Best (price, size) of a side once `deltas` (price -> size change) apply; (0, 0) if empty."""
        book = self.sides[side]
        prices = set(book.prices) | {p for p, d in deltas.items() if d}
        for price in sorted(prices, reverse=side == "bid"):
            size = book.size_at(price) + deltas.get(price, 0)
            if size > 0:
                return price, size
        return 0, 0

    def keep(self, orders: list[Order], positions: list[Position], version: int) -> None:
        """Take in the state a command committed to: its orders (resting or not) and positions."""
        for order in orders:
            key = str(order.id)
            old = self.orders.get(key)
            if old is not None:
                moved = old.price != order.price or old.priority != order.priority
                if order.status != RESTING or moved:
                    self.sides[old.book_side].remove(old)
                    del self.orders[key]
                else:  # same place in the queue
                    self.orders[key] = order
                    self.sides[order.book_side].levels[order.price][key] = order
                    continue
            if order.status == RESTING:
                self.place(order)
        for position in positions:
            self.positions[position.user_id] = position
        self.version = version


def clone(row):
    """A private copy of a model row for a command to change; memory keeps the original until commit."""
    return copy.copy(row)
