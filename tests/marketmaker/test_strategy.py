"""The quoting rule as pure functions: fair-value walk, ladder, inventory skew, limits and the plan."""

import random

import pytest

from exchange.engine.fees import FeeSchedule
from exchange.engine.units import ONE_DOLLAR, count_from_contracts, notional, price_from_cents
from marketmaker.strategy import (
    ASK,
    BID,
    Amend,
    Cancel,
    Create,
    Quote,
    QuoteParams,
    Resting,
    _uncrossed,
    ladder,
    plan,
    skew,
    walk,
)

FEES = FeeSchedule.for_series("quadratic")
RICH = 10**12
PARAMS = QuoteParams(levels=3, level_spacing=price_from_cents(1), spread=price_from_cents(10),
                     size=count_from_contracts(100), price_min=price_from_cents(33), price_max=price_from_cents(67),
                     walk_step=price_from_cents(2), inventory_limit=count_from_contracts(1000))


def best(quotes: list[Quote], side: str) -> int:
    prices = [q.price for q in quotes if q.book_side == side]
    return max(prices) if side == BID else min(prices)


def test_walk_stays_inside_the_fair_bounds_and_moves():
    """A seeded random walk never leaves the bounds, moves at most walk_step per tick, and does move."""
    rng = random.Random(7)
    low, high = PARAMS.fair_bounds()
    fair = walk(None, PARAMS, rng)
    seen = {fair}
    for _ in range(2000):
        nxt = walk(fair, PARAMS, rng)
        assert low <= nxt <= high
        assert abs(nxt - fair) <= PARAMS.walk_step
        assert nxt % 100 == 0
        fair = nxt
        seen.add(fair)
    assert min(seen) == low and max(seen) == high


def test_walk_reflects_at_the_edge():
    """A step past the upper bound comes back by the overshoot instead of sticking to the bound."""
    class Up:
        def randint(self, a, b):
            return b

    low, high = PARAMS.fair_bounds()
    assert walk(high - 100, PARAMS, Up()) == high - 100  # +2¢ from 1¢ below the top reflects to 1¢ below


def test_walk_starts_mid_band():
    """Without a fair value yet the walk starts in the middle of the band."""
    assert walk(None, PARAMS, random.Random(1)) == price_from_cents(50)


def test_ladder_quotes_inside_the_band_with_the_spread():
    """Every quote lies in [price_min, price_max]; best ask - best bid is the configured spread."""
    rng = random.Random(3)
    fair = walk(None, PARAMS, rng)
    for _ in range(500):
        fair = walk(fair, PARAMS, rng)
        quotes = ladder(fair, PARAMS, position=0, budget=RICH, fees=FEES)
        assert all(PARAMS.price_min <= q.price <= PARAMS.price_max for q in quotes)
        assert best(quotes, ASK) - best(quotes, BID) == PARAMS.spread
        assert max(q.price for q in quotes if q.book_side == BID) < min(q.price for q in quotes if q.book_side == ASK)


def test_ladder_has_levels_spaced_and_sized():
    """At mid-band the ladder has `levels` quotes per side, level_spacing apart, size each."""
    quotes = ladder(price_from_cents(50), PARAMS, position=0, budget=RICH, fees=FEES)
    assert sorted((q.book_side, q.price, q.count) for q in quotes) == [
        (ASK, 5500, 10000), (ASK, 5600, 10000), (ASK, 5700, 10000),
        (BID, 4300, 10000), (BID, 4400, 10000), (BID, 4500, 10000),
    ]


def test_long_inventory_skews_quotes_down_and_short_up():
    """Holding YES lowers both sides of the ladder; holding NO raises them."""
    flat = ladder(price_from_cents(50), PARAMS, position=0, budget=RICH, fees=FEES)
    long = ladder(price_from_cents(50), PARAMS, position=count_from_contracts(600), budget=RICH, fees=FEES)
    short = ladder(price_from_cents(50), PARAMS, position=-count_from_contracts(600), budget=RICH, fees=FEES)
    assert best(long, BID) < best(flat, BID) and best(long, ASK) < best(flat, ASK)
    assert best(short, BID) > best(flat, BID) and best(short, ASK) > best(flat, ASK)
    assert skew(count_from_contracts(1000), PARAMS) == -price_from_cents(5)


def test_inventory_limit_stops_the_side_that_would_exceed_it():
    """At the limit long, no bids; just under it, bids only up to the room left."""
    at_limit = ladder(price_from_cents(50), PARAMS, position=PARAMS.inventory_limit, budget=RICH, fees=FEES)
    assert [q for q in at_limit if q.book_side == BID] == []
    assert len([q for q in at_limit if q.book_side == ASK]) == 3
    near = ladder(price_from_cents(50), PARAMS, position=PARAMS.inventory_limit - 15000, budget=RICH, fees=FEES)
    assert sum(q.count for q in near if q.book_side == BID) == 15000
    short = ladder(price_from_cents(50), PARAMS, position=-PARAMS.inventory_limit, budget=RICH, fees=FEES)
    assert [q for q in short if q.book_side == ASK] == []


