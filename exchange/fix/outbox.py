"""Tailing the outbox for private events, tolerant of transactions that commit out of id order.

Ids come from a sequence, so a later id can commit before an earlier one. An id missing below the
newest seen one is held open for `gap_timeout_s` (after which its transaction is taken to have
rolled back) and the next read starts below it; rows already delivered are skipped.
"""

from collections.abc import Callable

from exchange.fix.reports import OutboxEvent
from exchange.fix.store import PRIVATE_KINDS, outbox_event
from exchange.models import MarketEvent


def _read(after_id: int, limit: int) -> tuple[list[int], list[OutboxEvent]]:
    ids_kinds = list(MarketEvent.objects.filter(id__gt=after_id).order_by("id")
                     .values_list("id", "kind", "user_id")[:limit])
    private_ids = [i for i, kind, user_id in ids_kinds if user_id is not None and kind in PRIVATE_KINDS]
    rows = MarketEvent.objects.filter(id__in=private_ids).order_by("id") if private_ids else []
    events = [outbox_event(row) for row in rows]
    return [i for i, _, _ in ids_kinds], events


class OutboxTail:
    """Call `poll(now)` (in a worker thread) to get private events not yet delivered, in id order."""

    def __init__(self, start_after: int, *, gap_timeout_s: float = 3.0, limit: int = 5000,
                 read: Callable[[int, int], tuple[list[int], list[OutboxEvent]]] = _read) -> None:
        self.last = start_after
        self.gap_timeout_s = gap_timeout_s
        self.limit = limit
        self._read = read
        self._gaps: dict[int, float] = {}
        self._seen: set[int] = set()

    def poll(self, now: float) -> list[OutboxEvent]:
        floor = min(self._gaps) - 1 if self._gaps else self.last
        ids, events = self._read(floor, self.limit)
        fresh = [e for e in events if e.id not in self._seen]
        present = set(ids)
        for i in ids:
            self._gaps.pop(i, None)
        top = max(ids) if ids else self.last
        for missing in range(self.last + 1, top):
            if missing not in present and missing not in self._seen:
                self._gaps.setdefault(missing, now)
        self.last = max(self.last, top)
        for gap, since in list(self._gaps.items()):
            if now - since > self.gap_timeout_s:
                del self._gaps[gap]
        self._seen.update(i for i in ids)
        low = min(self._gaps) if self._gaps else self.last
        self._seen = {i for i in self._seen if i >= low}
        return fresh
