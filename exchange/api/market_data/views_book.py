"""Order books and candlesticks."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from exchange.api.market_data import docs_schemas as schemas
from exchange.api.market_data.params import bad, int_param, list_param, ts_param
from exchange.api.market_data.render import candle_data, orderbook_data
from exchange.api.market_data.views_catalog import PublicView
from exchange.engine.rejects import RejectCode
from exchange.models import Market
from exchange.selectors import CandleSpan, candlesticks_get, orderbook_get
from exchange.services.errors import ExchangeError

MAX_TICKERS = 100
PERIODS = (1, 60, 1440)
MAX_CANDLES_PER_MARKET = 5000
MAX_CANDLES_TOTAL = 10_000


def _markets(tickers: list[str]) -> list[Market]:
    """The markets named, in the order asked; 404 naming any that do not exist."""
    if not tickers:
        raise bad("at least one ticker is required")
    if len(tickers) > MAX_TICKERS:
        raise bad(f"at most {MAX_TICKERS} tickers per request")
    found = {m.ticker: m for m in Market.objects.filter(ticker__in=tickers).select_related("event__series")}
    if missing := [t for t in tickers if t not in found]:
        raise ExchangeError(RejectCode.MARKET_NOT_FOUND, f"market {', '.join(missing)} not found")
    return [found[t] for t in tickers]


class OrderbookView(PublicView):
    @extend_schema(operation_id="GetMarketOrderbook", tags=["market"], parameters=schemas.ORDERBOOK_PARAMS,
                   responses={200: schemas.OrderbookResponse, 400: schemas.ErrorResponse,
                              404: schemas.ErrorResponse})
    def get(self, request: Request, ticker: str) -> Response:
        depth = int_param(request.query_params, "depth", default=0, maximum=100)
        market = _markets([ticker])[0]
        return Response(orderbook_data(orderbook_get(market, max(depth, 0))))


class OrderbooksView(PublicView):
    @extend_schema(operation_id="GetMarketOrderbooks", tags=["market"], parameters=schemas.ORDERBOOKS_PARAMS,
                   responses={200: schemas.OrderbooksResponse, 400: schemas.ErrorResponse,
                              404: schemas.ErrorResponse})
    def get(self, request: Request) -> Response:
        markets = _markets(list_param(request.query_params, "tickers"))
        return Response({"orderbooks": [{"ticker": m.ticker, **orderbook_data(orderbook_get(m))} for m in markets]})


def _span(params) -> CandleSpan:
    start_ts = ts_param(params, "start_ts", required=True)
    end_ts = ts_param(params, "end_ts", required=True)
    period = int_param(params, "period_interval", required=True)
    if period not in PERIODS:
        raise bad("period_interval must be 1, 60 or 1440")
    if start_ts > end_ts:
        raise bad("start_ts must not be after end_ts")
    span = CandleSpan.covering(start_ts, end_ts, period)
    if span.count > MAX_CANDLES_PER_MARKET:
        raise bad(f"the range covers {span.count} candlesticks; at most {MAX_CANDLES_PER_MARKET} per market")
    return span


class MarketCandlesticksView(PublicView):
    @extend_schema(operation_id="GetMarketCandlesticks", tags=["market"], parameters=schemas.CANDLE_PARAMS,
                   responses={200: schemas.CandlesticksResponse, 400: schemas.ErrorResponse,
                              404: schemas.ErrorResponse})
    def get(self, request: Request, series_ticker: str, ticker: str) -> Response:
        span = _span(request.query_params)
        market = _markets([ticker])[0]
        if market.event.series.ticker != series_ticker:
            raise ExchangeError(RejectCode.MARKET_NOT_FOUND, f"market {ticker} not found in series {series_ticker}")
        candles = candlesticks_get(market, span, now=timezone.now())
        return Response({"ticker": market.ticker, "candlesticks": [candle_data(c) for c in candles]})


class BatchCandlesticksView(PublicView):
    @extend_schema(operation_id="BatchGetMarketCandlesticks", tags=["market"],
                   parameters=schemas.BATCH_CANDLE_PARAMS,
                   responses={200: schemas.BatchCandlesticksResponse, 400: schemas.ErrorResponse,
                              404: schemas.ErrorResponse})
    def get(self, request: Request) -> Response:
        span = _span(request.query_params)
        markets = _markets(list_param(request.query_params, "market_tickers"))
        if span.count * len(markets) > MAX_CANDLES_TOTAL:
            raise bad(f"at most {MAX_CANDLES_TOTAL} candlesticks per request")
        now = timezone.now()
        return Response({"markets": [
            {"market_ticker": m.ticker, "candlesticks": [candle_data(c) for c in candlesticks_get(m, span, now=now)]}
            for m in markets
        ]})