def test_balance_funds_levels_best_first_and_stops():
    """A budget for two levels quotes the best bid and best ask only; no budget, no quotes."""
    size = PARAMS.size
    one_each = (notional(True, 4500, size) + FEES.worst_case(4500, size, side_is_bid=True)
                + notional(False, 5500, size) + FEES.worst_case(5500, size, side_is_bid=False))
    quotes = ladder(price_from_cents(50), PARAMS, position=0, budget=one_each, fees=FEES)
    assert sorted((q.book_side, q.price) for q in quotes) == [(ASK, 5500), (BID, 4500)]
    assert ladder(price_from_cents(50), PARAMS, position=0, budget=0, fees=FEES) == []


def test_plan_leaves_a_ladder_that_is_already_right_alone():
    """When the resting quotes are already the wanted ones there is nothing to do."""
    wanted = ladder(price_from_cents(50), PARAMS, position=0, budget=RICH, fees=FEES)
    resting = [Resting(f"o{i}", q.book_side, q.price, q.count, 0) for i, q in enumerate(wanted)]
    assert plan(resting, wanted) == []


def test_plan_cancels_surplus_and_creates_missing():
    """A quote already right stays; surplus orders are canceled first; missing quotes are created."""
    resting = [Resting("a", BID, 4000, 100, 0), Resting("b", BID, 3900, 100, 0), Resting("c", BID, 3800, 100, 0)]
    wanted = [Quote(BID, 4000, 100), Quote(ASK, 5000, 100)]
    assert plan(resting, wanted) == [Cancel("b"), Cancel("c"), Create(ASK, 5000, 100)]


def test_plan_moves_away_from_the_other_side_first():
    """Moving the ladder down, the bid retreats before the ask advances, so the spread never narrows."""
    resting = [Resting("bid", BID, 4500, 100, 0), Resting("ask", ASK, 5500, 100, 0)]
    actions = plan(resting, [Quote(BID, 4400, 100), Quote(ASK, 5400, 100)])
    assert actions == [Amend("bid", BID, 4400, 100, 0), Amend("ask", ASK, 5400, 100, 0)]


def test_plan_moves_the_side_that_clears_the_way_first():
    """Jumping up past its own ask, the ask moves before the bid does."""
    resting = [Resting("bid", BID, 4000, 100, 0), Resting("ask", ASK, 4100, 100, 0)]
    actions = plan(resting, [Quote(BID, 4200, 100), Quote(ASK, 4300, 100)])
    assert actions == [Amend("ask", ASK, 4300, 100, 0), Amend("bid", BID, 4200, 100, 0)]


def test_a_move_that_cannot_go_safely_becomes_cancel_then_create():
    """An amend blocked by a quote that stays is turned into a cancel now and a create at the end."""
    live = {"x": (BID, 4000), "kept": (ASK, 4100)}
    assert _uncrossed([Amend("x", BID, 4200, 100, 30)], live) == [Cancel("x"), Create(BID, 4200, 100)]


def test_plan_amend_count_includes_what_filled():
    """A partly filled order is amended to filled + wanted remaining, as order_amend takes a total."""
    actions = plan([Resting("a", BID, 4000, 30, 70)], [Quote(BID, 4100, 100)])
    assert actions == [Amend("a", BID, 4100, 100, 70)]
    assert actions[0].count == 170


def _apply(book: dict, action) -> None:
    if isinstance(action, Cancel):
        del book[action.order_id]
    elif isinstance(action, Amend):
        book[action.order_id] = (action.book_side, action.price, action.remaining)
    else:
        book[f"new{len(book)}-{action.price}-{action.book_side}"] = (action.book_side, action.price, action.count)


def _crossed(book: dict) -> bool:
    bids = [p for side, p, _ in book.values() if side == BID]
    asks = [p for side, p, _ in book.values() if side == ASK]
    return bool(bids and asks and max(bids) >= min(asks))


@pytest.mark.parametrize("seed", range(40))
def test_plan_never_crosses_own_quotes_and_ends_on_the_ladder(seed):
    """Applied step by step, a plan never leaves the maker's bid at or above its ask, and ends on the ladder."""
    rng = random.Random(seed)
    params = QuoteParams(levels=rng.randint(1, 4), level_spacing=100 * rng.randint(1, 3),
                         spread=100 * rng.randint(1, 12), size=100 * rng.randint(1, 50), price_min=100,
                         price_max=ONE_DOLLAR - 100, walk_step=100 * rng.randint(1, 20), inventory_limit=10**6)
    fair = walk(None, params, rng)
    book = {}
    for tick in range(30):
        fair = walk(fair, params, rng)
        wanted = ladder(fair, params, position=0, budget=RICH, fees=FEES)
        resting = [Resting(oid, side, price, count, 0) for oid, (side, price, count) in book.items()]
        for action in plan(resting, wanted):
            _apply(book, action)
            assert not _crossed(book), (seed, tick, action)
        assert sorted((s, p, c) for s, p, c in book.values()) == sorted((q.book_side, q.price, q.count)
                                                                         for q in wanted)
