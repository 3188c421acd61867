"""A rebuilt book follows book_seq strictly and keeps each level's last update."""

from orderbook.book import DeltaOutcome, LevelUpdate, RebuiltBook, Snapshot, SnapshotOutcome, level_diff


def _book(seq: int = 5, levels: dict | None = None) -> RebuiltBook:
    book = RebuiltBook("MKT")
    book.load_snapshot(Snapshot(seq, levels if levels is not None else {("bid", 4500): 1000, ("ask", 5500): 300}, 1))
    return book


def test_a_book_without_a_snapshot_reports_every_delta_as_a_gap():
    """Nothing applies before a snapshot gives the book its starting book_seq."""
    book = RebuiltBook("MKT")
    assert book.apply_delta(1, [("bid", 4500, 100)], 10) is DeltaOutcome.GAP
    assert book.levels == {} and not book.synced


def test_the_next_book_seq_applies_and_records_the_level_update():
    """Add, increase, decrease and removal, each stamped with its book_seq and time."""
    book = _book()
    assert book.apply_delta(6, [("bid", 4600, 200), ("bid", 4500, 50), ("ask", 5500, -100)], 20) is DeltaOutcome.APPLIED
    assert book.book_seq == 6
    assert (book.levels[("bid", 4600)].count, book.levels[("bid", 4600)].update) == (200, LevelUpdate.ADD)
    assert book.levels[("bid", 4500)].update is LevelUpdate.INCREASE
    assert (book.levels[("ask", 5500)].count, book.levels[("ask", 5500)].update) == (200, LevelUpdate.DECREASE)
    assert book.levels[("ask", 5500)].updated_ts_ms == 20 and book.levels[("ask", 5500)].book_seq == 6
    assert book.apply_delta(7, [("ask", 5500, -200)], 30) is DeltaOutcome.APPLIED
    assert ("ask", 5500) not in book.levels


def test_a_redelivered_delta_is_stale_and_changes_nothing():
    """Deltas at or below the book's book_seq were already applied."""
    book = _book()
    before = book.counts()
    assert book.apply_delta(5, [("bid", 4500, 100)], 20) is DeltaOutcome.STALE
    assert book.apply_delta(3, [("bid", 4500, 100)], 20) is DeltaOutcome.STALE
    assert book.counts() == before and book.book_seq == 5


def test_a_skipped_book_seq_is_a_gap_and_is_not_applied():
    """book_seq 7 on a book at 5 means 6 is missing."""
    book = _book()
    before = book.counts()
    assert book.apply_delta(7, [("bid", 4500, 100)], 20) is DeltaOutcome.GAP
    assert book.counts() == before and book.book_seq == 5


def test_a_delta_that_would_go_negative_is_invalid_and_not_half_applied():
    """The first change fits, the second does not: neither is applied."""
    book = _book()
    outcome = book.apply_delta(6, [("bid", 4600, 100), ("ask", 5500, -301)], 20)
    assert outcome is DeltaOutcome.INVALID
    assert book.counts() == {("bid", 4500): 1000, ("ask", 5500): 300} and book.book_seq == 5


def test_a_snapshot_at_the_books_seq_is_checked_and_a_disagreeing_one_replaces_it():
    """Matched leaves the book alone; drift adopts the snapshot's levels."""
    book = _book()
    assert book.load_snapshot(Snapshot(5, {("bid", 4500): 1000, ("ask", 5500): 300}, 9)) is SnapshotOutcome.MATCHED
    assert book.levels[("bid", 4500)].updated_ts_ms == 1
    assert book.load_snapshot(Snapshot(5, {("bid", 4500): 900}, 9)) is SnapshotOutcome.DRIFT
    assert book.counts() == {("bid", 4500): 900}
    assert book.levels[("bid", 4500)].update is LevelUpdate.SNAPSHOT


def test_a_snapshot_ahead_of_the_book_is_checked_when_the_book_reaches_it():
    """The feed may carry a snapshot before the deltas that lead up to it."""
    book = _book()
    assert book.load_snapshot(Snapshot(6, {("bid", 4500): 1100, ("ask", 5500): 300}, 9)) is SnapshotOutcome.PENDING
    assert book.book_seq == 5
    book.apply_delta(6, [("bid", 4500, 100)], 20)
    assert book.pending_check() is SnapshotOutcome.MATCHED


def test_an_older_snapshot_is_stale():
    """A snapshot below the book's book_seq says nothing about it."""
    book = _book()
    assert book.load_snapshot(Snapshot(4, {}, 9)) is SnapshotOutcome.STALE
    assert book.book_seq == 5 and book.counts()


def test_sides_are_listed_best_first():
    """Bids from the highest price, asks from the lowest."""
    book = _book(1, {("bid", 4500): 1, ("bid", 4700): 2, ("ask", 5600): 3, ("ask", 5500): 4})
    assert [p for p, _ in book.side("bid")] == [4700, 4500]
    assert [p for p, _ in book.side("ask")] == [5500, 5600]


def test_level_diff_names_each_disagreeing_level():
    """Missing, extra and different levels; zero counts are absent levels."""
    diff = level_diff({("bid", 1): 5, ("ask", 2): 3, ("ask", 9): 0}, {("bid", 1): 4, ("bid", 7): 1})
    assert diff == {("ask", 2): (3, 0), ("bid", 1): (5, 4), ("bid", 7): (0, 1)}
