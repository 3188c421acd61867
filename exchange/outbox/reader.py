"""The commit-safe outbox reader: every committed event exactly once, never skipping a late commit.

Outbox ids come from a sequence, so a transaction can hold a low id and commit after higher ids are
visible. The reader therefore delivers only up to a *horizon* below which no id can still appear:

- SQLite: writers are serialized (IMMEDIATE transactions), so ids commit in order and the newest
  visible id is the horizon.
- PostgreSQL: every writer takes its transaction id (xid) before drawing outbox ids
  (`outbox.writer`). Each read notes the newest id M visible in its snapshot and an xid X assigned
  just after that snapshot (the read's own), so every xid assigned before the snapshot is below X.
  (The snapshot's xmax is not such a bound: it is only the newest *completed* xid plus one, and a
  transaction that took a higher xid earlier may still be running.) A running transaction has an
  xid >= the current snapshot's xmin; once that xmin reaches an earlier read's X, every running
  transaction took its xid, and so drew its ids, after that read: all of them are above its M, and
  ids <= M are final. No timeout is involved: a transaction held open for an hour holds the
  horizon below its ids for an hour, then its events are delivered in id order with the rest.

The cursor (`reader.cursor`) is an outbox id: all ids <= cursor were final when passed, so a
consumer may persist it and resume with `OutboxReader(after_id=cursor)`.
"""

import threading
from collections import deque
from collections.abc import Callable, Iterable

from django.db import connections

from exchange.outbox.envelope import Envelope
from exchange.outbox.kinds import EventKind

ENVELOPE_FIELDS = ("id", "kind", "market__ticker", "book_seq", "user_id", "created_at", "payload")


def envelope_of(row: dict) -> Envelope:
    """An envelope from a `MarketEvent.objects.values(*ENVELOPE_FIELDS)` row."""
    payload = row["payload"]
    ts = payload.get("ts_ms") if isinstance(payload, dict) else None
    if ts is None:
        ts = int(row["created_at"].timestamp() * 1000)
    return Envelope(id=row["id"], kind=EventKind(row["kind"]), market=row["market__ticker"],
                    book_seq=row["book_seq"], user_id=row["user_id"], ts_ms=ts, payload=payload)


class OutboxReader:
    """Reads committed outbox events after `after_id`, in id order, optionally only some kinds.

    Not thread-safe: one reader per consumer thread. It uses that thread's database connection,
    in autocommit (never inside a transaction), and keeps it open between reads.
    """

    def __init__(self, *, after_id: int = 0, kinds: Iterable[EventKind] | None = None,
                 using: str = "default") -> None:
        self._cursor = after_id
        self.kinds = frozenset(EventKind(k) for k in kinds) if kinds is not None else None
        self.using = using
        self._horizon = after_id
        self._marks: deque[tuple[int, int]] = deque()  # (xid taken after the snapshot, newest id), oldest first
        self.newest_seen = after_id
        self.queries = 0  # statements run, for tests and health pages

    @classmethod
    def at_head(cls, *, kinds: Iterable[EventKind] | None = None, using: str = "default") -> "OutboxReader":
        """A reader that starts after every event that is final now."""
        reader = cls(kinds=kinds, using=using)
        reader._cursor = reader._advance_horizon()
        return reader

    @property
    def cursor(self) -> int:
        """The last id delivered or passed over; every id <= cursor is final."""
        return self._cursor

    @property
    def behind(self) -> bool:
        """True when committed events exist above the horizon (a late transaction holds them back)."""
        return self.newest_seen > self._cursor

    def read_batch(self, limit: int = 1000) -> list[Envelope]:
        """Up to `limit` final events after the cursor, in id order; advances the cursor past them."""
        horizon = self._advance_horizon()
        if horizon <= self._cursor:
            return []
        from exchange.models import MarketEvent

        query = MarketEvent.objects.using(self.using).filter(id__gt=self._cursor, id__lte=horizon)
        if self.kinds is not None:
            query = query.filter(kind__in=[k.value for k in self.kinds])
        rows = list(query.order_by("id").values(*ENVELOPE_FIELDS)[:limit])
        self.queries += 1
        if len(rows) < limit:
            self._cursor = horizon
        else:
            self._cursor = rows[-1]["id"]
        return [envelope_of(row) for row in rows]

    # --- horizon ---------------------------------------------------------------------------------
    def _advance_horizon(self) -> int:
        connection = connections[self.using]
        if connection.in_atomic_block:
            # Inside a transaction the reader would see that transaction's own uncommitted events, and
            # its xid is older than the snapshot, which breaks the horizon's bound.
            raise RuntimeError("read the outbox outside any transaction (autocommit)")
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The statement's snapshot is taken before it runs; the xid it takes for itself is
                # assigned after that, so every xid assigned before the snapshot is below it.
                cursor.execute(
                    "SELECT pg_snapshot_xmin(s)::text::bigint, pg_current_xact_id()::text::bigint,"
                    " (SELECT max(id) FROM exchange_marketevent) FROM pg_current_snapshot() AS s")
                xmin, after_snapshot, newest = cursor.fetchone()
                self.queries += 1
                self._note(xmin, after_snapshot, newest or 0)
            else:
                cursor.execute("SELECT max(id) FROM exchange_marketevent")
                newest = cursor.fetchone()[0] or 0
                self.queries += 1
                self.newest_seen = max(self.newest_seen, newest)
                self._horizon = max(self._horizon, newest)
        return self._horizon

    def _note(self, xmin: int, after_snapshot: int, newest: int) -> None:
        self.newest_seen = max(self.newest_seen, newest)
        self._marks.append((after_snapshot, newest))
        # The oldest running xid never decreases, so a mark that is safe now stays safe: keep only
        # the marks still waiting for running transactions to end.
        while self._marks and self._marks[0][0] <= xmin:
            self._horizon = max(self._horizon, self._marks.popleft()[1])


# --- waking readers when this process commits events -------------------------------------------------
_listeners: list[Callable[[], None]] = []
_generation = 0
_changed = threading.Condition()


def on_commit_published() -> None:
    """Called after a transaction with outbox events committed in this process."""
    global _generation
    with _changed:
        _generation += 1
        _changed.notify_all()
    for listener in list(_listeners):
        listener()


def add_listener(listener: Callable[[], None]) -> None:
    """Call `listener` (from the committing thread) whenever this process commits outbox events."""
    if listener not in _listeners:
        _listeners.append(listener)


def remove_listener(listener: Callable[[], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def wait_for_publish(since: int, timeout: float) -> int:
    """Block until this process has committed events after generation `since` (or timeout); returns
    the current generation. Other processes' commits are found by polling."""
    with _changed:
        _changed.wait_for(lambda: _generation != since, timeout=timeout)
        return _generation


def generation() -> int:
    return _generation
