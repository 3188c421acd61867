"""Engine test helpers: orders that arrive in the order they are made, and books built from resting orders."""

import itertools

from exchange.engine import Book, NewOrder, OrderStatus, Side, submit

BID, ASK = Side.BID, Side.ASK
_priority = itertools.count(1)


def order(oid: str, side: Side, price: int, count: int, owner: int = 1, **kw) -> NewOrder:
    """A NewOrder whose priority is later than every order made before it."""
    return NewOrder(oid, owner, side, price, count, priority=next(_priority), **kw)


def book_of(*orders: NewOrder) -> Book:
    """A book holding `orders`, submitted in turn; each must rest (none may cross another)."""
    book = Book()
    for resting in orders:
        assert submit(book, resting).status is OrderStatus.RESTING
    book.check_invariants()
    return book
