"""Self-trade prevention: taker_at_cross cancels the taker, maker cancels resting own orders."""

from exchange.engine import (
    Book,
    CancelReason,
    LevelChanged,
    OrderCanceled,
    OrderStatus,
    SelfTradePrevention,
    TimeInForce,
    submit,
)
from tests.support.engine_books import ASK, BID, book_of, order

TAKER, MAKER = SelfTradePrevention.TAKER_AT_CROSS, SelfTradePrevention.MAKER


def asks_book():
    """Asks at 55c: a1 (owner 2, 10), mine (owner 1, 10), a2 (owner 3, 10); 56c: a3 (owner 4, 10)."""
    return book_of(
        order("a1", ASK, 5500, 1000, owner=2),
        order("mine", ASK, 5500, 1000, owner=1),
        order("a2", ASK, 5500, 1000, owner=3),
        order("a3", ASK, 5600, 1000, owner=4),
    )


def test_taker_at_cross_cancels_taker_remainder():
    """Fills ahead of the own order happen; the taker's remainder is canceled; the maker stays."""
    book = asks_book()
    result = submit(book, order("t", BID, 5600, 3000, owner=1, stp=TAKER))
    assert [(f.maker_order_id, f.count) for f in result.fills] == [("a1", 1000)]
    assert result.status is OrderStatus.CANCELED and result.filled == 1000 and result.resting == 0
    assert result.canceled == (OrderCanceled("t", 1, 2000, CancelReason.SELF_TRADE),)
    assert result.levels == (LevelChanged(ASK, 5500, -1000),)
    assert book.get("mine").remaining == 1000
    assert "t" not in book
    assert book.snapshot() == {BID: [], ASK: [(5500, 2000), (5600, 1000)]}
    book.check_invariants()


def test_taker_at_cross_gtc_does_not_rest():
    """Even a GTC taker stopped by its own order does not rest (it would cross its own order)."""
    book = Book()
    submit(book, order("mine", ASK, 5500, 1000, owner=1))
    result = submit(book, order("t", BID, 5500, 1000, owner=1, tif=TimeInForce.GTC))
    assert result.status is OrderStatus.CANCELED and result.fills == ()
    assert result.levels == ()
    assert book.snapshot() == {BID: [], ASK: [(5500, 1000)]}
    book.check_invariants()


def test_maker_mode_cancels_own_resting_and_continues():
    """STP maker cancels own resting orders it meets and keeps matching behind them."""
    book = asks_book()
    result = submit(book, order("t", BID, 5600, 3000, owner=1, stp=MAKER))
    assert [(f.maker_order_id, f.count) for f in result.fills] == [("a1", 1000), ("a2", 1000), ("a3", 1000)]
    assert result.canceled == (OrderCanceled("mine", 1, 1000, CancelReason.SELF_TRADE),)
    assert result.status is OrderStatus.EXECUTED and result.filled == 3000
    assert result.levels == (LevelChanged(ASK, 5500, -3000), LevelChanged(ASK, 5600, -1000))
    assert book.snapshot() == {BID: [], ASK: []}
    book.check_invariants()


def test_maker_mode_then_rests():
    """After canceling own orders the remainder rests, leaving the book uncrossed."""
    book = Book()
    submit(book, order("mine", ASK, 5500, 1000, owner=1))
    result = submit(book, order("t", BID, 5500, 500, owner=1, stp=MAKER))
    assert result.status is OrderStatus.RESTING and result.resting == 500
    assert result.canceled == (OrderCanceled("mine", 1, 1000, CancelReason.SELF_TRADE),)
    assert result.levels == (LevelChanged(ASK, 5500, -1000), LevelChanged(BID, 5500, 500))
    assert book.snapshot() == {BID: [(5500, 500)], ASK: []}
    book.check_invariants()


def test_maker_mode_only_touches_orders_it_reaches():
    """Own orders beyond where the taker stops are not canceled."""
    book = asks_book()
    result = submit(book, order("t", BID, 5500, 500, owner=1, stp=MAKER))
    assert result.canceled == ()
    assert "mine" in book
    book.check_invariants()


def test_other_owners_never_affected():
    """Orders of other owners are matched normally, whatever the STP mode."""
    book = asks_book()
    result = submit(book, order("t", BID, 5500, 1000, owner=7, stp=TAKER))
    assert result.status is OrderStatus.EXECUTED and result.canceled == ()
