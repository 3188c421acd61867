"""OpenAPI descriptions of the public responses and query parameters (documentation only: the
views render with exchange.api.market_data.render, and a test checks responses against these)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers as s


def _pair(kind: str, *names: str, nullable: bool = False, required: bool = True) -> dict:
    """Legacy integer field plus its fixed-point string: price -> `<name>`/`<name>_dollars`,
    count -> `<name>`/`<name>_fp`."""
    suffix = "_dollars" if kind == "price" else "_fp"
    unit = "cents" if kind == "price" else "whole contracts"
    fields = {}
    for name in names:
        fields[name] = s.IntegerField(help_text=f"In {unit} (legacy)", allow_null=nullable, required=required)
        fields[f"{name}{suffix}"] = s.CharField(
            help_text="Dollars, 4 decimals" if kind == "price" else "Contracts, 2 decimals",
            allow_null=nullable, required=required)
    return fields


def _serializer(name: str, fields: dict) -> type[s.Serializer]:
    return type(name, (s.Serializer,), dict(fields))


ErrorBody = _serializer("ErrorBody", {"code": s.CharField(), "message": s.CharField(), "details": s.CharField(),
                                      "service": s.CharField()})
ErrorResponse = _serializer("ErrorResponse", {"error": ErrorBody()})

SettlementSource = _serializer("SettlementSource", {"name": s.CharField(), "url": s.CharField()})
Series = _serializer("Series", {
    "ticker": s.CharField(), "frequency": s.CharField(), "title": s.CharField(), "category": s.CharField(),
    "categories": s.ListField(child=s.CharField()), "tags": s.ListField(child=s.CharField()),
    "settlement_sources": SettlementSource(many=True), "contract_url": s.CharField(),
    "contract_terms_url": s.CharField(),
    "fee_type": s.ChoiceField(choices=["quadratic", "quadratic_with_maker_fees", "flat"]),
    "fee_multiplier": s.FloatField(), "additional_prohibitions": s.ListField(child=s.CharField()),
    "last_updated_ts": s.DateTimeField(),
    **_pair("count", "volume", required=False),
})
SeriesListResponse = _serializer("GetSeriesListResponse", {"series": Series(many=True)})
SeriesResponse = _serializer("GetSeriesResponse", {"series": Series()})

PriceRange = _serializer("PriceRange", {"start": s.CharField(), "end": s.CharField(), "step": s.CharField()})
Market = _serializer("Market", {
    "ticker": s.CharField(), "event_ticker": s.CharField(), "market_type": s.ChoiceField(choices=["binary"]),
    "title": s.CharField(), "subtitle": s.CharField(), "yes_sub_title": s.CharField(),
    "no_sub_title": s.CharField(), "created_time": s.DateTimeField(), "updated_time": s.DateTimeField(),
    "open_time": s.DateTimeField(), "close_time": s.DateTimeField(),
    "expected_expiration_time": s.DateTimeField(), "expiration_time": s.DateTimeField(),
    "latest_expiration_time": s.DateTimeField(), "settlement_timer_seconds": s.IntegerField(),
    "status": s.ChoiceField(
        choices=["initialized", "inactive", "active", "closed", "determined", "finalized", "settled"],
        help_text='Lifecycle state; EXCHANGE["MARKET_STATUS_STYLE"] picks "finalized" or "settled" spelling'),
    "response_price_units": s.ChoiceField(choices=["usd_cent"]),
    **_pair("price", "yes_bid", "yes_ask", "no_bid", "no_ask", "last_price", "notional_value",
            "previous_yes_bid", "previous_yes_ask", "previous_price", "liquidity"),
    **_pair("count", "yes_bid_size", "yes_ask_size", "volume", "volume_24h", "open_interest"),
    "result": s.ChoiceField(choices=["yes", "no", ""]), "can_close_early": s.BooleanField(),
    **_pair("price", "settlement_value", required=False),
    "settlement_ts": s.DateTimeField(required=False),
    "settlement_bounds_type": s.ChoiceField(choices=["default", "floor"]),
    "expiration_value": s.CharField(allow_blank=True), "category": s.CharField(allow_blank=True),
    "risk_limit_cents": s.IntegerField(), "tick_size": s.IntegerField(),
    "rules_primary": s.CharField(allow_blank=True), "rules_secondary": s.CharField(allow_blank=True),
    "price_level_structure": s.CharField(), "price_ranges": PriceRange(many=True),
    "fractional_trading_enabled": s.BooleanField(), "is_provisional": s.BooleanField(),
})
MarketListResponse = _serializer("GetMarketsResponse", {
    "markets": Market(many=True), "cursor": s.CharField(allow_blank=True, help_text='"" on the last page')})
MarketResponse = _serializer("GetMarketResponse", {"market": Market()})

Event = _serializer("EventData", {
    "event_ticker": s.CharField(), "series_ticker": s.CharField(), "sub_title": s.CharField(allow_blank=True),
    "title": s.CharField(), "collateral_return_type": s.CharField(), "mutually_exclusive": s.BooleanField(),
    "category": s.CharField(allow_blank=True), "strike_date": s.DateTimeField(allow_null=True),
    "available_on_brokers": s.BooleanField(), "product_metadata": s.DictField(allow_null=True),
    "settlement_sources": SettlementSource(many=True), "last_updated_ts": s.DateTimeField(),
    "markets": Market(many=True, required=False, help_text="Only with with_nested_markets=true"),
})
EventListResponse = _serializer("GetEventsResponse", {"events": Event(many=True),
                                                      "cursor": s.CharField(allow_blank=True)})
EventResponse = _serializer("GetEventResponse", {"event": Event(), "markets": Market(many=True)})

Trade = _serializer("Trade", {
    "trade_id": s.CharField(), "ticker": s.CharField(), "price": s.IntegerField(help_text="YES price in cents"),
    **_pair("count", "count"), **_pair("price", "yes_price", "no_price"),
    "taker_side": s.ChoiceField(choices=["yes", "no"]), "taker_outcome_side": s.ChoiceField(choices=["yes", "no"]),
    "taker_book_side": s.ChoiceField(choices=["bid", "ask"]), "created_time": s.DateTimeField(),
    "is_block_trade": s.BooleanField(),
})
TradeListResponse = _serializer("GetTradesResponse", {"trades": Trade(many=True),
                                                      "cursor": s.CharField(allow_blank=True)})

_fp_levels = s.ListField(child=s.ListField(child=s.CharField(), min_length=2, max_length=2),
                         help_text='[["0.4000", "10.00"], ...]: dollar price and contracts, ascending price')
_legacy_levels = s.ListField(child=s.ListField(child=s.IntegerField(), min_length=2, max_length=2),
                             help_text="[[cents, contracts], ...], ascending price")
OrderbookFp = _serializer("OrderbookCountFp", {"yes_dollars": _fp_levels, "no_dollars": _fp_levels})
OrderbookLegacy = _serializer("Orderbook", {"yes": _legacy_levels, "no": _legacy_levels,
                                            "yes_dollars": _fp_levels, "no_dollars": _fp_levels})
OrderbookResponse = _serializer("GetMarketOrderbookResponse", {
    "orderbook": OrderbookLegacy(help_text="YES bids and NO bids (YES asks at the NO price)"),
    "orderbook_fp": OrderbookFp()})
MarketOrderbook = _serializer("MarketOrderbookFp", {"ticker": s.CharField(), "orderbook": OrderbookLegacy(),
                                                    "orderbook_fp": OrderbookFp()})
OrderbooksResponse = _serializer("GetMarketOrderbooksResponse", {"orderbooks": MarketOrderbook(many=True)})

BidAsk = _serializer("BidAskDistribution", _pair("price", "open", "low", "high", "close"))
PriceStats = _serializer("PriceDistribution", _pair("price", "open", "low", "high", "close", "mean", "previous",
                                                    nullable=True))
Candlestick = _serializer("MarketCandlestick", {
    "end_period_ts": s.IntegerField(), "yes_bid": BidAsk(), "yes_ask": BidAsk(), "price": PriceStats(),
    **_pair("count", "volume", "open_interest"),
})
CandlesticksResponse = _serializer("GetMarketCandlesticksResponse", {"ticker": s.CharField(),
                                                                     "candlesticks": Candlestick(many=True)})
MarketCandlesticks = _serializer("MarketCandlesticksResponse", {"market_ticker": s.CharField(),
                                                                "candlesticks": Candlestick(many=True)})
BatchCandlesticksResponse = _serializer("BatchGetMarketCandlesticksResponse",
                                        {"markets": MarketCandlesticks(many=True)})

ExchangeStatus = _serializer("ExchangeStatus", {"exchange_active": s.BooleanField(),
                                                "trading_active": s.BooleanField()})
DailySchedule = _serializer("DailySchedule", {"open_time": s.CharField(), "close_time": s.CharField()})
WeeklySchedule = _serializer("WeeklySchedule", {
    "start_time": s.DateTimeField(), "end_time": s.DateTimeField(),
    **{day: DailySchedule(many=True) for day in
       ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}})
MaintenanceWindow = _serializer("MaintenanceWindow", {"start_datetime": s.DateTimeField(),
                                                      "end_datetime": s.DateTimeField()})
Schedule = _serializer("Schedule", {"standard_hours": WeeklySchedule(many=True),
                                    "maintenance_windows": MaintenanceWindow(many=True)})
ScheduleResponse = _serializer("GetExchangeScheduleResponse", {"schedule": Schedule()})
Announcement = _serializer("Announcement", {
    "type": s.ChoiceField(choices=["info", "warning", "error"]), "message": s.CharField(),
    "delivery_time": s.DateTimeField(), "status": s.ChoiceField(choices=["active", "inactive"])})
AnnouncementsResponse = _serializer("GetExchangeAnnouncementsResponse", {"announcements": Announcement(many=True)})
UserDataTimestampResponse = _serializer("GetUserDataTimestampResponse", {"as_of_time": s.DateTimeField()})
HistoricalCutoffResponse = _serializer("GetHistoricalCutoffResponse", {
    "market_settled_ts": s.DateTimeField(), "trades_created_ts": s.DateTimeField(),
    "orders_updated_ts": s.DateTimeField()})


def _q(name: str, kind=OpenApiTypes.STR, description: str = "", required: bool = False, **extra) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=required, description=description, **extra)


LIMIT_CURSOR = [_q("limit", OpenApiTypes.INT, "Page size"), _q("cursor", description="Cursor from the previous page")]
STATUS = _q("status", description="Comma list of unopened, open, paused, closed, settled (or lifecycle states)")
SERIES_LIST_PARAMS = [_q("category"), _q("tags", description="Comma list; series with any of them"),
                      _q("include_volume", OpenApiTypes.BOOL)]
SERIES_PARAMS = [_q("include_volume", OpenApiTypes.BOOL)]
EVENT_LIST_PARAMS = [
    *LIMIT_CURSOR, _q("with_nested_markets", OpenApiTypes.BOOL), STATUS, _q("series_ticker"),
    _q("tickers", description="Comma list of event tickers"),
    _q("min_close_ts", OpenApiTypes.INT, "Events with a market closing after this Unix time"),
]
EVENT_PARAMS = [_q("with_nested_markets", OpenApiTypes.BOOL)]
MARKET_LIST_PARAMS = [
    *LIMIT_CURSOR, _q("event_ticker"), _q("series_ticker"), STATUS,
    _q("tickers", description="Comma list of market tickers"),
    *[_q(name, OpenApiTypes.INT, "Unix seconds") for name in (
        "min_close_ts", "max_close_ts", "min_created_ts", "max_created_ts", "min_settled_ts", "max_settled_ts")],
]
TRADE_LIST_PARAMS = [*LIMIT_CURSOR, _q("ticker"), _q("min_ts", OpenApiTypes.INT, "Unix seconds"),
                     _q("max_ts", OpenApiTypes.INT, "Unix seconds"), _q("is_block_trade", OpenApiTypes.BOOL)]
ORDERBOOK_PARAMS = [_q("depth", OpenApiTypes.INT, "Levels per side; 0 or negative for all (max 100)")]
ORDERBOOKS_PARAMS = [_q("tickers", {"type": "array", "items": {"type": "string"}}, "Up to 100 market tickers",
                        required=True, explode=True)]
_CANDLES = [_q("start_ts", OpenApiTypes.INT, "Unix seconds", required=True),
            _q("end_ts", OpenApiTypes.INT, "Unix seconds", required=True),
            _q("period_interval", OpenApiTypes.INT, "Minutes: 1, 60 or 1440", required=True, enum=[1, 60, 1440])]
CANDLE_PARAMS = _CANDLES
BATCH_CANDLE_PARAMS = [_q("market_tickers", description="Comma list of up to 100 market tickers", required=True),
                       *_CANDLES]
