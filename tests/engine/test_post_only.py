"""Post-only orders rest or are rejected; they never take."""

from exchange.engine import Book, LevelChanged, OrderStatus, RejectCode, submit
from tests.support.engine_books import ASK, BID, book_of, order


def two_sided():
    return book_of(order("b1", BID, 4500, 1000, owner=2), order("a1", ASK, 5500, 1000, owner=3))


def test_post_only_rests_when_not_crossing():
    """A post-only order inside the spread rests like a GTC."""
    book = two_sided()
    result = submit(book, order("p", BID, 5400, 500, post_only=True))
    assert result.status is OrderStatus.RESTING and result.fills == ()
    assert result.levels == (LevelChanged(BID, 5400, 500),)
    assert book.snapshot() == {BID: [(5400, 500), (4500, 1000)], ASK: [(5500, 1000)]}
    book.check_invariants()


def test_post_only_bid_crossing_rejected_book_unchanged():
    """A post-only bid at or above the best ask is rejected and changes nothing."""
    book = two_sided()
    before = book.state_hash()
    for i, price in enumerate([5500, 6000]):
        result = submit(book, order(f"p{i}", BID, price, 500, post_only=True))
        assert result.status is OrderStatus.REJECTED and result.reject is RejectCode.POST_ONLY_CROSS
        assert result.fills == () and result.levels == ()
    assert book.state_hash() == before
    book.check_invariants()


def test_post_only_ask_crossing_rejected():
    """A post-only ask at or below the best bid is rejected."""
    book = two_sided()
    before = book.state_hash()
    result = submit(book, order("p", ASK, 4500, 500, post_only=True))
    assert result.reject is RejectCode.POST_ONLY_CROSS
    assert book.state_hash() == before


def test_post_only_rejected_even_against_own_order():
    """Crossing own resting volume is still crossing."""
    book = two_sided()
    result = submit(book, order("p", BID, 5500, 500, owner=3, post_only=True))
    assert result.reject is RejectCode.POST_ONLY_CROSS


def test_post_only_on_empty_book_rests():
    """Nothing to cross: it rests."""
    book = Book()
    result = submit(book, order("p", ASK, 9900, 100, post_only=True))
    assert result.status is OrderStatus.RESTING
    book.check_invariants()


def test_post_only_joins_level_behind_existing():
    """A post-only order at an existing price queues behind the orders already there."""
    book = two_sided()
    submit(book, order("p", BID, 4500, 100, post_only=True))
    assert [o.order_id for o in book.best(BID).orders.values()] == ["b1", "p"]
    book.check_invariants()
