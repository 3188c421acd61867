"""Reads about the relay: how far behind the outbox it is."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from exchange.models import MarketEvent
from exchange.wire_time import ts_ms
from marketdata.models import RelayCursor


@dataclass(frozen=True)
class RelayLag:
    name: str
    running: bool  # a cursor exists: the relay has started at least once
    position: int
    unrelayed: int  # committed events above the cursor
    oldest_unrelayed_ms: int  # age of the oldest of them (0 when none)
    events_per_s: int
    relayed: int
    snapshots: int
    last_delivery_at: datetime | None
    last_error: str


def relay_lag(name: str = "kafka") -> RelayLag:
    cursor = RelayCursor.objects.filter(name=name).first()
    position = cursor.position if cursor else 0
    pending = MarketEvent.objects.filter(id__gt=position)
    oldest = pending.order_by("id").values_list("created_at", flat=True).first()
    age = max(ts_ms(timezone.now()) - ts_ms(oldest), 0) if oldest else 0
    return RelayLag(
        name=name, running=cursor is not None, position=position, unrelayed=pending.count(),
        oldest_unrelayed_ms=age, events_per_s=cursor.events_per_s if cursor else 0,
        relayed=cursor.relayed if cursor else 0, snapshots=cursor.snapshots if cursor else 0,
        last_delivery_at=cursor.last_delivery_at if cursor else None, last_error=cursor.last_error if cursor else "",
    )
