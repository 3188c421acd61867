"""Every market's rebuilt book, shared by the feed consumer (the one writer) and the readers that serve
it (REST, WebSocket, the consistency check). Pure Python: no Django, no Kafka.

Changes reach listeners as `BookUpdate`s in book_seq order per market; a listener must not block (the
WebSocket hands them to its event loop).
"""

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from orderbook.book import DeltaOutcome, Level, RebuiltBook, Snapshot, SnapshotOutcome


class ResyncReason(StrEnum):
    START = "start"  # no book yet: the process started, or the market is new to it
    GAP = "gap"  # a book_seq was missing from the feed
    INVALID = "invalid"  # a delta did not fit the book
    DRIFT = "drift"  # a snapshot at the book's own book_seq disagreed with it
    TRIMMED = "trimmed"  # the broker no longer holds the position the consumer needed


@dataclass
class MarketStats:
    deltas: int = 0
    stale: int = 0
    gaps: int = 0
    resyncs: int = 0
    drifts: int = 0
    snapshots_matched: int = 0
    last_resync_reason: ResyncReason | None = None
    last_resync_book_seq: int | None = None


@dataclass(frozen=True)
class BookUpdate:
    """A change of one book: the levels it touched (count 0 = removed), or the whole book on a snapshot."""

    ticker: str
    book_seq: int
    is_snapshot: bool
    levels: tuple[tuple[str, int, Level | None], ...]  # (book side, YES price, level or None if emptied)


@dataclass(frozen=True)
class BookView:
    ticker: str
    book_seq: int | None
    updated_ts_ms: int
    bids: list[tuple[int, Level]]  # best first, YES prices
    asks: list[tuple[int, Level]]
    stats: MarketStats = field(default_factory=MarketStats)


Listener = Callable[[BookUpdate], None]
log = logging.getLogger(__name__)


class Rebuilder:
    def __init__(self) -> None:
        self._books: dict[str, RebuiltBook] = {}
        self._stats: dict[str, MarketStats] = {}
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    # --- the consumer's side -------------------------------------------------------------------------
    def on_delta(self, ticker: str, book_seq: int, changes: Iterable[tuple[str, int, int]],
                 ts_ms: int) -> ResyncReason | None:
        """Apply a book delta; returns why the market needs a resync, if it does."""
        changes = [(side, price, delta) for side, price, delta in changes]
        with self._lock:
            book, stats = self._book(ticker)
            was_synced = book.synced
            outcome = book.apply_delta(book_seq, changes, ts_ms)
            if outcome is DeltaOutcome.STALE:
                stats.stale += 1
                return None
            if outcome is DeltaOutcome.APPLIED:
                stats.deltas += 1
                touched = tuple((side, price, book.levels.get((side, price))) for side, price, _ in changes)
                self._notify(BookUpdate(ticker, book_seq, False, touched))
                pending = book.pending_check()
                if pending is not None:
                    self._after_snapshot(book, stats, pending)
                return None
            book.desync()
            if outcome is DeltaOutcome.GAP:
                stats.gaps += was_synced
                return ResyncReason.GAP if was_synced else ResyncReason.START
            return ResyncReason.INVALID

    def on_snapshot(self, ticker: str, snapshot: Snapshot) -> SnapshotOutcome:
        """A snapshot from the feed: adopted by a book without state, otherwise checked against it (a
        book that disagrees at the same book_seq takes the snapshot and counts a drift)."""
        with self._lock:
            book, stats = self._book(ticker)
            outcome = book.load_snapshot(snapshot)
            self._after_snapshot(book, stats, outcome)
            return outcome

    def resync(self, ticker: str, snapshot: Snapshot, reason: ResyncReason) -> None:
        """Replace the book with the exchange's own consistent read."""
        with self._lock:
            book, stats = self._book(ticker)
            book.desync()
            book.load_snapshot(snapshot)
            stats.resyncs += 1
            stats.last_resync_reason = reason
            stats.last_resync_book_seq = snapshot.book_seq
            self._notify(self._whole(book))

    def needs_resync(self) -> list[str]:
        with self._lock:
            return [ticker for ticker, book in self._books.items() if not book.synced]

    # --- the readers' side ---------------------------------------------------------------------------
    def tickers(self) -> list[str]:
        with self._lock:
            return sorted(self._books)

    def view(self, ticker: str, depth: int = 0) -> BookView | None:
        """A copy of one book, `depth` > 0 keeping the best levels of each side."""
        with self._lock:
            book = self._books.get(ticker)
            if book is None:
                return None
            bids, asks = book.side("bid"), book.side("ask")
            if depth > 0:
                bids, asks = bids[:depth], asks[:depth]
            copy = MarketStats(**vars(self._stats[ticker]))
            return BookView(ticker, book.book_seq, book.updated_ts_ms, bids, asks, copy)

    def whole(self, ticker: str) -> BookUpdate | None:
        """The whole book as a snapshot update (what a resync sends listeners), or None while it has no state."""
        with self._lock:
            book = self._books.get(ticker)
            return self._whole(book) if book is not None and book.synced else None

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    # --- internals -----------------------------------------------------------------------------------
    def _book(self, ticker: str) -> tuple[RebuiltBook, MarketStats]:
        if ticker not in self._books:
            self._books[ticker] = RebuiltBook(ticker)
            self._stats[ticker] = MarketStats()
        return self._books[ticker], self._stats[ticker]

    def _after_snapshot(self, book: RebuiltBook, stats: MarketStats, outcome: SnapshotOutcome) -> None:
        if outcome is SnapshotOutcome.MATCHED:
            stats.snapshots_matched += 1
        elif outcome in (SnapshotOutcome.ADOPTED, SnapshotOutcome.DRIFT):
            if outcome is SnapshotOutcome.DRIFT:
                stats.drifts += 1
            stats.resyncs += 1
            stats.last_resync_reason = ResyncReason.START if outcome is SnapshotOutcome.ADOPTED else ResyncReason.DRIFT
            stats.last_resync_book_seq = book.book_seq
            self._notify(self._whole(book))

    @staticmethod
    def _whole(book: RebuiltBook) -> BookUpdate:
        levels = tuple((side, price, level) for (side, price), level in sorted(book.levels.items()))
        return BookUpdate(book.ticker, book.book_seq or 0, True, levels)

    def _notify(self, update: BookUpdate) -> None:
        for listener in list(self._listeners):
            try:
                listener(update)
            except Exception:  # a failing reader (say, a closed connection's) must never stop the feed
                log.exception("book listener %r failed and is dropped", listener)
                self._listeners.remove(listener)
