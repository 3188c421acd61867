"""A price-time priority book in YES space: bids and asks, levels keyed by price, FIFO within a level.

The book does no I/O. The services load into it only the resting orders an incoming order can
cross, so it is equally a full book (tests, benchmarks) and a window of one.
"""

import hashlib
from bisect import bisect_left, insort
from collections import deque
from dataclasses import dataclass

from exchange.engine.orders import Side

# Hot paths compare against this name: reading a member through its enum class is slow (Python 3.11).
_BID = Side.BID
# A level rewrites itself without its canceled orders once they are this many and more than half of it.
_COMPACT_AT = 16


@dataclass(slots=True)
class RestingOrder:
    order_id: str
    owner: int
    side: Side
    price: int
    remaining: int
    priority: int
    live: bool = True  # on the book; False once filled or canceled


class Level(deque[RestingOrder]):
    """Resting orders at one price in arrival order, with the level's price and total size.

    A deque with lazy removal: canceling an order marks it off the book and leaves it in place,
    to be dropped when it reaches the front (or when canceled orders fill half the level). Taking
    from the front and adding at the back then cost no hashing, which kept a matching step waiting
    on memory. `size` counts only live orders, so a level is empty exactly when its size is zero,
    and then its deque is empty too. A level that empties stays in the book's `levels_at` (only its
    price leaves `prices`), so orders coming and going at one price do not rebuild it.
    """

    __slots__ = ("price", "size", "dead")

    def __init__(self, price: int) -> None:
        self.price = price
        self.size = 0
        self.dead = 0  # canceled orders still inside

    @property
    def orders(self) -> dict[str, RestingOrder]:
        """The live orders by id, oldest first."""
        return {o.order_id: o for o in self if o.live}

    def first(self) -> RestingOrder:
        return next(o for o in self if o.live)

    def drop_dead_front(self) -> None:
        """Drop canceled orders from the front, so the first order is live (the level is not empty)."""
        while not self[0].live:
            self.popleft()
            self.dead -= 1


class Book:
    """The book's indexes are public to `matching`, whose hot loop works on them directly (a method
    call per step cost more than the step); everyone else uses the methods.

    `levels_at[side]` maps price -> Level, `prices[side]` lists the prices of that side's non-empty
    levels ascending, and `index` maps order id -> resting order.
    """

    __slots__ = ("levels_at", "prices", "index")

    def __init__(self) -> None:
        self.levels_at: dict[Side, dict[int, Level]] = {Side.BID: {}, Side.ASK: {}}
        self.prices: dict[Side, list[int]] = {Side.BID: [], Side.ASK: []}
        self.index: dict[str, RestingOrder] = {}

    # --- queries ---------------------------------------------------------------------------------
    def __contains__(self, order_id: str) -> bool:
        return order_id in self.index

    def __len__(self) -> int:
        return len(self.index)

    def get(self, order_id: str) -> RestingOrder | None:
        return self.index.get(order_id)

    def best(self, side: Side) -> Level | None:
        prices = self.prices[side]
        if not prices:
            return None
        return self.levels_at[side][prices[-1] if side is _BID else prices[0]]

    def best_price(self, side: Side) -> int | None:
        level = self.best(side)
        return None if level is None else level.price

    def levels(self, side: Side) -> list[Level]:
        """Levels from best to worst."""
        prices = self.prices[side]
        ordered = reversed(prices) if side is _BID else prices
        return [self.levels_at[side][p] for p in ordered]

    def orders(self) -> list[RestingOrder]:
        return list(self.index.values())

    # --- mutation (used by matching) ---------------------------------------------------------------
    def add(self, order: RestingOrder) -> None:
        """Append at the back of its level. Loading a window of resting orders uses this too,
        so callers add in priority order."""
        if order.order_id in self.index:
            raise ValueError(f"order {order.order_id} already on the book")
        levels = self.levels_at[order.side]
        level = levels.get(order.price)
        if level is None:
            level = levels[order.price] = Level(order.price)
        if not level:
            insort(self.prices[order.side], order.price)
        level.append(order)
        level.size += order.remaining
        self.index[order.order_id] = order

    def remove(self, order_id: str) -> RestingOrder:
        """Take an order off the book; KeyError if it is not on it."""
        order = self.index.pop(order_id)
        order.live = False
        side, price = order.side, order.price
        level = self.levels_at[side][price]
        level.size -= order.remaining
        if not level.size:
            level.clear()
            level.dead = 0
            prices = self.prices[side]
            del prices[bisect_left(prices, price)]
            return order
        level.dead += 1
        if level.dead > _COMPACT_AT and 2 * level.dead > len(level):
            live = [o for o in level if o.live]
            level.clear()
            level.extend(live)
            level.dead = 0
        level.drop_dead_front()
        return order

    def reduce(self, order_id: str, by: int) -> RestingOrder:
        """Take `by` off a resting order in place (fills and decreases keep priority)."""
        order = self.index[order_id]
        if by >= order.remaining:
            self.remove(order_id)
            order.remaining -= by
            return order
        order.remaining -= by
        self.levels_at[order.side][order.price].size -= by
        return order

    # --- views and self-checks ---------------------------------------------------------------------
    def snapshot(self, depth: int | None = None) -> dict[Side, list[tuple[int, int]]]:
        """(price, size) per side, best first."""
        out = {}
        for side in Side:
            levels = self.levels(side)
            if depth is not None:
                levels = levels[:depth]
            out[side] = [(lv.price, lv.size) for lv in levels]
        return out

    def state_hash(self) -> str:
        digest = hashlib.sha256()
        for side in Side:
            for level in self.levels(side):
                for o in level.orders.values():
                    digest.update(f"{side}|{o.price}|{o.order_id}|{o.owner}|{o.remaining}|{o.priority};".encode())
        return digest.hexdigest()

    def check_invariants(self) -> None:
        """Raise AssertionError if the book is crossed or its indexes disagree."""
        bid, ask = self.best_price(Side.BID), self.best_price(Side.ASK)
        if bid is not None and ask is not None and bid >= ask:
            raise AssertionError(f"crossed book: bid {bid} >= ask {ask}")
        seen = 0
        for side in Side:
            if sorted(p for p, level in self.levels_at[side].items() if level) != self.prices[side]:
                raise AssertionError(f"{side} price index out of step")
            if any(level.size for level in self.levels_at[side].values() if not level):
                raise AssertionError(f"{side} empty level with a size")
            for level in self.levels(side):
                if level.dead != sum(not o.live for o in level) or not level[0].live:
                    raise AssertionError(f"canceled orders miscounted or first at {side} {level.price}")
                if level.size != sum(o.remaining for o in level.orders.values()):
                    raise AssertionError(f"level size wrong at {side} {level.price}")
                last = None
                for o in level.orders.values():
                    if o.remaining <= 0 or o.price != level.price or o.side is not side or self.index.get(
                            o.order_id) is not o:
                        raise AssertionError(f"bad resting order {o}")
                    if last is not None and o.priority < last:
                        raise AssertionError(f"FIFO broken at {side} {level.price}")
                    last = o.priority
                    seen += 1
        if seen != len(self.index):
            raise AssertionError("order index out of step with levels")
