"""Series, events, markets and public trades."""

from django.db.models import Q, Sum
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from exchange.api.market_data import docs_schemas as schemas
from exchange.api.market_data.params import bad, bool_param, list_param, ts_datetime, ts_param
from exchange.api.market_data.render import event_data, market_data, series_data, trade_data
from exchange.api.market_data.status import parse_status_filter, status_style
from exchange.api.pagination import paginate, parse_limit
from exchange.engine.rejects import RejectCode
from exchange.models import Event, Market, Series, Trade
from exchange.selectors import markets_with_day_stats
from exchange.services.errors import ExchangeError


class PublicView(APIView):
    """Public market data: anyone may read; a signed request is authenticated but not required."""

    permission_classes = [AllowAny]

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # The database cannot compare text holding NUL; no ticker or filter value contains one.
        values = [*kwargs.values(), *request.query_params.keys(),
                  *(v for values in request.query_params.lists() for v in values[1])]
        if any("\x00" in str(value) for value in values):
            raise bad("parameters must not contain NUL characters")


def market_or_404(ticker: str) -> Market:
    market = markets_with_day_stats(Market.objects.filter(ticker=ticker), now=timezone.now()).first()
    if market is None:
        raise ExchangeError(RejectCode.MARKET_NOT_FOUND, f"market {ticker} not found")
    return market


def _series_volumes(tickers: list[str]) -> dict[str, int]:
    rows = (Market.objects.filter(event__series__ticker__in=tickers).values("event__series__ticker")
            .annotate(total=Sum("volume")))
    return {row["event__series__ticker"]: row["total"] or 0 for row in rows}


class SeriesListView(PublicView):
    @extend_schema(operation_id="GetSeriesList", tags=["market"], parameters=schemas.SERIES_LIST_PARAMS,
                   responses={200: schemas.SeriesListResponse, 400: schemas.ErrorResponse})
    def get(self, request: Request) -> Response:
        query = Series.objects.order_by("id")
        if category := request.query_params.get("category"):
            query = query.filter(category__iexact=category)
        series = list(query)
        if tags := list_param(request.query_params, "tags"):
            wanted = {tag.lower() for tag in tags}
            series = [s for s in series if wanted & {str(tag).lower() for tag in s.tags or []}]
        volumes = _series_volumes([s.ticker for s in series]) if bool_param(request.query_params,
                                                                            "include_volume") else None
        return Response({"series": [series_data(s, volume=None if volumes is None else volumes.get(s.ticker, 0))
                                    for s in series]})


class SeriesDetailView(PublicView):
    @extend_schema(operation_id="GetSeries", tags=["market"], parameters=schemas.SERIES_PARAMS,
                   responses={200: schemas.SeriesResponse, 404: schemas.ErrorResponse})
    def get(self, request: Request, series_ticker: str) -> Response:
        series = Series.objects.filter(ticker=series_ticker).first()
        if series is None:
            raise ExchangeError(RejectCode.NOT_FOUND, f"series {series_ticker} not found")
        volume = (_series_volumes([series.ticker]).get(series.ticker, 0)
                  if bool_param(request.query_params, "include_volume") else None)
        return Response({"series": series_data(series, volume=volume)})


def _markets_of(events: list[Event]) -> dict[int, list[dict]]:
    style = status_style()
    grouped: dict[int, list[dict]] = {event.id: [] for event in events}
    query = markets_with_day_stats(Market.objects.filter(event__in=events).order_by("id"), now=timezone.now())
    for market in query:
        grouped[market.event_id].append(market_data(market, style=style))
    return grouped


class EventListView(PublicView):
    @extend_schema(operation_id="GetEvents", tags=["events"], parameters=schemas.EVENT_LIST_PARAMS,
                   responses={200: schemas.EventListResponse, 400: schemas.ErrorResponse})
    def get(self, request: Request) -> Response:
        params = request.query_params
        limit = parse_limit(params.get("limit"), default=200, maximum=200)
        nested = bool_param(params, "with_nested_markets")
        query = Event.objects.select_related("series").order_by("id")
        if series_ticker := params.get("series_ticker"):
            query = query.filter(series__ticker=series_ticker)
        if tickers := list_param(params, "tickers"):
            query = query.filter(event_ticker__in=tickers)
        market_filter = Q()
        if statuses := parse_status_filter(params.get("status")):
            market_filter &= Q(markets__status__in=statuses)
        if (min_close := ts_param(params, "min_close_ts")) is not None:
            market_filter &= Q(markets__close_time__gt=ts_datetime(min_close))
        if market_filter:
            query = query.filter(id__in=Event.objects.filter(market_filter).values("id"))
        events, cursor = paginate(query, cursor=params.get("cursor"), limit=limit)
        markets = _markets_of(events) if nested else {}
        return Response({
            "events": [event_data(event, markets=markets.get(event.id) if nested else None) for event in events],
            "cursor": cursor,
        })


