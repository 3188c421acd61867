"""The market maker's quoting rule, as pure functions: no Django, no settings, no clock.

Prices are YES prices in $0.0001 and counts in hundredths of a contract (exchange/engine/units.py).
A tick is `walk` (move the fair value), `ladder` (the quotes wanted around it, skewed by inventory and
cut to what the balance and inventory limit allow) and `plan` (the amends, cancels and creates that
turn the resting quotes into the wanted ones without ever crossing the maker's own quotes).
"""

import random
from dataclasses import dataclass

from exchange.engine.fees import FeeSchedule
from exchange.engine.units import CENT, ONE_DOLLAR, notional

BID, ASK = "bid", "ask"


@dataclass(frozen=True, slots=True)
class QuoteParams:
    """One market's quoting parameters in exchange units. Quotes stay inside [price_min, price_max]."""

    levels: int
    level_spacing: int
    spread: int
    size: int
    price_min: int
    price_max: int
    walk_step: int
    inventory_limit: int
    tick: int = CENT

    def fair_bounds(self) -> tuple[int, int]:
        """Where the fair value may walk: far enough inside the band that the best quotes stay in it."""
        half = self.spread // 2
        low = _ceil_to(self.price_min + half, self.tick)
        high = _floor_to(self.price_max - (self.spread - half), self.tick)
        if low > high:  # a band narrower than the spread: pin the fair value to its middle
            low = high = _floor_to((self.price_min + self.price_max) // 2, self.tick)
        return low, high


@dataclass(frozen=True, slots=True)
class Quote:
    book_side: str
    price: int
    count: int


@dataclass(frozen=True, slots=True)
class Resting:
    """One of the maker's resting orders in the market, as the exchange has it now."""

    order_id: str
    book_side: str
    price: int
    remaining: int
    filled: int


@dataclass(frozen=True, slots=True)
class Cancel:
    order_id: str


@dataclass(frozen=True, slots=True)
class Amend:
    """Move a resting order to `price` with `remaining` left to trade."""

    order_id: str
    book_side: str
    price: int
    remaining: int
    filled: int

    @property
    def count(self) -> int:
        """The new total (filled plus remaining), as order_amend takes it."""
        return self.filled + self.remaining


@dataclass(frozen=True, slots=True)
class Create:
    book_side: str
    price: int
    count: int


Action = Cancel | Amend | Create


def walk(fair: int | None, params: QuoteParams, rng: random.Random) -> int:
    """Move the fair value by a random whole number of ticks up to walk_step, reflecting at the bounds."""
    low, high = params.fair_bounds()
    if fair is None:
        return _floor_to((low + high) // 2, params.tick)
    steps = params.walk_step // params.tick
    value = fair + rng.randint(-steps, steps) * params.tick
    if high > low:
        while not low <= value <= high:
            value = 2 * high - value if value > high else 2 * low - value
    return min(max(value, low), high)


def skew(position: int, params: QuoteParams) -> int:
    """How far inventory moves the quotes: down when long YES, up when long NO, half the spread at the limit."""
    if params.inventory_limit <= 0 or position == 0:
        return 0
    held = max(-params.inventory_limit, min(position, params.inventory_limit))
    shift = abs(held) * (params.spread // 2) // params.inventory_limit
    shift = _floor_to(shift, params.tick)
    return -shift if position > 0 else shift


def ladder(fair: int, params: QuoteParams, *, position: int, budget: int, fees: FeeSchedule) -> list[Quote]:
    """The quotes wanted around `fair`: `levels` bids and asks `spread` apart at the top, skewed by position.

    A side stops where the inventory limit would be exceeded if all its quotes filled; levels are funded
    from `budget` (what the account could spend with the maker's own quotes here released) best first.
    """
    low, high = params.fair_bounds()
    center = min(max(fair + skew(position, params), low), high)
    best_bid = _floor_to(center - params.spread // 2, params.tick)
    best_ask = best_bid + max(params.spread, params.tick)
    floor_price, ceiling_price = max(params.price_min, params.tick), min(params.price_max, ONE_DOLLAR - params.tick)
    room = {BID: max(params.inventory_limit - position, 0), ASK: max(params.inventory_limit + position, 0)}
    quotes: list[Quote] = []
    for level in range(params.levels):
        offset = level * params.level_spacing
        for side, price in ((BID, best_bid - offset), (ASK, best_ask + offset)):
            count = min(params.size, room[side])
            if count <= 0 or not floor_price <= price <= ceiling_price:
                continue
            cost = notional(side == BID, price, count) + fees.worst_case(price, count, side_is_bid=side == BID)
            if cost > budget:
                continue
            budget -= cost
            room[side] -= count
            quotes.append(Quote(side, price, count))
    return quotes


def plan(resting: list[Resting], wanted: list[Quote]) -> list[Action]:
    """Actions that turn the resting quotes into the wanted ones, ordered so none crosses the maker's own.

    Orders already right are left alone; the rest are paired best-to-best and amended, surplus orders
    are canceled first, and missing quotes are created.
    """
    cancels: list[Action] = []
    retreating: list[Amend] = []
    advancing: list[Amend] = []
    creates: list[Create] = []
    for side in (BID, ASK):
        best_first = side == BID
        have = sorted((r for r in resting if r.book_side == side), key=lambda r: r.price, reverse=best_first)
        want = sorted((q for q in wanted if q.book_side == side), key=lambda q: q.price, reverse=best_first)
        for order in list(have):
            match = next((q for q in want if q.price == order.price and q.count == order.remaining), None)
            if match is not None:
                have.remove(order)
                want.remove(match)
        for order, quote in zip(have, want, strict=False):
            amend = Amend(order.order_id, side, quote.price, quote.count, order.filled)
            # Quotes moving away from the other side go first, so the spread never narrows mid-tick.
            retreats = quote.price < order.price if side == BID else quote.price > order.price
            (retreating if retreats else advancing).append(amend)
        cancels += [Cancel(order.order_id) for order in have[len(want):]]
        creates += [Create(side, q.price, q.count) for q in want[len(have):]]
    canceled = {c.order_id for c in cancels}
    live = {r.order_id: (r.book_side, r.price) for r in resting if r.order_id not in canceled}
    return cancels + _uncrossed(retreating + advancing + creates, live)


def _uncrossed(moves: list[Amend | Create], live: dict[str, tuple[str, int]]) -> list[Action]:
    """Order moves so each lands strictly inside the maker's own opposite quotes at that moment.

    Moves that can never go first (each blocked by another) become a cancel now and a create last.
    """
    pending, ordered = list(moves), []
    while pending:
        move = next((m for m in pending if _safe(m, live)), None)
        if move is None:
            break
        pending.remove(move)
        ordered.append(move)
        key = move.order_id if isinstance(move, Amend) else f"new-{len(ordered)}"
        live[key] = (move.book_side, move.price)
    blocked_amends = [m for m in pending if isinstance(m, Amend)]
    ordered += [Cancel(m.order_id) for m in blocked_amends]
    ordered += [Create(m.book_side, m.price, m.remaining) if isinstance(m, Amend) else m for m in pending]
    return ordered


def _safe(move: Amend | Create, live: dict[str, tuple[str, int]]) -> bool:
    own = move.order_id if isinstance(move, Amend) else None
    opposite = [price for key, (side, price) in live.items() if side != move.book_side and key != own]
    if move.book_side == BID:
        return all(move.price < price for price in opposite)
    return all(move.price > price for price in opposite)


def _floor_to(value: int, tick: int) -> int:
    return value - value % tick


def _ceil_to(value: int, tick: int) -> int:
    return -((-value) // tick) * tick
