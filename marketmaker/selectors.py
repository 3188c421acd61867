"""The market maker's state as its health endpoint and the operations page show it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from marketmaker.models import MarketMakerConfig
from marketmaker.tasks import maker_inventory

OVERDUE_INTERVALS = 3


@dataclass(frozen=True)
class MakerStatus:
    config: MarketMakerConfig
    overdue: bool  # enabled, but no tick within OVERDUE_INTERVALS intervals
    quotes_live: int
    quoted_count: int  # hundredths of a contract
    position: int  # hundredths of a contract, +YES / -NO


def maker_statuses(*, now: datetime) -> list[MakerStatus]:
    statuses = []
    for config in MarketMakerConfig.objects.select_related("market").order_by("market__ticker"):
        limit = timedelta(milliseconds=config.interval_ms * OVERDUE_INTERVALS)
        late = config.enabled and (config.last_tick_at is None or now - config.last_tick_at > limit)
        inventory = maker_inventory(config)
        statuses.append(MakerStatus(config, late, inventory["quotes_live"], inventory["quoted_count"],
                                    inventory["position"]))
    return statuses
