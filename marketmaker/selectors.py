"""The market maker's reads: the market a tick quotes, and the maker's state as its health endpoint and
the operations page show it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Subquery

from exchange.models import ExchangeState, Market
from exchange.selectors.holdings import market_holdings_get
from marketmaker.models import MarketMakerConfig

OVERDUE_INTERVALS = 3


def quoting_market_get(*, market_id: int) -> Market:
    """The market with its series, and the exchange-wide `exchange_active` / `trading_active` switches
    as attributes (None when never set), in one query."""
    state = ExchangeState.objects.filter(pk=1)
    return (Market.objects.select_related("event__series")
            .annotate(exchange_active=Subquery(state.values("exchange_active")),
                      trading_active=Subquery(state.values("trading_active")))
            .get(pk=market_id))


@dataclass(frozen=True)
class MakerStatus:
    config: MarketMakerConfig
    overdue: bool  # enabled, but no tick within OVERDUE_INTERVALS intervals
    quotes_live: int
    quoted_count: int  # hundredths of a contract
    position: int  # hundredths of a contract, +YES / -NO


def maker_statuses(*, now: datetime) -> list[MakerStatus]:
    """Each market's maker with whether its ticks are overdue, its live quotes and its inventory."""
    statuses = []
    for config in MarketMakerConfig.objects.select_related("market").order_by("market__ticker"):
        limit = timedelta(milliseconds=config.interval_ms * OVERDUE_INTERVALS)
        late = config.enabled and (config.last_tick_at is None or now - config.last_tick_at > limit)
        holdings = market_holdings_get(user_id=config.user_id, market_id=config.market_id)
        statuses.append(MakerStatus(config, late, len(holdings.orders), holdings.resting_count, holdings.position))
    return statuses