class EventDetailView(PublicView):
    @extend_schema(operation_id="GetEvent", tags=["events"], parameters=schemas.EVENT_PARAMS,
                   responses={200: schemas.EventResponse, 404: schemas.ErrorResponse})
    def get(self, request: Request, event_ticker: str) -> Response:
        event = Event.objects.select_related("series").filter(event_ticker=event_ticker).first()
        if event is None:
            raise ExchangeError(RejectCode.NOT_FOUND, f"event {event_ticker} not found")
        markets = _markets_of([event])[event.id]
        nested = bool_param(request.query_params, "with_nested_markets")
        return Response({"event": event_data(event, markets=markets if nested else None), "markets": markets})


class MarketListView(PublicView):
    @extend_schema(operation_id="GetMarkets", tags=["market"], parameters=schemas.MARKET_LIST_PARAMS,
                   responses={200: schemas.MarketListResponse, 400: schemas.ErrorResponse})
    def get(self, request: Request) -> Response:
        params = request.query_params
        limit = parse_limit(params.get("limit"))
        query = Market.objects.order_by("id")
        if event_tickers := list_param(params, "event_ticker"):
            query = query.filter(event__event_ticker__in=event_tickers)
        if series_ticker := params.get("series_ticker"):
            query = query.filter(event__series__ticker=series_ticker)
        if tickers := list_param(params, "tickers"):
            query = query.filter(ticker__in=tickers)
        if statuses := parse_status_filter(params.get("status")):
            query = query.filter(status__in=statuses)
        for name, lookup in (("min_close_ts", "close_time__gt"), ("max_close_ts", "close_time__lt"),
                             ("min_created_ts", "created_at__gt"), ("max_created_ts", "created_at__lt"),
                             ("min_settled_ts", "settled_at__gt"), ("max_settled_ts", "settled_at__lt")):
            if (ts := ts_param(params, name)) is not None:
                query = query.filter(**{lookup: ts_datetime(ts)})
        query = markets_with_day_stats(query, now=timezone.now())
        markets, cursor = paginate(query, cursor=params.get("cursor"), limit=limit)
        style = status_style()
        return Response({"markets": [market_data(m, style=style) for m in markets], "cursor": cursor})


class MarketDetailView(PublicView):
    @extend_schema(operation_id="GetMarket", tags=["market"],
                   responses={200: schemas.MarketResponse, 404: schemas.ErrorResponse})
    def get(self, request: Request, ticker: str) -> Response:
        return Response({"market": market_data(market_or_404(ticker))})


class TradeListView(PublicView):
    @extend_schema(operation_id="GetTrades", tags=["market"], parameters=schemas.TRADE_LIST_PARAMS,
                   responses={200: schemas.TradeListResponse, 400: schemas.ErrorResponse})
    def get(self, request: Request) -> Response:
        params = request.query_params
        limit = parse_limit(params.get("limit"))
        query = Trade.objects.select_related("market").order_by("-created_at", "-book_seq", "id")
        if ticker := params.get("ticker"):
            query = query.filter(market__ticker=ticker)
        min_ts, max_ts = ts_param(params, "min_ts"), ts_param(params, "max_ts")
        if min_ts is not None:
            query = query.filter(created_at__gte=ts_datetime(min_ts))
        if max_ts is not None:
            query = query.filter(created_at__lte=ts_datetime(max_ts))
        if min_ts is not None and max_ts is not None and min_ts > max_ts:
            raise bad("min_ts must not be after max_ts")
        if bool_param(params, "is_block_trade", default=False):
            # The exchange has no block trades.
            query = query.none()
        trades, cursor = paginate(query, cursor=params.get("cursor"), limit=limit)
        return Response({"trades": [trade_data(t, t.market.ticker) for t in trades], "cursor": cursor})

