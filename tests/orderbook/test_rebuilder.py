"""The rebuilder asks for a resync exactly when a book cannot follow the feed, and tells listeners."""

from orderbook.book import Snapshot
from orderbook.rebuilder import Rebuilder, ResyncReason


def test_a_market_first_seen_mid_stream_needs_a_start_resync():
    """No book yet: the first delta cannot apply."""
    rebuilder = Rebuilder()
    assert rebuilder.on_delta("A", 3, [("bid", 100, 5)], 1) is ResyncReason.START
    assert rebuilder.needs_resync() == ["A"]


def test_a_gap_asks_for_a_resync_and_the_resync_restores_continuity():
    """After resync at book_seq 10, deltas up to 10 are stale and 11 applies."""
    rebuilder = Rebuilder()
    rebuilder.resync("A", Snapshot(2, {("bid", 100): 5}, 1), ResyncReason.START)
    assert rebuilder.on_delta("A", 4, [("bid", 100, 5)], 2) is ResyncReason.GAP
    rebuilder.resync("A", Snapshot(10, {("bid", 100): 7}, 3), ResyncReason.GAP)
    assert rebuilder.on_delta("A", 9, [("bid", 100, 1)], 4) is None
    assert rebuilder.on_delta("A", 11, [("bid", 100, 1)], 5) is None
    view = rebuilder.view("A")
    assert view.book_seq == 11 and view.bids[0][1].count == 8
    assert (view.stats.gaps, view.stats.resyncs, view.stats.stale, view.stats.deltas) == (1, 2, 1, 1)
    assert view.stats.last_resync_reason is ResyncReason.GAP


def test_an_invalid_delta_asks_for_a_resync():
    """A delta removing more than a level holds means the book is wrong."""
    rebuilder = Rebuilder()
    rebuilder.resync("A", Snapshot(1, {("ask", 100): 5}, 1), ResyncReason.START)
    assert rebuilder.on_delta("A", 2, [("ask", 100, -6)], 2) is ResyncReason.INVALID


def test_listeners_get_deltas_and_whole_books_in_order():
    """A resync is a whole-book update; a delta carries only the levels it touched."""
    rebuilder, seen = Rebuilder(), []
    rebuilder.subscribe(seen.append)
    rebuilder.resync("A", Snapshot(1, {("ask", 100): 5, ("bid", 50): 1}, 1), ResyncReason.START)
    rebuilder.on_delta("A", 2, [("ask", 100, -5)], 2)
    assert [(u.book_seq, u.is_snapshot) for u in seen] == [(1, True), (2, False)]
    assert seen[1].levels == (("ask", 100, None),)
    assert [(side, price, level.count) for side, price, level in seen[0].levels] == [("ask", 100, 5), ("bid", 50, 1)]


def test_a_feed_snapshot_that_disagrees_counts_a_drift_and_replaces_the_book():
    """Drift is never silent: it is counted and the reason recorded."""
    rebuilder = Rebuilder()
    rebuilder.resync("A", Snapshot(4, {("bid", 100): 5}, 1), ResyncReason.START)
    rebuilder.on_snapshot("A", Snapshot(4, {("bid", 100): 6}, 2))
    view = rebuilder.view("A")
    assert view.stats.drifts == 1 and view.stats.last_resync_reason is ResyncReason.DRIFT
    assert view.bids[0][1].count == 6


def test_view_depth_keeps_the_best_levels():
    """depth=1 is the top of book."""
    rebuilder = Rebuilder()
    rebuilder.resync("A", Snapshot(1, {("bid", 100): 1, ("bid", 200): 2, ("ask", 300): 3, ("ask", 400): 4}, 1),
                     ResyncReason.START)
    view = rebuilder.view("A", depth=1)
    assert [p for p, _ in view.bids] == [200] and [p for p, _ in view.asks] == [300]
    assert rebuilder.view("B") is None


def test_a_failing_listener_is_dropped_and_the_feed_goes_on():
    """A reader that raises (a connection already gone) never stops books from being rebuilt."""
    rebuilder, seen = Rebuilder(), []

    def broken(update):
        raise RuntimeError("Event loop is closed")

    rebuilder.subscribe(broken)
    rebuilder.subscribe(seen.append)
    rebuilder.resync("A", Snapshot(1, {}, 1), ResyncReason.START)
    assert rebuilder.on_delta("A", 2, [("bid", 100, 1)], 2) is None
    assert [u.book_seq for u in seen] == [1, 2] and rebuilder.view("A").book_seq == 2
