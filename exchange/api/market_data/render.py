"""Kalshi's response shapes for the public endpoints: the `_dollars` / `_fp` strings, plus the legacy
integer fields (cents, whole contracts) while the configured API date has them (exchange/api_changes)."""


from exchange.api.market_data.status import wire_status
from exchange.api_changes import Change, in_force
from exchange.engine.pricing import price_ranges
from exchange.engine.units import (
    ONE_CONTRACT,
    ONE_DOLLAR,
    count_to_contracts,
    count_to_fp,
    price_to_cents,
    units_to_dollars,
)
from exchange.models import Event, Market, Series, Trade
from exchange.selectors.candlesticks import Candle, Ohlc, TradeStats
from exchange.selectors.orderbook import Level, OrderbookView
from exchange.wire_fields import count_fields as _count
from exchange.wire_fields import legacy_integers
from exchange.wire_fields import price_fields as _price
from exchange.wire_time import rfc3339

# Market fields production dropped on the dates of these entries.
MARKET_CENT_FIELDS = ("response_price_units", "notional_value", "yes_bid", "yes_ask", "no_bid", "no_ask",
                      "last_price", "previous_yes_bid", "previous_yes_ask", "previous_price", "liquidity", "tick_size")
MARKET_CATEGORY_FIELDS = ("category", "risk_limit_cents")
MARKET_DEPRECATED_FIELDS = ("fractional_trading_enabled",)


def _multiplier(value: int) -> int | float:
    """Fee multiplier (stored in 1/10,000) as the JSON number Kalshi sends."""
    whole, rest = divmod(value, 10_000)
    return whole if rest == 0 else value / 10_000


def series_data(series: Series, *, volume: int | None = None) -> dict:
    data = {
        "ticker": series.ticker,
        "frequency": series.frequency,
        "title": series.title,
        "category": series.category,
        "categories": [series.category] if series.category else [],
        "tags": list(series.tags or []),
        "settlement_sources": [{"name": s.get("name", ""), "url": s.get("url", "")}
                               for s in series.settlement_sources or [] if isinstance(s, dict)],
        "contract_url": series.contract_url,
        "contract_terms_url": series.contract_url,
        "fee_type": series.fee_type,
        "fee_multiplier": _multiplier(series.fee_multiplier),
        "additional_prohibitions": [],
        "last_updated_ts": rfc3339(series.created_at),
    }
    if volume is not None:
        data.update(_count("volume", volume))
    return data


def event_data(event: Event, *, markets: list[dict] | None = None) -> dict:
    series = event.series
    data = {
        "event_ticker": event.event_ticker,
        "series_ticker": series.ticker,
        "sub_title": event.sub_title,
        "title": event.title,
        "collateral_return_type": "binary",
        "mutually_exclusive": event.mutually_exclusive,
        "category": event.category or series.category,
        "strike_date": rfc3339(event.strike_date) if event.strike_date else None,
        "available_on_brokers": False,
        "product_metadata": None,
        "settlement_sources": series_data(series)["settlement_sources"],
        "last_updated_ts": rfc3339(event.created_at),
    }
    if markets is not None:
        data["markets"] = markets
    return data


def market_data(market: Market, *, style: str | None = None) -> dict:
    """A market annotated by `selectors.markets_with_day_stats`, with the fields the API date has."""
    data = _market_fields(market, style)
    dropped = [fields for change, fields in ((Change.MARKET_CENT_FIELDS_REMOVED, MARKET_CENT_FIELDS),
                                             (Change.MARKET_CATEGORY_REMOVED, MARKET_CATEGORY_FIELDS),
                                             (Change.MARKET_DEPRECATED_FIELDS_REMOVED, MARKET_DEPRECATED_FIELDS))
               if in_force(change)]
    for fields in dropped:
        for name in fields:
            data.pop(name, None)
    return data


