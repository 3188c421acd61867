"""Candlesticks computed from stored trades and the outbox's ticker states."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from exchange.models import Market, MarketEvent, Trade
from tests.support.factories import make_market, make_user
from tests.support.market_data import place

API = "/trade-api/v2"
# These check the legacy integer fields next to the new ones: the API before 2026.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("legacy_api")]
BASE = 1_699_999_200  # a whole hour, in the past


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(BASE + seconds, UTC)


def _place_at(seconds: int, *args) -> None:
    """Place an order, then date its ticker states and trades `seconds` after BASE."""
    last_event = MarketEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    before = set(Trade.objects.values_list("id", flat=True))
    place(*args)
    MarketEvent.objects.filter(id__gt=last_event).update(created_at=_at(seconds))
    Trade.objects.exclude(id__in=before).update(created_at=_at(seconds))


@pytest.fixture
def history():
    """Bid 40 at +10 s, ask 60 at +20 s, 2 traded at 60 at +30 s, 1 traded at 40 at +70 s."""
    market = make_market("CNDL", series="CS")
    Market.objects.filter(pk=market.pk).update(open_time=_at(-600))
    maker, taker = make_user(), make_user()
    _place_at(10, maker, "CNDL", "yes", "buy", 40, 5)
    _place_at(20, maker, "CNDL", "yes", "sell", 60, 5)
    _place_at(30, taker, "CNDL", "yes", "buy", 60, 2)
    _place_at(70, taker, "CNDL", "yes", "sell", 40, 1)
    market.refresh_from_db()
    return market


def _candles(client, query: str) -> list[dict]:
    response = client.get(f"{API}/series/CS/markets/CNDL/candlesticks?{query}")
    assert response.status_code == 200, response.content
    assert response.json()["ticker"] == "CNDL"
    return response.json()["candlesticks"]


def test_minute_candles_follow_the_book_and_the_trades(history):
    """One-minute candles carry bid/ask OHLC from book states and price OHLC from trades."""
    candles = _candles(APIClient(), f"start_ts={BASE}&end_ts={BASE + 180}&period_interval=1")
    assert [c["end_period_ts"] for c in candles] == [BASE, BASE + 60, BASE + 120, BASE + 180]
    before, first, second, quiet = candles
    assert before["yes_bid"]["close"] == 0 and before["price"]["close"] is None and before["volume"] == 0
    assert (first["yes_bid"]["open"], first["yes_bid"]["low"], first["yes_bid"]["high"],
            first["yes_bid"]["close"]) == (0, 0, 40, 40)
    assert (first["yes_ask"]["open_dollars"], first["yes_ask"]["close_dollars"]) == ("0.0000", "0.6000")
    assert (first["price"]["open"], first["price"]["close"], first["price"]["previous"]) == (60, 60, None)
    assert (first["volume"], first["volume_fp"]) == (2, "2.00")
    assert (second["price"]["close_dollars"], second["price"]["previous_dollars"]) == ("0.4000", "0.6000")
    assert second["volume_fp"] == "1.00"
    assert (quiet["price"]["close"], quiet["price"]["previous"], quiet["volume"]) == (None, 40, 0)
    assert quiet["yes_bid"] == second["yes_bid"] | {"open": 40, "open_dollars": "0.4000", "low": 40,
                                                    "low_dollars": "0.4000"}
    assert quiet["open_interest_fp"] == f"{history.open_interest // 100}.00"


def test_hour_candle_aggregates_the_trades(history):
    """An hourly candle has the period's open, high, low, close and volume-weighted mean."""
    candles = _candles(APIClient(), f"start_ts={BASE + 1}&end_ts={BASE + 3600}&period_interval=60")
    assert [c["end_period_ts"] for c in candles] == [BASE + 3600]
    price = candles[0]["price"]
    assert (price["open"], price["high"], price["low"], price["close"]) == (60, 60, 40, 40)
    assert (price["mean"], price["mean_dollars"]) == (53, "0.5333")
    assert candles[0]["volume"] == 3


def test_candles_before_the_market_opened_are_omitted(history):
    """Periods that end before the market opened produce no candles."""
    candles = _candles(APIClient(), f"start_ts={BASE - 7200}&end_ts={BASE}&period_interval=60")
    assert [c["end_period_ts"] for c in candles] == [BASE]


def test_batch_candlesticks_per_market(history):
    """GET /markets/candlesticks answers one entry per requested market."""
    make_market("CNDL2", series="CS")
    body = APIClient().get(f"{API}/markets/candlesticks?market_tickers=CNDL,CNDL2&start_ts={BASE}"
                           f"&end_ts={BASE + 120}&period_interval=1").json()
    assert [m["market_ticker"] for m in body["markets"]] == ["CNDL", "CNDL2"]
    assert [c["volume"] for c in body["markets"][0]["candlesticks"]] == [0, 2, 1]
    assert body["markets"][1]["candlesticks"] == []


@pytest.mark.parametrize(("query", "status"), [
    ("start_ts=10&end_ts=20&period_interval=5", 400),
    ("start_ts=20&end_ts=10&period_interval=1", 400),
    ("end_ts=10&period_interval=1", 400),
    ("start_ts=0&end_ts=864000&period_interval=1", 400),
    ("start_ts=x&end_ts=10&period_interval=1", 400),
])
def test_bad_candle_parameters_are_400(history, query, status):
    """Bad periods, reversed or oversized ranges and missing values answer 400."""
    assert APIClient().get(f"{API}/series/CS/markets/CNDL/candlesticks?{query}").status_code == status


def test_candles_of_a_market_outside_the_series_are_404(history):
    """The market must belong to the series in the path."""
    query = f"start_ts={BASE}&end_ts={BASE + 60}&period_interval=1"
    assert APIClient().get(f"{API}/series/OTHER/markets/CNDL/candlesticks?{query}").status_code == 404
    assert APIClient().get(f"{API}/markets/candlesticks?market_tickers=NOPE&{query}").status_code == 404


def test_candle_window_uses_whole_periods():
    """Days are aligned to midnight UTC and the span is limited to what was asked."""
    from exchange.selectors import CandleSpan
    span = CandleSpan.covering(BASE + 1, BASE + 86400, 1440)
    assert span.first_end % 86400 == 0 and span.count == 2
    assert timedelta(seconds=span.period) == timedelta(days=1)
