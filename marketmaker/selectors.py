"""The market maker's reads: the market a tick quotes, and the maker's state as its health endpoint and
the operations page show it."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.db import connection

from exchange.models import Event, ExchangeState, Market, Series
from exchange.selectors.holdings import MarketHoldings, holdings_by_market
from marketmaker.models import MarketMakerConfig

OVERDUE_INTERVALS = 3


@dataclass(frozen=True, slots=True)
class QuotingMarket:
    """What a tick needs to know about its market."""

    ticker: str
    status: str
    fee_type: str
    fee_multiplier: int
    trading_paused: bool  # exchange-wide: the exchange or its trading switched off


@cache
def _quoting_markets_sql() -> str:
    # Written once rather than built by the ORM every tick (see exchange/selectors/holdings.py).
    q = connection.ops.quote_name
    markets, events, series, state = (q(m._meta.db_table) for m in (Market, Event, Series, ExchangeState))
    return (
        f"SELECT m.id, m.ticker, m.status, s.fee_type, s.fee_multiplier,"
        f" (SELECT NOT (x.exchange_active AND x.trading_active) FROM {state} x WHERE x.id = 1)"
        f" FROM {markets} m JOIN {events} e ON e.id = m.event_id JOIN {series} s ON s.id = e.series_id"
        f" WHERE m.id IN ({{markets}})"
    )


def quoting_markets_get(*, market_ids: list[int]) -> dict[int, QuotingMarket]:
    """Each market's ticker, status and fee schedule with the exchange-wide pause, in one query."""
    if not market_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_quoting_markets_sql().format(markets=", ".join(["%s"] * len(market_ids))), market_ids)
        rows = cursor.fetchall()
    # No ExchangeState row yet means both switches are on; SQLite answers 0 or 1.
    return {market_id: QuotingMarket(ticker, status, fee_type, multiplier, bool(paused))
            for market_id, ticker, status, fee_type, multiplier, paused in rows}


def makers_holdings(configs: list[MarketMakerConfig]) -> dict[tuple[int, int], MarketHoldings]:
    """Each config's maker holdings in its market, keyed (user_id, market_id): one query per maker."""
    holdings: dict[tuple[int, int], MarketHoldings] = {}
    for user_id in {config.user_id for config in configs}:
        mine = holdings_by_market(user_id=user_id, market_ids=[c.market_id for c in configs if c.user_id == user_id])
        holdings.update(((user_id, market_id), held) for market_id, held in mine.items())
    return holdings


@dataclass(frozen=True)
class MakerStatus:
    config: MarketMakerConfig
    overdue: bool  # enabled, but no tick within OVERDUE_INTERVALS intervals
    quotes_live: int
    quoted_count: int  # hundredths of a contract
    position: int  # hundredths of a contract, +YES / -NO


def maker_statuses(*, now: datetime) -> list[MakerStatus]:
    """Each market's maker with whether its ticks are overdue, its live quotes and its inventory."""
    configs = list(MarketMakerConfig.objects.select_related("market").order_by("market__ticker"))
    holdings = makers_holdings(configs)
    statuses = []
    for config in configs:
        limit = timedelta(milliseconds=config.interval_ms * OVERDUE_INTERVALS)
        late = config.enabled and (config.last_tick_at is None or now - config.last_tick_at > limit)
        held = holdings[config.user_id, config.market_id]
        statuses.append(MakerStatus(config, late, len(held.orders), held.resting_count, held.position))
    return statuses
