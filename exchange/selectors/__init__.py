"""Read-only queries shared by the REST API and the pages: selectors read, services write."""

from exchange.selectors.candlesticks import CandleSpan, candlesticks_get
from exchange.selectors.catalog import markets_with_day_stats
from exchange.selectors.orderbook import Level, OrderbookView, orderbook_at_seq, orderbook_get

__all__ = [
    "CandleSpan", "Level", "OrderbookView", "candlesticks_get", "markets_with_day_stats", "orderbook_at_seq",
    "orderbook_get",
]
