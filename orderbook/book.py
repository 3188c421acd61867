"""One market's book rebuilt from the feed: pure state, no Django, no Kafka.

Levels are keyed in YES space as the outbox writes them: (book side "bid"/"ask", YES price in $0.0001),
counts in hundredths of a contract. A book follows `book_seq` strictly: a delta applies only on top of
the one before it; anything else is reported (stale, gap, invalid) and never applied halfway.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

LevelKey = tuple[str, int]
BOOK_SIDES = ("bid", "ask")


class LevelUpdate(StrEnum):
    """What last changed a level."""

    SNAPSHOT = "snapshot"  # loaded from a snapshot and untouched by any delta since
    ADD = "add"  # a delta opened the level
    INCREASE = "increase"
    DECREASE = "decrease"


class DeltaOutcome(StrEnum):
    APPLIED = "applied"
    STALE = "stale"  # at or below the book's book_seq: already in the book (a redelivery or a resync's past)
    GAP = "gap"  # not the next book_seq, or the book has no snapshot to apply it to
    INVALID = "invalid"  # would take a level below zero: the book is not the exchange's


class SnapshotOutcome(StrEnum):
    ADOPTED = "adopted"  # the book had no state: it is now the snapshot
    MATCHED = "matched"  # same book_seq and the same levels as the book
    DRIFT = "drift"  # same book_seq, different levels: the book was wrong and now is the snapshot
    STALE = "stale"  # older than the book
    PENDING = "pending"  # newer than the book: checked when the book reaches its book_seq


@dataclass(slots=True)
class Level:
    count: int
    book_seq: int  # the book_seq of the change that last touched the level
    updated_ts_ms: int
    update: LevelUpdate


@dataclass(frozen=True, slots=True)
class Snapshot:
    book_seq: int
    levels: Mapping[LevelKey, int]
    ts_ms: int


def level_diff(expected: Mapping[LevelKey, int], actual: Mapping[LevelKey, int]) -> dict[LevelKey, tuple[int, int]]:
    """{level: (expected count, actual count)} for every level where the two books differ."""
    keys = {k for k, v in expected.items() if v} | {k for k, v in actual.items() if v}
    return {k: (expected.get(k, 0), actual.get(k, 0)) for k in sorted(keys)
            if expected.get(k, 0) != actual.get(k, 0)}


class RebuiltBook:
    def __init__(self, ticker: str) -> None:
        self.ticker = ticker
        self.book_seq: int | None = None  # None until a snapshot gives the book a starting point
        self.levels: dict[LevelKey, Level] = {}
        self.updated_ts_ms = 0
        self._pending: Snapshot | None = None

    @property
    def synced(self) -> bool:
        return self.book_seq is not None

    def counts(self) -> dict[LevelKey, int]:
        return {key: level.count for key, level in self.levels.items()}

    def desync(self) -> None:
        """Stop applying deltas until the next snapshot (after a gap or an invalid delta)."""
        self.book_seq = None
        self._pending = None

    def apply_delta(self, book_seq: int, changes: Iterable[tuple[str, int, int]], ts_ms: int) -> DeltaOutcome:
        if self.book_seq is None:
            return DeltaOutcome.GAP
        if book_seq <= self.book_seq:
            return DeltaOutcome.STALE
        if book_seq != self.book_seq + 1:
            return DeltaOutcome.GAP
        changes = list(changes)
        totals: dict[LevelKey, int] = {}
        for side, price, delta in changes:
            key = (side, price)
            totals[key] = totals.get(key, self._count(key)) + delta
        if any(total < 0 for total in totals.values()) or any(side not in BOOK_SIDES for side, _ in totals):
            return DeltaOutcome.INVALID
        for key, total in totals.items():
            self._set(key, total, book_seq, ts_ms)
        self.book_seq = book_seq
        self.updated_ts_ms = ts_ms
        return DeltaOutcome.APPLIED

    def pending_check(self) -> SnapshotOutcome | None:
        """Compare the book with a snapshot held for its book_seq, once it has reached it."""
        pending = self._pending
        if pending is None or self.book_seq is None or self.book_seq < pending.book_seq:
            return None
        self._pending = None
        if self.book_seq > pending.book_seq:  # a snapshot the stream never lined up with
            return None
        return self.load_snapshot(pending)

    def load_snapshot(self, snapshot: Snapshot) -> SnapshotOutcome:
        if self.book_seq is not None:
            if snapshot.book_seq < self.book_seq:
                return SnapshotOutcome.STALE
            if snapshot.book_seq > self.book_seq:
                self._pending = snapshot
                return SnapshotOutcome.PENDING
            if not level_diff(snapshot.levels, self.counts()):
                return SnapshotOutcome.MATCHED
            outcome = SnapshotOutcome.DRIFT
        else:
            outcome = SnapshotOutcome.ADOPTED
        self.levels = {key: Level(count, snapshot.book_seq, snapshot.ts_ms, LevelUpdate.SNAPSHOT)
                       for key, count in snapshot.levels.items() if count > 0}
        self.book_seq = snapshot.book_seq
        self.updated_ts_ms = snapshot.ts_ms
        self._pending = None
        return outcome

    def side(self, book_side: str) -> list[tuple[int, Level]]:
        """(YES price, level) of one side, best first."""
        rows = [(price, level) for (side, price), level in self.levels.items() if side == book_side]
        rows.sort(key=lambda row: row[0], reverse=book_side == "bid")
        return rows

    def _count(self, key: LevelKey) -> int:
        level = self.levels.get(key)
        return level.count if level else 0

    def _set(self, key: LevelKey, count: int, book_seq: int, ts_ms: int) -> None:
        old = self._count(key)
        if count == old:
            return
        if count == 0:
            del self.levels[key]
            return
        update = LevelUpdate.ADD if old == 0 else LevelUpdate.INCREASE if count > old else LevelUpdate.DECREASE
        self.levels[key] = Level(count, book_seq, ts_ms, update)