def _market_fields(market: Market, style: str | None) -> dict:
    """Every field a market has had; the cent-denominated ones until market_data drops them by date."""
    # As on Kalshi (and in the WebSocket ticker): no bids quote 0, no asks quote $1; NO mirrors YES.
    yes_bid = market.yes_bid if market.yes_bid_size else 0
    yes_ask = market.yes_ask if market.yes_ask_size else ONE_DOLLAR
    no_bid, no_ask = ONE_DOLLAR - yes_ask, ONE_DOLLAR - yes_bid
    day_ago = market.day_ago or {}
    liquidity = (market.bid_value + market.ask_value) // ONE_CONTRACT
    settled_value = {"yes": ONE_DOLLAR, "no": 0}.get(market.result)
    series = market.event.series
    data = {
        "ticker": market.ticker,
        "event_ticker": market.event.event_ticker,
        "market_type": "binary",
        "title": market.title,
        "subtitle": market.subtitle,
        "yes_sub_title": market.yes_sub_title,
        "no_sub_title": market.no_sub_title,
        "created_time": rfc3339(market.created_at),
        "updated_time": rfc3339(market.updated_at),
        "open_time": rfc3339(market.open_time),
        "close_time": rfc3339(market.close_time),
        "expected_expiration_time": rfc3339(market.expiration_time),
        "expiration_time": rfc3339(market.expiration_time),
        "latest_expiration_time": rfc3339(market.expiration_time),
        "settlement_timer_seconds": market.settlement_timer_seconds,
        "status": wire_status(market.status, style),
        "response_price_units": "usd_cent",
        **_price("yes_bid", yes_bid, legacy=True), **_count("yes_bid_size", market.yes_bid_size),
        **_price("yes_ask", yes_ask, legacy=True), **_count("yes_ask_size", market.yes_ask_size),
        **_price("no_bid", no_bid, legacy=True), **_price("no_ask", no_ask, legacy=True),
        **_price("last_price", market.last_price, legacy=True),
        **_count("volume", market.volume), **_count("volume_24h", market.volume_24h),
        "result": market.result,
        "can_close_early": market.can_close_early,
        **_count("open_interest", market.open_interest),
        **_price("notional_value", ONE_DOLLAR, legacy=True),
        **_price("previous_yes_bid", day_ago.get("yes_bid", 0), legacy=True),
        **_price("previous_yes_ask", day_ago.get("yes_ask", 0), legacy=True),
        **_price("previous_price", day_ago.get("last_price", 0), legacy=True),
        **_price("liquidity", liquidity, legacy=True),
        "settlement_bounds_type": "default",
        "expiration_value": "",
        "category": series.category,
        "risk_limit_cents": 0,
        "tick_size": max(1, price_to_cents(min(tick for _, _, tick in price_ranges(market.price_level_structure)))),
        "rules_primary": market.rules_primary,
        "rules_secondary": market.rules_secondary,
        "price_level_structure": market.price_level_structure,
        "price_ranges": [
            {"start": units_to_dollars(start), "end": units_to_dollars(end), "step": units_to_dollars(tick)}
            for start, end, tick in price_ranges(market.price_level_structure)
        ],
        "fractional_trading_enabled": market.fractional_trading_enabled,
        "is_provisional": False,
    }
    if settled_value is not None and market.determined_at is not None:
        data.update(_price("settlement_value", settled_value))
    if market.settled_at is not None:
        data["settlement_ts"] = rfc3339(market.settled_at)
    return data


def trade_data(trade: Trade, ticker: str) -> dict:
    taker_side = "yes" if trade.taker_book_side == "bid" else "no"
    data = {
        "trade_id": str(trade.id),
        "ticker": ticker,
        **_count("count", trade.count),
        **_price("yes_price", trade.price),
        **_price("no_price", ONE_DOLLAR - trade.price),
        "taker_side": taker_side,
        "taker_outcome_side": taker_side,
        "taker_book_side": trade.taker_book_side,
        "created_time": rfc3339(trade.created_at),
        "is_block_trade": False,
    }
    if legacy_integers():
        data["price"] = price_to_cents(trade.price)
    return data


def _legacy_levels(levels: list[Level]) -> list[list[int]]:
    """[[cents, contracts], ...]; sub-cent levels merge into their whole cent, as the integer form allows."""
    merged: dict[int, int] = {}
    for level in levels:
        cents = price_to_cents(level.price)
        merged[cents] = merged.get(cents, 0) + level.count
    return [[cents, count_to_contracts(count)] for cents, count in sorted(merged.items())]


def _fp_levels(levels: list[Level]) -> list[list[str]]:
    return [[units_to_dollars(level.price), count_to_fp(level.count)] for level in levels]


def orderbook_fp(view: OrderbookView) -> dict:
    return {"yes_dollars": _fp_levels(view.yes), "no_dollars": _fp_levels(view.no)}


def orderbook_data(view: OrderbookView) -> dict:
    """`orderbook_fp`, and the legacy `orderbook` (integers plus dollar strings) while the API date has it."""
    fp = orderbook_fp(view)
    if not legacy_integers():
        return {"orderbook_fp": fp}
    return {
        "orderbook": {"yes": _legacy_levels(view.yes), "no": _legacy_levels(view.no), **fp},
        "orderbook_fp": fp,
    }


def _ohlc(ohlc: Ohlc) -> dict:
    return {**_price("open", ohlc.open), **_price("low", ohlc.low), **_price("high", ohlc.high),
            **_price("close", ohlc.close)}


def _trade_stats(stats: TradeStats) -> dict:
    data: dict = {}
    for name in ("open", "low", "high", "close", "mean", "previous"):
        value = getattr(stats, name)
        data.update(_price(name, value) if value is not None else _price_none(name))
    return data


def _price_none(name: str) -> dict:
    return {f"{name}_dollars": None, **({name: None} if legacy_integers() else {})}


def candle_data(candle: Candle) -> dict:
    return {
        "end_period_ts": candle.end_ts,
        "yes_bid": _ohlc(candle.yes_bid),
        "yes_ask": _ohlc(candle.yes_ask),
        "price": _trade_stats(candle.price),
        **_count("volume", candle.volume),
        **_count("open_interest", candle.open_interest),
    }

