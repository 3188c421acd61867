"""The reference book: levels, FIFO, snapshots, hashing and self-checks."""

import pytest

from exchange.engine import Book, RestingOrder, Side

BID, ASK = Side.BID, Side.ASK


def ro(oid, side, price, remaining, priority, owner=1):
    return RestingOrder(oid, owner, side, price, remaining, priority)


def sample_book():
    book = Book()
    for order in [
        ro("b1", BID, 4000, 100, 1),
        ro("b2", BID, 4500, 200, 2),
        ro("b3", BID, 4500, 300, 3),
        ro("a1", ASK, 5500, 100, 4),
        ro("a2", ASK, 6000, 500, 5),
    ]:
        book.add(order)
    return book


def test_best_prices():
    """Best bid is the highest bid, best ask the lowest ask."""
    book = sample_book()
    assert book.best_price(BID) == 4500
    assert book.best_price(ASK) == 5500
    assert Book().best_price(BID) is None and Book().best(ASK) is None


def test_snapshot_best_first_with_depth():
    """snapshot lists (price, size) best first and honours depth."""
    book = sample_book()
    assert book.snapshot() == {BID: [(4500, 500), (4000, 100)], ASK: [(5500, 100), (6000, 500)]}
    assert book.snapshot(1) == {BID: [(4500, 500)], ASK: [(5500, 100)]}
    book.check_invariants()


def test_level_keeps_arrival_order():
    """Orders at one price are kept oldest first."""
    book = sample_book()
    level = book.best(BID)
    assert [o.order_id for o in level.orders.values()] == ["b2", "b3"]
    assert level.first().order_id == "b2"


def test_contains_len_get_orders():
    """Order index queries."""
    book = sample_book()
    assert "b1" in book and "zz" not in book
    assert len(book) == 5
    assert book.get("a2").remaining == 500 and book.get("zz") is None
    assert {o.order_id for o in book.orders()} == {"b1", "b2", "b3", "a1", "a2"}


def test_duplicate_add_raises():
    """The same order id cannot rest twice."""
    book = sample_book()
    with pytest.raises(ValueError):
        book.add(ro("b1", BID, 3000, 100, 9))


def test_remove_last_order_drops_level():
    """Removing a level's only order removes the level and its price index entry."""
    book = sample_book()
    book.remove("a1")
    assert book.best_price(ASK) == 6000
    assert book.snapshot()[ASK] == [(6000, 500)]
    book.check_invariants()


def test_reduce_keeps_place_and_size():
    """reduce takes size off in place; the level size follows."""
    book = sample_book()
    book.reduce("b2", 150)
    assert [(o.order_id, o.remaining) for o in book.best(BID).orders.values()] == [("b2", 50), ("b3", 300)]
    assert book.snapshot()[BID][0] == (4500, 350)
    book.check_invariants()


def test_reduce_all_removes():
    """Reducing by the whole remainder removes the order."""
    book = sample_book()
    order = book.reduce("b2", 200)
    assert order.remaining == 0
    assert "b2" not in book
    assert book.snapshot()[BID][0] == (4500, 300)
    book.check_invariants()


def test_state_hash_deterministic_and_sensitive():
    """Equal books hash equal; any change in size, order or priority changes the hash."""
    a, b = sample_book(), sample_book()
    assert a.state_hash() == b.state_hash()
    b.reduce("b3", 1)
    assert a.state_hash() != b.state_hash()
    c = Book()
    for order in [ro("b3", BID, 4500, 300, 3), ro("b2", BID, 4500, 200, 2)]:
        c.add(order)
    d = Book()
    for order in [ro("b2", BID, 4500, 200, 2), ro("b3", BID, 4500, 300, 3)]:
        d.add(order)
    assert c.state_hash() != d.state_hash()


def test_invariants_catch_crossed_book():
    """A bid at or above the best ask is a crossed book."""
    book = sample_book()
    book.add(ro("x", BID, 5500, 100, 9))
    with pytest.raises(AssertionError, match="crossed"):
        book.check_invariants()


def test_invariants_catch_fifo_break():
    """An order with an earlier priority behind a later one breaks FIFO."""
    book = sample_book()
    book.add(ro("x", BID, 4500, 100, 0))
    with pytest.raises(AssertionError, match="FIFO"):
        book.check_invariants()


def test_invariants_catch_level_size_drift():
    """The cached level size must equal the sum of its orders."""
    book = sample_book()
    book.get("a2").remaining = 1
    with pytest.raises(AssertionError, match="size"):
        book.check_invariants()


def test_removed_order_inside_a_level_is_skipped():
    """Removing an order from the middle keeps the others in arrival order and the level size right."""
    book = Book()
    for i, oid in enumerate(["x1", "x2", "x3"]):
        book.add(ro(oid, ASK, 5500, 100 * (i + 1), i))
    book.remove("x2")
    level = book.best(ASK)
    assert list(level.orders) == ["x1", "x3"] and level.size == 400 and level.first().order_id == "x1"
    book.remove("x1")
    assert book.best(ASK).first().order_id == "x3"
    book.check_invariants()


def test_level_does_not_keep_canceled_orders_without_bound():
    """Canceling many orders behind a live first order compacts the level rather than growing it."""
    book = Book()
    book.add(ro("first", BID, 4500, 100, 0))
    for i in range(1, 200):
        book.add(ro(f"o{i}", BID, 4500, 100, i))
        book.remove(f"o{i}")
    level = book.best(BID)
    assert list(level.orders) == ["first"] and level.size == 100 and len(level) < 40
    book.check_invariants()
