"""Amend: price change or size increase loses priority; a decrease keeps it."""

from exchange.engine import (
    LevelChanged,
    OrderStatus,
    RejectCode,
    amend,
    submit,
)
from tests.support.engine_books import ASK, BID, book_of, order


def bids_book():
    """Bids at 45c: b1 (owner 1), b2 (owner 2), 10 each; 44c: b3 (owner 3). Ask 55c: a1 (owner 4)."""
    return book_of(
        order("b1", BID, 4500, 1000, owner=1),
        order("b2", BID, 4500, 1000, owner=2),
        order("b3", BID, 4400, 1000, owner=3),
        order("a1", ASK, 5500, 1000, owner=4),
    )


def queue(book, side, price):
    """Order ids at one level, front first."""
    return [o.order_id for lv in book.levels(side) if lv.price == price for o in lv.orders.values()]


def test_price_change_loses_priority():
    """Moving to another price puts the order at the back there (and moving back does not restore it)."""
    book = bids_book()
    result = amend(book, order("b1", BID, 4400, 1000, owner=1))
    assert result.status is OrderStatus.RESTING and result.resting == 1000
    assert result.levels == (LevelChanged(BID, 4400, 1000), LevelChanged(BID, 4500, -1000))
    assert queue(book, BID, 4400) == ["b3", "b1"]
    amend(book, order("b1", BID, 4500, 1000, owner=1))
    assert queue(book, BID, 4500) == ["b2", "b1"]
    book.check_invariants()


def test_price_change_may_cross():
    """An amended price that crosses executes at the resting price; the rest rests."""
    book = bids_book()
    result = amend(book, order("b1", BID, 5600, 1500, owner=1))
    assert [(f.maker_order_id, f.price, f.count) for f in result.fills] == [("a1", 5500, 1000)]
    assert result.status is OrderStatus.RESTING and result.filled == 1000 and result.resting == 500
    assert result.levels == (
        LevelChanged(ASK, 5500, -1000),
        LevelChanged(BID, 4500, -1000),
        LevelChanged(BID, 5600, 500),
    )
    assert book.snapshot() == {BID: [(5600, 500), (4500, 1000), (4400, 1000)], ASK: []}
    book.check_invariants()


def test_amend_fully_executed():
    """An amend that fills completely leaves nothing resting."""
    book = bids_book()
    result = amend(book, order("b2", BID, 5500, 1000, owner=2))
    assert result.status is OrderStatus.EXECUTED and "b2" not in book
    book.check_invariants()


def test_size_increase_loses_priority():
    """A larger size at the same price goes to the back of the level; the level grows by the net delta."""
    book = bids_book()
    result = amend(book, order("b1", BID, 4500, 1500, owner=1))
    assert result.status is OrderStatus.RESTING and result.resting == 1500
    assert result.levels == (LevelChanged(BID, 4500, 500),)
    assert queue(book, BID, 4500) == ["b2", "b1"]
    book.check_invariants()


def test_size_decrease_keeps_priority():
    """A smaller size at the same price keeps its place."""
    book = bids_book()
    result = amend(book, order("b1", BID, 4500, 400, owner=1))
    assert result.status is OrderStatus.RESTING and result.resting == 400
    assert result.levels == (LevelChanged(BID, 4500, -600),)
    assert queue(book, BID, 4500) == ["b1", "b2"]
    assert book.get("b1").remaining == 400
    book.check_invariants()


def test_same_price_and_size_is_noop():
    """Amending to the current price and size changes nothing."""
    book = bids_book()
    before = book.state_hash()
    result = amend(book, order("b1", BID, 4500, 1000, owner=1))
    assert result.ok and result.status is OrderStatus.RESTING and result.levels == ()
    assert book.state_hash() == before


def test_unknown_order_rejected():
    """Amending an order that is not resting is rejected."""
    book = bids_book()
    before = book.state_hash()
    result = amend(book, order("zz", BID, 4500, 1000))
    assert result.status is OrderStatus.REJECTED and result.reject is RejectCode.ORDER_NOT_FOUND
    assert book.state_hash() == before


def test_wrong_owner_or_side_rejected():
    """An amend cannot change the owner or the side."""
    book = bids_book()
    before = book.state_hash()
    assert amend(book, order("b1", BID, 4500, 500, owner=9)).reject is RejectCode.INVALID_PARAMETER
    assert amend(book, order("b1", ASK, 5600, 500, owner=1)).reject is RejectCode.INVALID_PARAMETER
    assert book.state_hash() == before


def test_invalid_price_or_count_rejected():
    """Amends are validated like new orders."""
    book = bids_book()
    before = book.state_hash()
    assert amend(book, order("b1", BID, 4550, 1000, owner=1)).reject is RejectCode.INVALID_PRICE
    assert amend(book, order("b1", BID, 4500, 150, owner=1)).reject is RejectCode.INVALID_COUNT
    assert amend(book, order("b1", BID, 4500, 0, owner=1)).reject is RejectCode.INVALID_COUNT
    assert book.state_hash() == before


def test_post_only_amend_crossing_rejected():
    """A post-only amend that would take is rejected and the original order keeps its place."""
    book = bids_book()
    before = book.state_hash()
    result = amend(book, order("b1", BID, 5500, 1000, owner=1, post_only=True))
    assert result.reject is RejectCode.POST_ONLY_CROSS
    assert book.state_hash() == before


def test_amend_stopped_by_self_trade():
    """An amend that crosses its owner's own order is canceled under taker_at_cross."""
    book = bids_book()
    submit(book, order("own", ASK, 5000, 1000, owner=1))
    result = amend(book, order("b1", BID, 5000, 1000, owner=1))
    assert result.status is OrderStatus.CANCELED and "b1" not in book
    assert result.levels == (LevelChanged(BID, 4500, -1000),)
    assert "own" in book
    book.check_invariants()
