"""Decrease keeps priority; cancel removes; both report level deltas."""

from exchange.engine import (
    CancelReason,
    LevelChanged,
    OrderCanceled,
    OrderStatus,
    RejectCode,
    cancel,
    decrease,
    submit,
)
from tests.support.engine_books import ASK, BID, book_of, order


def book_of_two():
    """Bids at 45c: b1 (owner 1, 10) then b2 (owner 2, 10)."""
    return book_of(order("b1", BID, 4500, 1000, owner=1), order("b2", BID, 4500, 1000, owner=2))


def test_decrease_keeps_priority():
    """A decreased order stays first in its level and is filled first."""
    book = book_of_two()
    result = decrease(book, "b1", by=600)
    assert result.status is OrderStatus.RESTING and result.resting == 400
    assert result.levels == (LevelChanged(BID, 4500, -600),)
    assert [o.order_id for o in book.best(BID).orders.values()] == ["b1", "b2"]
    assert book.snapshot()[BID] == [(4500, 1400)]
    fill = submit(book, order("t", ASK, 4500, 100, owner=9)).fills[0]
    assert fill.maker_order_id == "b1"
    book.check_invariants()


def test_decrease_by_all_cancels():
    """Decreasing by the whole remainder (or more) cancels the order."""
    for by in (1000, 5000):
        book = book_of_two()
        result = decrease(book, "b1", by=by)
        assert result.status is OrderStatus.CANCELED
        assert result.canceled == (OrderCanceled("b1", 1, 1000, CancelReason.USER),)
        assert result.levels == (LevelChanged(BID, 4500, -1000),)
        assert "b1" not in book
        book.check_invariants()


def test_decrease_non_positive_rejected():
    """Decreasing by zero or a negative amount is an invalid count."""
    book = book_of_two()
    before = book.state_hash()
    assert decrease(book, "b1", by=0).reject is RejectCode.INVALID_COUNT
    assert decrease(book, "b1", by=-100).reject is RejectCode.INVALID_COUNT
    assert book.state_hash() == before


def test_decrease_unknown_rejected():
    """Decreasing an order that is not resting is rejected."""
    assert decrease(book_of_two(), "zz", by=100).reject is RejectCode.ORDER_NOT_FOUND


def test_cancel_removes_and_reports():
    """Cancel removes the order, reports its remaining size and the level's delta."""
    book = book_of_two()
    result = cancel(book, "b2")
    assert result.status is OrderStatus.CANCELED
    assert result.canceled == (OrderCanceled("b2", 2, 1000, CancelReason.USER),)
    assert result.levels == (LevelChanged(BID, 4500, -1000),)
    assert book.snapshot()[BID] == [(4500, 1000)]
    book.check_invariants()


def test_cancel_last_order_removes_level():
    """Canceling a level's last order removes the level."""
    book = book_of_two()
    cancel(book, "b1")
    cancel(book, "b2")
    assert book.snapshot() == {BID: [], ASK: []}
    book.check_invariants()


def test_cancel_reason_passed_through():
    """Cancels for other reasons (expiry, halts) carry that reason."""
    book = book_of_two()
    result = cancel(book, "b1", reason=CancelReason.EXPIRED)
    assert result.canceled[0].reason is CancelReason.EXPIRED


def test_cancel_unknown_or_twice_rejected():
    """Canceling what is not resting is rejected and changes nothing."""
    book = book_of_two()
    assert cancel(book, "zz").reject is RejectCode.ORDER_NOT_FOUND
    cancel(book, "b1")
    before = book.state_hash()
    result = cancel(book, "b1")
    assert result.status is OrderStatus.REJECTED and result.reject is RejectCode.ORDER_NOT_FOUND
    assert book.state_hash() == before


def test_cancel_partially_filled_reports_remainder():
    """The canceled count is what was left, not the original size."""
    book = book_of_two()
    submit(book, order("t", ASK, 4500, 300, owner=9))
    result = cancel(book, "b1")
    assert result.canceled[0].count == 700
    assert result.levels == (LevelChanged(BID, 4500, -700),)


def test_canceled_order_inside_a_level_is_never_filled():
    """A taker skips an order canceled from the middle of a level and fills the live ones in arrival order."""
    book = book_of(order("a1", ASK, 5500, 100, owner=1), order("a2", ASK, 5500, 100, owner=2),
                   order("a3", ASK, 5500, 100, owner=3))
    cancel(book, "a2")
    result = submit(book, order("t", BID, 5500, 300, owner=9))
    assert [f.maker_order_id for f in result.fills] == ["a1", "a3"] and result.resting == 100
    assert book.snapshot() == {BID: [(5500, 100)], ASK: []}
    book.check_invariants()
