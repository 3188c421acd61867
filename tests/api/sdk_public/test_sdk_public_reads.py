"""Unmodified Kalshi client libraries read the public market data from the live server."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.factories import make_market, make_user
from tests.support.market_data import place

SCRIPT = Path(__file__).with_name("kalshi_sync_reads.py")
pytestmark = [pytest.mark.sdk, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def traded():
    """Two markets of series SDKS; SDKS-A has YES bids at 40, a YES ask at 60 and one trade at 40."""
    market = make_market("SDKS-A", series="SDKS")
    make_market("SDKS-B", series="SDKS")
    maker, taker = make_user(), make_user()
    place(maker, market.ticker, "yes", "buy", 40, 5)
    place(maker, market.ticker, "yes", "sell", 60, 2)
    place(taker, market.ticker, "no", "buy", 40, 1)  # NO taker hits the 40 bid
    return market


def _run_sync_sdk(python: str, base: str) -> dict:
    now = int(time.time())
    result = subprocess.run([python, str(SCRIPT), base, "SDKS", "SDKS-EV", "SDKS-A", str(now - 300), str(now + 60)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout)


def _assert_reads(out: dict) -> None:
    assert out["trading_active"] is True
    assert "SDKS" in out["series"] and out["series_fee_type"] == "quadratic"
    assert out["events"] == ["SDKS-EV"] and out["event_markets"] == ["SDKS-A", "SDKS-B"]
    assert out["pages"] == [["SDKS-A"], ["SDKS-B"], ""]
    assert out["market"] == {"ticker": "SDKS-A", "status": "active", "yes_bid_dollars": "0.4000"}
    assert out["yes_dollars"] == [["0.4000", "4.00"]] and out["no_dollars"] == [["0.4000", "2.00"]]
    assert out["trades"] == [["0.4000", "no"]]
    assert out["candle_volume"] == 1


def test_kalshi_python_sync_3_2(legacy_server_url, traded):
    """kalshi-python-sync 3.2.0 validates series, events, markets, book, trades and candles strictly, against the
    API of its day (a pre-2026 KALSHI_API_DATE: its models require the cent fields production dropped in 2026)."""
    _assert_reads(_run_sync_sdk(sys.executable, legacy_server_url))


def test_kalshi_python_sync_3_34(live_server_url, traded):
    """kalshi-python-sync 3.34.0 (its own virtualenv) validates the same reads strictly."""
    python = os.environ.get("KALSHI_SDK334_PYTHON")
    if not python:
        pytest.skip("KALSHI_SDK334_PYTHON is not set (scripts/test sets it)")
    _assert_reads(_run_sync_sdk(python, live_server_url))


def test_kalshi_sdk_market_reads(live_server_url, traded, api_key, tmp_path):
    """kalshi-sdk (module `kalshi`) lists and pages markets, reads the book, trades and candles.

    It refuses to ask for a book without credentials, so it signs; a signed public read must work."""
    from kalshi import KalshiClient

    key, _ = api_key
    client = KalshiClient(base_url=f"{live_server_url}/trade-api/v2", key_id=str(key.key_id),
                          private_key_path=str(tmp_path / f"{key.key_id}.pem"))
    tickers = [m.ticker for m in client.markets.list_all(series_ticker="SDKS", limit=1)]
    assert tickers == ["SDKS-A", "SDKS-B"]
    market = client.markets.get("SDKS-A")
    assert str(market.yes_bid) == "0.4000" and market.status == "active"
    book = client.markets.orderbook("SDKS-A")
    assert [(str(level.price), str(level.quantity)) for level in book.yes] == [("0.4000", "4.00")]
    books = client.markets.bulk_orderbooks(tickers=["SDKS-B", "SDKS-A"])
    assert [b.ticker for b in books] == ["SDKS-B", "SDKS-A"]
    trades = list(client.markets.list_all_trades(ticker="SDKS-A"))
    assert [(str(t.yes_price), t.taker_side) for t in trades] == [("0.4000", "no")]
    now = int(time.time())
    candles = client.markets.candlesticks("SDKS", "SDKS-A", start_ts=now - 300, end_ts=now + 60, period_interval=1)
    assert sum(c.volume for c in candles) == 1


def test_pykalshi_market_reads(live_server_url, traded, api_key, tmp_path):
    """pykalshi (which always signs) reads a market and its order book from the legacy `orderbook` key."""
    from pykalshi import KalshiClient

    key, _ = api_key
    client = KalshiClient(api_key_id=str(key.key_id), private_key_path=str(tmp_path / f"{key.key_id}.pem"),
                          api_base=f"{live_server_url}/trade-api/v2")
    market = client.get_market("SDKS-A")
    assert market.ticker == "SDKS-A"
    book = market.get_orderbook()
    assert book.best_yes_bid == "0.4000" and book.orderbook.no_dollars == [("0.4000", "2.00")]
