"""Reduce-only orders are capped to the position they reduce."""

from exchange.engine import Book, OrderStatus, RejectCode, TimeInForce, submit
from exchange.engine.matching import reduce_only_cap
from tests.support.engine_books import ASK, BID, order


def test_cap_by_side_and_sign():
    """Asks (sell YES) reduce long YES; bids (sell NO) reduce long NO (negative positions)."""
    assert reduce_only_cap(ASK, 500) == 500
    assert reduce_only_cap(ASK, -500) == 0
    assert reduce_only_cap(BID, -500) == 500
    assert reduce_only_cap(BID, 500) == 0
    assert reduce_only_cap(BID, 0) == reduce_only_cap(ASK, 0) == 0


def test_count_capped_to_position():
    """Selling 8 YES reduce-only with 3 YES held rests only 3."""
    book = Book()
    result = submit(book, order("r", ASK, 6000, 800, reduce_only=True, position=300))
    assert result.status is OrderStatus.RESTING and result.resting == 300
    assert book.snapshot()[ASK] == [(6000, 300)]
    book.check_invariants()


def test_capped_count_is_what_fills():
    """A capped IOC fills at most the position."""
    book = Book()
    submit(book, order("b", BID, 5000, 1000, owner=2))
    result = submit(book, order("r", ASK, 5000, 800, reduce_only=True, position=300, tif=TimeInForce.IOC))
    assert result.status is OrderStatus.EXECUTED and result.filled == 300
    assert book.snapshot()[BID] == [(5000, 700)]
    book.check_invariants()


def test_smaller_than_position_unchanged():
    """An order smaller than the position is not altered."""
    book = Book()
    result = submit(book, order("r", BID, 4000, 200, reduce_only=True, position=-500))
    assert result.resting == 200


def test_rejected_with_no_position():
    """Nothing to reduce: rejected, book unchanged."""
    book = Book()
    result = submit(book, order("r", ASK, 6000, 100, reduce_only=True, position=0))
    assert result.status is OrderStatus.REJECTED and result.reject is RejectCode.REDUCE_ONLY_NO_POSITION
    assert len(book) == 0


def test_rejected_when_it_would_increase():
    """A bid (more YES) cannot reduce a long YES position."""
    book = Book()
    result = submit(book, order("r", BID, 4000, 100, reduce_only=True, position=500))
    assert result.reject is RejectCode.REDUCE_ONLY_NO_POSITION
    assert len(book) == 0


def test_fok_judged_on_capped_count():
    """A reduce-only FOK needs only the capped count to be available."""
    book = Book()
    submit(book, order("b", BID, 5000, 300, owner=2))
    result = submit(book, order("r", ASK, 5000, 1000, reduce_only=True, position=300, tif=TimeInForce.FOK))
    assert result.status is OrderStatus.EXECUTED and result.filled == 300
    book.check_invariants()


def test_position_ignored_without_reduce_only():
    """A plain order is not capped by the position it carries."""
    book = Book()
    result = submit(book, order("r", ASK, 6000, 800, position=300))
    assert result.resting == 800
