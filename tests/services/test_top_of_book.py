"""best_after: the market's top of book from the previous best and one command's level changes."""

from exchange.services.market_txn import best_after


def test_a_better_level_becomes_the_best():
    """A new bid above the best takes over with its own size."""
    assert best_after("bid", (4_000, 500), [(4_100, 200)]) == (4_100, 200)


def test_a_worse_level_leaves_the_best_alone():
    """Changes behind the best do not move it."""
    assert best_after("ask", (4_000, 500), [(4_100, 200), (4_200, -100)]) == (4_000, 500)


def test_the_best_level_shrinks_in_place():
    """A partial fill at the best keeps the price and reduces the size."""
    assert best_after("bid", (4_000, 500), [(4_000, -200)]) == (4_000, 300)


def test_an_emptied_best_needs_the_database():
    """When the best level empties and nothing better appeared, only the book knows what is next."""
    assert best_after("ask", (4_000, 500), [(4_000, -500)]) is None


def test_an_empty_side_takes_the_best_new_level():
    """On an empty side every change is the whole level."""
    assert best_after("ask", (0, 0), [(4_500, 100), (4_300, 200)]) == (4_300, 200)
    assert best_after("bid", (0, 0), []) == (0, 0)


def test_an_amend_that_moves_the_best_order_up():
    """Removing from the best and adding above it yields the new level."""
    assert best_after("bid", (4_000, 500), [(4_000, -500), (4_200, 500)]) == (4_200, 500)
