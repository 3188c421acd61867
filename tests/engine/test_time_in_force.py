"""Time in force: GTC rests, IOC cancels its remainder, FOK is all or nothing."""

from exchange.engine import (
    Book,
    CancelReason,
    LevelChanged,
    OrderCanceled,
    OrderStatus,
    RejectCode,
    SelfTradePrevention,
    TimeInForce,
    submit,
)
from tests.support.engine_books import ASK, BID, book_of, order

GTC, IOC, FOK = TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK
def asks_book():
    """Asks: 55c a1(10, owner 2); 56c a2(10, owner 3), a3 (10, owner 1)."""
    return book_of(
        order("a1", ASK, 5500, 1000, owner=2),
        order("a2", ASK, 5600, 1000, owner=3),
        order("a3", ASK, 5600, 1000, owner=1),
    )


def test_gtc_remainder_rests():
    """GTC keeps whatever does not fill on the book."""
    book = asks_book()
    result = submit(book, order("t", BID, 5500, 1500, owner=9, tif=GTC))
    assert result.status is OrderStatus.RESTING and result.filled == 1000 and result.resting == 500
    assert book.snapshot()[BID] == [(5500, 500)]
    book.check_invariants()


def test_ioc_partial_fill_cancels_remainder():
    """IOC fills what it can; the rest is canceled and the order's status is canceled."""
    book = asks_book()
    result = submit(book, order("t", BID, 5500, 1500, owner=9, tif=IOC))
    assert result.status is OrderStatus.CANCELED
    assert result.filled == 1000 and result.resting == 0 and result.rested is None
    assert result.canceled == (OrderCanceled("t", 9, 500, CancelReason.IOC_REMAINDER),)
    assert result.levels == (LevelChanged(ASK, 5500, -1000),)
    assert "t" not in book
    assert book.snapshot() == {BID: [], ASK: [(5600, 2000)]}
    book.check_invariants()


def test_ioc_full_fill_is_executed():
    """An IOC that fills completely is executed, with nothing canceled."""
    book = asks_book()
    result = submit(book, order("t", BID, 5600, 2000, owner=9, tif=IOC))
    assert result.status is OrderStatus.EXECUTED and result.filled == 2000
    assert result.canceled == ()
    assert book.snapshot() == {BID: [], ASK: [(5600, 1000)]}
    book.check_invariants()


def test_ioc_no_fill_is_canceled_book_unchanged():
    """An IOC that crosses nothing is canceled whole and leaves no trace in the book."""
    book = asks_book()
    before = book.state_hash()
    result = submit(book, order("t", BID, 5000, 1000, owner=9, tif=IOC))
    assert result.status is OrderStatus.CANCELED and result.filled == 0
    assert result.canceled == (OrderCanceled("t", 9, 1000, CancelReason.IOC_REMAINDER),)
    assert result.levels == ()
    assert book.state_hash() == before


def test_fok_fills_completely():
    """FOK that can fill completely executes across levels."""
    book = asks_book()
    result = submit(book, order("t", BID, 5600, 2000, owner=9, tif=FOK))
    assert result.status is OrderStatus.EXECUTED and result.filled == 2000
    assert [(f.maker_order_id, f.count) for f in result.fills] == [("a1", 1000), ("a2", 1000)]
    assert result.levels == (LevelChanged(ASK, 5500, -1000), LevelChanged(ASK, 5600, -1000))
    book.check_invariants()


def test_fok_insufficient_volume_rejected_book_unchanged():
    """FOK that cannot fill completely is rejected and the book is untouched."""
    book = asks_book()
    before = book.state_hash()
    result = submit(book, order("t", BID, 5600, 3100, owner=9, tif=FOK))
    assert result.status is OrderStatus.REJECTED and result.reject is RejectCode.FILL_OR_KILL_UNFILLED
    assert result.fills == () and result.levels == () and result.canceled == ()
    assert book.state_hash() == before
    book.check_invariants()


