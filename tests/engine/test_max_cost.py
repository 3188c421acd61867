"""buy_max_cost: fill-or-kill within a cap on total notional."""

from exchange.engine import Book, LevelChanged, OrderStatus, RejectCode, submit
from tests.support.engine_books import ASK, BID, book_of, order


def asks_book():
    """Asks: 10 @ 40c, 10 @ 50c."""
    return book_of(order("a1", ASK, 4000, 1000, owner=2), order("a2", ASK, 5000, 1000, owner=3))


def test_fills_within_cap():
    """15 contracts cost 10 x 40c + 5 x 50c = $6.50; a $7 cap executes all of it."""
    book = asks_book()
    result = submit(book, order("t", BID, 6000, 1500, owner=9, max_cost=70_000))
    assert result.status is OrderStatus.EXECUTED and result.filled == 1500
    assert result.levels == (LevelChanged(ASK, 4000, -1000), LevelChanged(ASK, 5000, -500))
    book.check_invariants()


def test_cap_equal_to_cost_is_enough():
    """A cap of exactly $6.50 executes."""
    book = asks_book()
    result = submit(book, order("t", BID, 6000, 1500, owner=9, max_cost=65_000))
    assert result.status is OrderStatus.EXECUTED


def test_over_cap_rejected_book_unchanged():
    """One unit under the cost is rejected with nothing executed."""
    book = asks_book()
    before = book.state_hash()
    result = submit(book, order("t", BID, 6000, 1500, owner=9, max_cost=64_999))
    assert result.status is OrderStatus.REJECTED and result.reject is RejectCode.MAX_COST_EXCEEDED
    assert result.fills == () and result.levels == ()
    assert book.state_hash() == before


def test_unfillable_rejected_book_unchanged():
    """max_cost implies fill-or-kill: not enough volume is rejected even with a large cap."""
    book = asks_book()
    before = book.state_hash()
    result = submit(book, order("t", BID, 6000, 2500, owner=9, max_cost=10**9))
    assert result.reject is RejectCode.MAX_COST_EXCEEDED
    assert book.state_hash() == before


def test_gtc_with_max_cost_never_rests():
    """Even a GTC with max_cost does not rest: it fills whole or is rejected."""
    book = asks_book()
    result = submit(book, order("t", BID, 4500, 1500, owner=9, max_cost=10**9))
    assert result.reject is RejectCode.MAX_COST_EXCEEDED
    assert "t" not in book


def test_ask_side_pays_no_price():
    """A NO buyer (ask at 40c) hitting a 45c bid pays 55c per contract."""
    book = Book()
    submit(book, order("b", BID, 4500, 1000, owner=2))
    assert submit(book, order("t1", ASK, 4000, 1000, owner=9, max_cost=54_999)).reject is RejectCode.MAX_COST_EXCEEDED
    result = submit(book, order("t2", ASK, 4000, 1000, owner=9, max_cost=55_000))
    assert result.status is OrderStatus.EXECUTED and result.fills[0].price == 4500
    book.check_invariants()


def test_non_positive_cap_invalid():
    """A zero cap is an invalid parameter."""
    book = asks_book()
    result = submit(book, order("t", BID, 6000, 100, owner=9, max_cost=0))
    assert result.reject is RejectCode.INVALID_PARAMETER


def test_post_only_with_max_cost_never_rests():
    """max_cost implies fill-or-kill, which a post-only order cannot satisfy: rejected, book unchanged."""
    book = asks_book()
    before = book.state_hash()
    result = submit(book, order("t", BID, 3000, 1000, owner=9, post_only=True, max_cost=10**9))
    assert result.reject is RejectCode.MAX_COST_EXCEEDED
    assert "t" not in book and book.state_hash() == before
