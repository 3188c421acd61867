"""Public reads through an unmodified kalshi-python-sync (3.2.0 or 3.34.0, whichever imports).

Run as `python kalshi_sync_reads.py BASE_URL SERIES EVENT TICKER START END`; prints what the strictly
validated models hold, as JSON, for the calling test to assert.
"""

import json
import sys

from kalshi_python_sync import Configuration, KalshiClient
from kalshi_python_sync.api.events_api import EventsApi
from kalshi_python_sync.api.exchange_api import ExchangeApi
from kalshi_python_sync.api.market_api import MarketApi


def main() -> None:
    base, series, event, ticker, start, end = sys.argv[1:7]
    client = KalshiClient(Configuration(host=f"{base}/trade-api/v2"))
    markets, events, exchange = MarketApi(client), EventsApi(client), ExchangeApi(client)
    status = exchange.get_exchange_status()
    page = markets.get_markets(series_ticker=series, limit=1)
    second = markets.get_markets(series_ticker=series, limit=1, cursor=page.cursor)
    market = markets.get_market(ticker=ticker).market
    book = markets.get_market_orderbook(ticker=ticker)
    fp = getattr(book, "orderbook_fp", None) or book.orderbook
    trades = markets.get_trades(ticker=ticker)
    candles = markets.get_market_candlesticks(series_ticker=series, ticker=ticker, start_ts=int(start),
                                              end_ts=int(end), period_interval=1)
    out = {
        "trading_active": status.trading_active,
        "series": [s.ticker for s in markets.get_series_list().series],
        "series_fee_type": str(getattr(markets.get_series(series_ticker=series).series.fee_type, "value",
                                       markets.get_series(series_ticker=series).series.fee_type)),
        "events": [e.event_ticker for e in events.get_events(series_ticker=series, with_nested_markets=True).events],
        "event_markets": [m.ticker for m in events.get_event(event_ticker=event).markets],
        "pages": [[m.ticker for m in page.markets], [m.ticker for m in second.markets], second.cursor],
        "market": {"ticker": market.ticker, "status": market.status, "yes_bid_dollars": market.yes_bid_dollars},
        "yes_dollars": fp.yes_dollars,
        "no_dollars": fp.no_dollars,
        "trades": [[t.yes_price_dollars, t.taker_side] for t in trades.trades],
        "candle_volume": sum(int(float(getattr(c, "volume_fp", None) or c.volume)) for c in candles.candlesticks),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
