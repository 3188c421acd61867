"""EventMerge: live batches and the outbox tail make one per-market stream, each event once."""

from types import SimpleNamespace

from exchange.fix.merge import Batch, EventMerge, Readiness, published_batches
from exchange.outbox import Envelope, EventKind

M = "MKT"


def ev(event_id: int, book_seq: int, order_id: str = "o1", market: str = M) -> Envelope:
    return Envelope(id=event_id, kind=EventKind.EXECUTION, market=market, book_seq=book_seq, user_id=1, ts_ms=0,
                    payload={"order_id": order_id})


def batch(book_seq: int, *events: Envelope, changed: bool = True, market: str = M) -> Batch:
    return Batch(market, book_seq, changed, max(e.id for e in events), list(events))


def ids(events: list[Envelope]) -> list[int]:
    return [e.id for e in events]


def ready(event: Envelope) -> Readiness:
    return Readiness.READY


def known_at(book_seq: int, readiness=ready) -> EventMerge:
    """A merge whose tail has delivered market M up to `book_seq` (event id 1)."""
    merge = EventMerge(readiness)
    assert ids(merge.tailed([ev(1, book_seq)], cursor=1)) == [1]
    return merge


def test_a_market_the_tail_has_not_seen_waits_for_the_tail():
    """The first live batch of a market waits: only the tail knows what came before it."""
    merge = EventMerge(ready)
    assert merge.published(batch(5, ev(10, 5))) == []
    assert ids(merge.tailed([ev(8, 4)], cursor=9)) == [8]
    assert ids(merge.drain()) == [10]


def test_consecutive_live_batches_go_at_once():
    """Batches whose book_seq follows the last delivered one are delivered as they arrive."""
    merge = known_at(3)
    assert ids(merge.published(batch(4, ev(5, 4), ev(6, 4)))) == [5, 6]
    assert ids(merge.published(batch(5, ev(7, 5)))) == [7]


def test_a_gap_holds_later_batches_until_the_tail_fills_it():
    """A command committed elsewhere (book_seq 4) comes first, from the tail; then the held batch."""
    merge = known_at(3)
    assert merge.published(batch(5, ev(9, 5))) == []
    assert ids(merge.tailed([ev(7, 4)], cursor=7)) == [7]
    assert ids(merge.drain()) == [9]


def test_a_batch_that_leaves_the_book_alone_needs_its_book_seq_delivered():
    """An unchanged batch at book_seq 4 needs the change that made book_seq 4."""
    merge = known_at(3)
    assert merge.published(batch(4, ev(9, 4), changed=False)) == []
    assert ids(merge.published(batch(4, ev(8, 4)))) == [8, 9]


def test_the_tail_skips_what_was_delivered_live():
    """An event delivered live is not delivered again when the tail reads it."""
    merge = known_at(3)
    assert ids(merge.published(batch(4, ev(5, 4)))) == [5]
    assert ids(merge.tailed([ev(5, 4), ev(6, 4)], cursor=6)) == [6]


def test_a_live_batch_the_tail_has_passed_is_dropped():
    """A batch published after the tail delivered its events is not delivered again."""
    merge = known_at(3)
    assert ids(merge.tailed([ev(5, 4)], cursor=5)) == [5]
    assert merge.published(batch(4, ev(5, 4))) == []
    assert ids(merge.published(batch(5, ev(6, 5)))) == [6]


def test_an_event_whose_command_is_answering_waits_for_the_release():
    """WAIT holds the market's batches until the caller releases them and drains."""
    answering = {"o2"}
    merge = known_at(3, lambda e: Readiness.WAIT if e.payload["order_id"] in answering else Readiness.READY)
    assert merge.published(batch(4, ev(5, 4, "o2"))) == []
    assert merge.published(batch(5, ev(6, 5, "o1"))) == []
    answering.clear()
    assert ids(merge.drain()) == [5, 6]


def test_an_event_only_the_tail_can_route_is_left_to_it():
    """TAIL holds the batch until the tail passes it; the tail routes those events itself."""
    merge = known_at(3, lambda e: Readiness.TAIL if e.payload["order_id"] == "old" else Readiness.READY)
    assert merge.published(batch(4, ev(5, 4, "old"))) == []
    assert merge.published(batch(5, ev(6, 5))) == []
    assert ids(merge.tailed([ev(5, 4, "old")], cursor=5)) == [5]
    assert ids(merge.drain()) == [6]
    assert merge.waiting == 0


def test_markets_are_independent():
    """A gap in one market holds only that market."""
    merge = EventMerge(ready)
    merge.tailed([ev(1, 1, market="A"), ev(2, 1, market="B")], cursor=2)
    assert merge.published(batch(3, ev(3, 3, market="A"), market="A")) == []
    assert ids(merge.published(batch(2, ev(4, 2, market="B"), market="B"))) == [4]


def test_publications_that_cross_are_delivered_in_commit_order():
    """Two commands of one market whose publications arrive in reverse order go out in id order."""
    merge = known_at(3)
    assert merge.published(batch(5, ev(9, 5))) == []
    assert ids(merge.published(batch(4, ev(8, 4)))) == [8, 9]


def row(event_id: int, kind: EventKind, ticker: str | None, book_seq: int | None):
    return SimpleNamespace(id=event_id, kind=kind.value, book_seq=book_seq, user_id=1, created_at=None,
                           payload={"ticker": ticker, "ts_ms": 0, "order_id": "o1"})


def test_one_commit_of_several_commands_makes_a_batch_per_market_and_book_seq():
    """A commit holding two commands on market A and one on B gives three batches, reported kinds only."""
    rows = [row(1, EventKind.BOOK, "A", 5), row(2, EventKind.EXECUTION, "A", 5), row(3, EventKind.BOOK, "B", 2),
            row(4, EventKind.EXECUTION, "B", 2), row(5, EventKind.BOOK, "A", 6), row(6, EventKind.EXECUTION, "A", 6),
            row(7, EventKind.ORDER_GROUP, None, None)]
    batches = published_batches(rows, {EventKind.EXECUTION})
    assert [(b.market, b.book_seq, b.changed, b.last_id, ids(b.events)) for b in batches] == [
        ("A", 5, True, 2, [2]), ("B", 2, True, 4, [4]), ("A", 6, True, 6, [6])]
