"""Candlesticks of one market, computed from stored trades and the ticker states in the outbox.

A candle covers (end - period, end]. Its bid/ask OHLC starts from the state carried in from the
previous period; price statistics come from the trades inside it (None when nothing traded).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from exchange.models import Market, MarketEvent, Trade


@dataclass(frozen=True)
class CandleSpan:
    """Candle ends (Unix seconds) on period boundaries, first to last inclusive, period in seconds."""

    first_end: int
    last_end: int
    period: int

    @classmethod
    def covering(cls, start_ts: int, end_ts: int, period_minutes: int) -> "CandleSpan":
        """The candles ending at or after `start_ts`, up to the one containing `end_ts`."""
        period = period_minutes * 60
        return cls(-(-start_ts // period) * period, -(-end_ts // period) * period, period)

    @property
    def count(self) -> int:
        return max(0, (self.last_end - self.first_end) // self.period + 1)


@dataclass(frozen=True)
class Ohlc:
    open: int
    low: int
    high: int
    close: int


@dataclass(frozen=True)
class TradeStats:
    """Trade prices in one candle; every field None when nothing traded (except `previous`)."""

    open: int | None
    low: int | None
    high: int | None
    close: int | None
    mean: int | None
    previous: int | None


@dataclass(frozen=True)
class Candle:
    end_ts: int
    yes_bid: Ohlc
    yes_ask: Ohlc
    price: TradeStats
    volume: int
    open_interest: int


_EMPTY = {"yes_bid": 0, "yes_ask": 0, "open_interest": 0}


def candlesticks_get(market: Market, span: CandleSpan, *, now: datetime) -> list[Candle]:
    """The candles of `span` from the market's opening up to `now`."""
    if span.count == 0:
        return []
    window_start = _at(span.first_end - span.period)
    window_end = _at(span.last_end)
    tickers = MarketEvent.objects.filter(market=market, kind=MarketEvent.Kind.TICKER)
    opening = tickers.filter(created_at__lte=window_start).order_by("-id").values("payload").first()
    states = list(tickers.filter(created_at__gt=window_start, created_at__lte=window_end)
                  .order_by("id").values_list("created_at", "payload"))
    trades = Trade.objects.filter(market=market)
    before = trades.filter(created_at__lte=window_start).order_by("-created_at").values("price").first()
    fills = list(trades.filter(created_at__gt=window_start, created_at__lte=window_end)
                 .order_by("created_at").values_list("created_at", "price", "count"))

    state = opening["payload"] if opening else _EMPTY
    previous = before["price"] if before else None
    candles: list[Candle] = []
    s_i = t_i = 0
    for end_ts in range(span.first_end, span.last_end + 1, span.period):
        start, end = _at(end_ts - span.period), _at(end_ts)
        bids, asks = [state["yes_bid"]], [state["yes_ask"]]
        while s_i < len(states) and states[s_i][0] <= end:
            state = states[s_i][1]
            bids.append(state["yes_bid"])
            asks.append(state["yes_ask"])
            s_i += 1
        in_period = []
        while t_i < len(fills) and fills[t_i][0] <= end:
            in_period.append(fills[t_i])
            t_i += 1
        if end <= market.open_time or start >= now:
            previous = in_period[-1][1] if in_period else previous
            continue
        candles.append(Candle(
            end_ts=end_ts,
            yes_bid=Ohlc(bids[0], min(bids), max(bids), bids[-1]),
            yes_ask=Ohlc(asks[0], min(asks), max(asks), asks[-1]),
            price=_trade_stats(in_period, previous),
            volume=sum(count for _, _, count in in_period),
            open_interest=state["open_interest"],
        ))
        previous = in_period[-1][1] if in_period else previous
    return candles


def _trade_stats(trades: list[tuple[datetime, int, int]], previous: int | None) -> TradeStats:
    if not trades:
        return TradeStats(None, None, None, None, None, previous)
    prices = [price for _, price, _ in trades]
    volume = sum(count for _, _, count in trades)
    # Volume-weighted, rounded down to the $0.0001 grid.
    mean = sum(price * count for _, price, count in trades) // volume
    return TradeStats(prices[0], min(prices), max(prices), prices[-1], mean, previous)


def _at(ts: int) -> datetime:
    return datetime.fromtimestamp(0, UTC) + timedelta(seconds=ts)
