"""Submitting orders: price-time priority, execution at the maker's price, partial fills, rests."""

from exchange.engine import (
    Book,
    Fill,
    LevelChanged,
    OrderRested,
    OrderStatus,
    RejectCode,
    submit,
)
from tests.support.engine_books import ASK, BID, book_of, order


def asks_book():
    """Asks: 55c a1(10 contracts, owner 2) a2(20, owner 3); 56c a3(30, owner 4)."""
    return book_of(
        order("a1", ASK, 5500, 1000, owner=2),
        order("a2", ASK, 5500, 2000, owner=3),
        order("a3", ASK, 5600, 3000, owner=4),
    )


def test_rests_on_empty_book():
    """A GTC order with nothing to cross rests and reports its level."""
    book = Book()
    result = submit(book, order("b1", BID, 4500, 1000))
    assert result.ok and result.status is OrderStatus.RESTING
    assert result.resting == 1000 and result.filled == 0 and result.fills == ()
    assert result.rested == OrderRested("b1", BID, 4500, 1000)
    assert result.levels == (LevelChanged(BID, 4500, 1000),)
    assert book.snapshot() == {BID: [(4500, 1000)], ASK: []}
    book.check_invariants()


def test_fifo_within_level():
    """At one price the oldest resting order fills first."""
    book = asks_book()
    result = submit(book, order("t", BID, 5500, 1500, owner=9))
    assert [(f.maker_order_id, f.count) for f in result.fills] == [("a1", 1000), ("a2", 500)]
    assert book.get("a2").remaining == 1500
    assert result.status is OrderStatus.EXECUTED and result.filled == 1500
    assert result.levels == (LevelChanged(ASK, 5500, -1500),)
    assert book.snapshot() == {BID: [], ASK: [(5500, 1500), (5600, 3000)]}
    book.check_invariants()


def test_best_price_first_and_executes_at_maker_price():
    """A bid at 60c sweeps 55c before 56c and pays each maker's own price."""
    book = asks_book()
    result = submit(book, order("t", BID, 6000, 4000, owner=9))
    assert result.fills == (
        Fill("a1", 2, "t", 9, BID, 5500, 1000),
        Fill("a2", 3, "t", 9, BID, 5500, 2000),
        Fill("a3", 4, "t", 9, BID, 5600, 1000),
    )
    assert result.levels == (LevelChanged(ASK, 5500, -3000), LevelChanged(ASK, 5600, -1000))
    assert book.snapshot() == {BID: [], ASK: [(5600, 2000)]}
    book.check_invariants()


def test_ask_taker_executes_at_bid_price():
    """An ask at 40c against bids at 45c and 44c executes at 45c then 44c."""
    book = book_of(order("b1", BID, 4500, 100, owner=2), order("b2", BID, 4400, 100, owner=3))
    result = submit(book, order("t", ASK, 4000, 200, owner=9))
    assert [(f.maker_order_id, f.price, f.taker_side) for f in result.fills] == [("b1", 4500, ASK), ("b2", 4400, ASK)]
    assert result.status is OrderStatus.EXECUTED
    assert result.levels == (LevelChanged(BID, 4400, -100), LevelChanged(BID, 4500, -100))
    assert book.snapshot() == {BID: [], ASK: []}
    book.check_invariants()


def test_partial_fill_then_rest():
    """What does not fill rests at the taker's limit, after consuming every crossing level."""
    book = asks_book()
    result = submit(book, order("t", BID, 5500, 5000, owner=9))
    assert result.status is OrderStatus.RESTING
    assert result.filled == 3000 and result.resting == 2000
    assert result.rested == OrderRested("t", BID, 5500, 2000)
    assert result.levels == (LevelChanged(ASK, 5500, -3000), LevelChanged(BID, 5500, 2000))
    assert book.snapshot() == {BID: [(5500, 2000)], ASK: [(5600, 3000)]}
    book.check_invariants()


def test_non_crossing_order_does_not_trade():
    """A bid below the best ask rests without executing."""
    book = asks_book()
    result = submit(book, order("t", BID, 5400, 100, owner=9))
    assert result.fills == () and result.status is OrderStatus.RESTING
    assert book.snapshot() == {BID: [(5400, 100)], ASK: [(5500, 3000), (5600, 3000)]}
    book.check_invariants()


def test_maker_partially_filled_keeps_priority():
    """A partly filled maker stays at the front of its level."""
    book = asks_book()
    submit(book, order("t1", BID, 5500, 400, owner=9))
    result = submit(book, order("t2", BID, 5500, 400, owner=9))
    assert [(f.maker_order_id, f.count) for f in result.fills] == [("a1", 400)]
    assert book.get("a1").remaining == 200
    book.check_invariants()


def test_invalid_price_rejected_book_unchanged():
    """An off-tick price is rejected and nothing changes."""
    book = asks_book()
    before = book.state_hash()
    result = submit(book, order("t", BID, 5550, 100))
    assert result.status is OrderStatus.REJECTED and result.reject is RejectCode.INVALID_PRICE
    assert not result.ok and result.levels == () and result.fills == ()
    assert book.state_hash() == before


def test_invalid_count_rejected():
    """A fractional count in a whole-contract market is rejected."""
    book = Book()
    result = submit(book, order("t", BID, 5000, 150))
    assert result.reject is RejectCode.INVALID_COUNT
    assert len(book) == 0


def test_fractional_count_when_allowed():
    """Fractional markets trade hundredths of a contract."""
    book = book_of(order("a1", ASK, 5500, 100, owner=2))
    result = submit(book, order("t", BID, 5500, 37, owner=9), fractional=True)
    assert result.status is OrderStatus.EXECUTED and result.filled == 37
    assert book.snapshot()[ASK] == [(5500, 63)]
    book.check_invariants()


def test_sub_cent_structure():
    """A deci_cent market accepts and rests tenth-of-a-cent prices."""
    book = Book()
    result = submit(book, order("b", BID, 4510, 100), structure="deci_cent")
    assert result.status is OrderStatus.RESTING
    result = submit(book, order("a", ASK, 4510, 100, owner=2), structure="deci_cent")
    assert result.fills[0].price == 4510
    book.check_invariants()


def test_duplicate_order_id_rejected():
    """An id already resting cannot be submitted again."""
    book = asks_book()
    before = book.state_hash()
    result = submit(book, order("a1", BID, 5000, 100))
    assert result.reject is RejectCode.INVALID_PARAMETER
    assert book.state_hash() == before


def test_fills_conserve_counts():
    """The taker's filled count equals the sum of its fills, which equals what makers lost."""
    book = asks_book()
    before = {o.order_id: o.remaining for o in book.orders()}
    result = submit(book, order("t", BID, 5600, 3500, owner=9))
    assert result.filled == sum(f.count for f in result.fills) == 3500
    for f in result.fills:
        left = book.get(f.maker_order_id)
        assert before[f.maker_order_id] - (left.remaining if left else 0) == f.count


def test_no_cancel_events_on_plain_fill():
    """A GTC taker that fully executes cancels nothing."""
    book = asks_book()
    result = submit(book, order("t", BID, 5500, 100, owner=9))
    assert result.canceled == () and result.rested is None
