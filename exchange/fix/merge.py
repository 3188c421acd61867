"""One stream of execution events for the acceptor, merged from two sources without duplicates.

Events committed in this process are published to the acceptor right after their commit (live);
the outbox tail reads every committed event, from any process, in id order. Live events are
delivered at once when that keeps each market's order: a market's book-changing commands take
consecutive `book_seq`s, so a live batch is delivered only when every earlier command of its market
has been (a gap means a command committed elsewhere that only the tail can bring). Otherwise the
batch waits in its market's queue until the gap is filled, its events are released by the caller,
or the tail passes it (and delivers those events itself). An event id is delivered once: the tail
skips what was delivered live, the live path drops what the tail has passed.

Pure: no Django, no I/O; the acceptor decides per event whether it may go live (`Readiness`).
"""

from collections import deque
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from enum import Enum

from exchange.outbox import Envelope, EventKind


class Readiness(Enum):
    READY = "ready"  # deliver live now
    WAIT = "wait"    # a command of this process is still answering for it: ask again on release
    TAIL = "tail"    # only the tail can route it (it needs what the outbox knows): leave it to the tail


@dataclass(frozen=True)
class Batch:
    """The events one command published for one market: `book_seq` after the command, whether it
    changed the book, its highest event id, and its events of the kinds the acceptor reports."""

    market: str | None
    book_seq: int | None
    changed: bool
    last_id: int
    events: list[Envelope] = field(default_factory=list)


class EventMerge:
    def __init__(self, readiness: Callable[[Envelope], Readiness]) -> None:
        self.readiness = readiness
        self.passed = 0                         # the tail has routed every event id <= passed
        self.delivered: set[int] = set()        # ids above `passed` delivered live
        self.book_seq: dict[str, int] = {}      # per market: every command up to this book_seq is delivered
        self.queues: dict[str, deque[Batch]] = {}

    @property
    def waiting(self) -> int:
        """Batches held back (for tests and the operations page)."""
        return sum(len(q) for q in self.queues.values())

    def published(self, batch: Batch) -> list[Envelope]:
        """A live batch: the events to deliver now (this batch's and any it unblocked), in order."""
        if batch.market is None or batch.book_seq is None:
            return self._take(batch.events)
        queue = self.queues.setdefault(batch.market, deque())
        # A market's commands commit in id order; their publications may cross between threads.
        at = len(queue)
        while at and queue[at - 1].last_id > batch.last_id:
            at -= 1
        queue.insert(at, batch)
        return self._drain_market(batch.market)

    def tailed(self, events: list[Envelope], cursor: int) -> list[Envelope]:
        """The tail's events up to `cursor` (every id <= cursor is final): those not delivered live,
        for the tail to route. Call `drain` after routing them."""
        fresh = [e for e in events if e.id not in self.delivered]
        for event in fresh:
            if event.market is not None and event.book_seq is not None:
                self._advance(event.market, event.book_seq)
        self.passed = max(self.passed, cursor)
        self.delivered = {i for i in self.delivered if i > self.passed}
        return fresh

    def drain(self) -> list[Envelope]:
        """Events of waiting batches that can go now (after a release or a tail pass), in order."""
        out: list[Envelope] = []
        for market in list(self.queues):
            out += self._drain_market(market)
        return out

    def _drain_market(self, market: str) -> list[Envelope]:
        queue, out = self.queues[market], []
        while queue:
            batch = queue[0]
            if batch.last_id <= self.passed:
                # The tail has routed it and everything before it.
                queue.popleft()
                self._advance(market, batch.book_seq)
                continue
            known = self.book_seq.get(market)
            if known is None or known < (batch.book_seq - 1 if batch.changed else batch.book_seq):
                break  # a command of this market not delivered yet comes first
            events = [e for e in batch.events if e.id > self.passed and e.id not in self.delivered]
            if any(self.readiness(e) is not Readiness.READY for e in events):
                break
            queue.popleft()
            self._advance(market, batch.book_seq)
            out += self._take(events)
        if not queue:
            del self.queues[market]
        return out

    def _advance(self, market: str, book_seq: int) -> None:
        self.book_seq[market] = max(self.book_seq.get(market, book_seq), book_seq)

    def _take(self, events: list[Envelope]) -> list[Envelope]:
        fresh = [e for e in events if e.id > self.passed and e.id not in self.delivered]
        self.delivered.update(e.id for e in fresh)
        return fresh


def published_batches(rows: Sequence, kinds: Collection[EventKind]) -> list[Batch]:
    """Committed `MarketEvent` rows (one commit's, possibly of many commands) as one batch per market and
    book_seq, keeping the events of `kinds`."""
    groups: dict[tuple[str | None, int | None], list] = {}
    for row in rows:
        ticker = row.payload.get("ticker")
        groups.setdefault((ticker, row.book_seq if ticker else None), []).append(row)
    batches = []
    for (market, book_seq), group in groups.items():
        events = [_envelope(row, market) for row in group if row.kind in kinds]
        changed = any(row.kind == EventKind.BOOK for row in group)
        if events or changed:
            batches.append(Batch(market, book_seq, changed, max(row.id for row in group), events))
    return batches


def _envelope(row, market: str | None) -> Envelope:
    ts = row.payload.get("ts_ms")
    if ts is None:
        ts = int(row.created_at.timestamp() * 1000)
    return Envelope(id=row.id, kind=EventKind(row.kind), market=market, book_seq=row.book_seq,
                    user_id=row.user_id, ts_ms=ts, payload=row.payload)
