"""Reads about the relay: how far behind the outbox it is."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from exchange.models import MarketEvent
from exchange.outbox.cursors import cursor_load
from exchange.wire_time import ts_ms
from marketdata.models import RelayStatus

RELAY = "kafka-relay"


@dataclass(frozen=True)
class RelayLag:
    name: str
    running: bool  # the relay has started at least once
    position: int  # every outbox event with id <= position is in Kafka
    unrelayed: int  # committed events above the position
    oldest_unrelayed_ms: int  # age of the oldest of them (0 when none)
    events_per_s: int
    relayed: int
    snapshots: int
    last_delivery_at: datetime | None
    last_error: str


def relay_lag(name: str = RELAY) -> RelayLag:
    status = RelayStatus.objects.filter(name=name).first()
    position = cursor_load(name) or 0
    pending = MarketEvent.objects.filter(id__gt=position)
    oldest = pending.order_by("id").values_list("created_at", flat=True).first()
    age = max(ts_ms(timezone.now()) - ts_ms(oldest), 0) if oldest else 0
    return RelayLag(
        name=name, running=status is not None, position=position, unrelayed=pending.count(),
        oldest_unrelayed_ms=age, events_per_s=status.events_per_s if status else 0,
        relayed=status.relayed if status else 0, snapshots=status.snapshots if status else 0,
        last_delivery_at=status.last_delivery_at if status else None, last_error=status.last_error if status else "",
    )