def test_fok_limit_excludes_worse_levels():
    """Volume beyond the FOK's limit does not count."""
    book = asks_book()
    before = book.state_hash()
    result = submit(book, order("t", BID, 5500, 1100, owner=9, tif=FOK))
    assert result.reject is RejectCode.FILL_OR_KILL_UNFILLED
    assert book.state_hash() == before


def test_fok_blocked_by_own_order_rejected():
    """With taker_at_cross, own resting volume stops the fill, so the FOK is rejected whole."""
    book = asks_book()
    before = book.state_hash()
    result = submit(book, order("t", BID, 5600, 2100, owner=1, tif=FOK))
    assert result.reject is RejectCode.FILL_OR_KILL_UNFILLED
    assert book.state_hash() == before


def test_fok_with_maker_stp_skips_own_volume():
    """With STP maker, own volume does not count toward the FOK and is canceled only if it executes."""
    book = asks_book()
    before = book.state_hash()
    rejected = submit(book, order("t", BID, 5600, 2100, owner=1, tif=FOK, stp=SelfTradePrevention.MAKER))
    assert rejected.reject is RejectCode.FILL_OR_KILL_UNFILLED
    assert book.state_hash() == before
    result = submit(book, order("t2", BID, 5600, 2000, owner=1, tif=FOK, stp=SelfTradePrevention.MAKER))
    assert result.status is OrderStatus.EXECUTED
    assert "a3" in book
    book.check_invariants()


def test_fok_exact_volume_executes():
    """Exactly the available volume at the limit is enough."""
    book = asks_book()
    result = submit(book, order("t", BID, 5500, 1000, owner=9, tif=FOK))
    assert result.status is OrderStatus.EXECUTED and result.filled == 1000
    assert book.snapshot()[ASK] == [(5600, 2000)]
    book.check_invariants()


def test_fok_against_empty_side_rejected():
    """Nothing to cross, nothing filled: rejected, never rested."""
    book = asks_book()
    result = submit(book, order("t", ASK, 5000, 100, owner=9, tif=FOK))
    assert result.reject is RejectCode.FILL_OR_KILL_UNFILLED
    assert "t" not in book


def test_fok_with_maker_stp_own_order_ahead():
    """Own volume ahead in the queue is skipped (and canceled) under STP maker; the FOK still executes."""
    book = Book()
    submit(book, order("mine", ASK, 5500, 1000, owner=1))
    submit(book, order("other", ASK, 5500, 1000, owner=2))
    result = submit(book, order("t", BID, 5500, 1000, owner=1, tif=FOK, stp=SelfTradePrevention.MAKER))
    assert result.status is OrderStatus.EXECUTED
    assert [f.maker_order_id for f in result.fills] == ["other"]
    assert result.canceled == (OrderCanceled("mine", 1, 1000, CancelReason.SELF_TRADE),)
    assert result.levels == (LevelChanged(ASK, 5500, -2000),)
    assert book.snapshot() == {BID: [], ASK: []}
    book.check_invariants()


def test_fok_filled_before_own_order_executes():
    """Own volume behind what the FOK needs does not block it, even under taker_at_cross."""
    book = Book()
    submit(book, order("other", ASK, 5500, 1000, owner=2))
    submit(book, order("mine", ASK, 5500, 1000, owner=1))
    result = submit(book, order("t", BID, 5500, 1000, owner=1, tif=FOK, stp=SelfTradePrevention.TAKER_AT_CROSS))
    assert result.status is OrderStatus.EXECUTED and result.canceled == ()
    assert book.snapshot()[ASK] == [(5500, 1000)]
    book.check_invariants()


def test_post_only_fok_is_rejected_not_rested():
    """A post-only FOK can never fill (it may not take), so it is rejected whole."""
    book = asks_book()
    before = book.state_hash()
    result = submit(book, order("t", BID, 5000, 1000, owner=9, tif=FOK, post_only=True))
    assert result.reject is RejectCode.FILL_OR_KILL_UNFILLED
    assert book.state_hash() == before
