"""Public catalog endpoints: exchange state, series, events, markets."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from exchange import services
from exchange.models import ExchangeState, Market, MarketEvent, Series
from tests.support.factories import make_market, make_user
from tests.support.market_data import place

API = "/trade-api/v2"
# These check the legacy integer fields next to the new ones: the API before 2026.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("legacy_api")]


@pytest.fixture
def client():
    return APIClient()


def test_exchange_status_follows_the_switches(client):
    """GET /exchange/status reflects the exchange_active and trading_active switches."""
    assert client.get(f"{API}/exchange/status").json() == {"exchange_active": True, "trading_active": True}
    ExchangeState.objects.filter(pk=ExchangeState.current().pk).update(trading_active=False)
    assert client.get(f"{API}/exchange/status").json() == {"exchange_active": True, "trading_active": False}
    ExchangeState.objects.update(exchange_active=False, trading_active=True)
    assert client.get(f"{API}/exchange/status").json() == {"exchange_active": False, "trading_active": False}


def test_exchange_schedule_announcements_and_timestamps(client):
    """The schedule lists every day, announcements are empty, timestamps are RFC 3339 UTC."""
    schedule = client.get(f"{API}/exchange/schedule").json()["schedule"]
    week = schedule["standard_hours"][0]
    assert week["monday"] == [{"open_time": "00:00", "close_time": "23:59"}] == week["sunday"]
    assert schedule["maintenance_windows"] == []
    assert client.get(f"{API}/exchange/announcements").json() == {"announcements": []}
    assert client.get(f"{API}/exchange/user_data_timestamp").json()["as_of_time"].endswith("Z")
    cutoff = client.get(f"{API}/historical/cutoff").json()
    assert cutoff["market_settled_ts"] == cutoff["trades_created_ts"] == "1970-01-01T00:00:00Z"


def test_series_list_filters_by_category_and_tags(client):
    """GET /series filters on category and on any of the given tags."""
    Series.objects.create(ticker="ECON", title="Economy", category="Economics", tags=["Inflation", "Rates"])
    Series.objects.create(ticker="WX", title="Weather", category="Climate", tags=["Rain"])
    assert [s["ticker"] for s in client.get(f"{API}/series").json()["series"]] == ["ECON", "WX"]
    assert [s["ticker"] for s in client.get(f"{API}/series?category=Climate").json()["series"]] == ["WX"]
    assert [s["ticker"] for s in client.get(f"{API}/series?tags=rates,snow").json()["series"]] == ["ECON"]
    econ = client.get(f"{API}/series/ECON").json()["series"]
    assert econ["fee_type"] == "quadratic" and econ["fee_multiplier"] == 1 and econ["tags"] == ["Inflation", "Rates"]


def test_series_volume_counts_traded_contracts(client):
    """include_volume adds the series' traded contracts as volume/volume_fp."""
    market = make_market("VOL-1", series="VOLS")
    place(make_user(), market.ticker, "yes", "buy", 40, 3)
    place(make_user(), market.ticker, "no", "buy", 40, 3)
    series = client.get(f"{API}/series/VOLS?include_volume=true").json()["series"]
    assert (series["volume"], series["volume_fp"]) == (3, "3.00")


def test_unknown_series_and_event_are_404(client):
    """Unknown series and event tickers answer 404 in Kalshi's error shape."""
    for path in ("series/NOPE", "events/NOPE"):
        response = client.get(f"{API}/{path}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_event_detail_returns_event_and_markets(client):
    """GET /events/{t} answers {"event", "markets"}; nested markets only when asked."""
    make_market("EVT-A", series="EVS")
    make_market("EVT-B", series="EVS")
    body = client.get(f"{API}/events/EVS-EV").json()
    assert body["event"]["series_ticker"] == "EVS" and "markets" not in body["event"]
    assert [m["ticker"] for m in body["markets"]] == ["EVT-A", "EVT-B"]
    nested = client.get(f"{API}/events/EVS-EV?with_nested_markets=true").json()
    assert [m["ticker"] for m in nested["event"]["markets"]] == ["EVT-A", "EVT-B"]


def test_event_list_filters_and_nests(client):
    """GET /events filters by series and market status and nests markets on request."""
    make_market("E1-M", series="EONE")
    make_market("E2-M", series="ETWO", status=Market.Status.INITIALIZED)
    body = client.get(f"{API}/events?series_ticker=EONE&with_nested_markets=true").json()
    assert [e["event_ticker"] for e in body["events"]] == ["EONE-EV"] and body["cursor"] == ""
    assert [m["ticker"] for m in body["events"][0]["markets"]] == ["E1-M"]
    unopened = client.get(f"{API}/events?status=unopened").json()["events"]
    assert [e["event_ticker"] for e in unopened] == ["ETWO-EV"]


def test_markets_paginate_with_opaque_cursors(client):
    """Pages of GET /markets never repeat a cursor or a market and end with cursor ""."""
    tickers = [make_market(f"PAGE-{i}").ticker for i in range(5)]
    seen, cursors, cursor = [], [], None
    while True:
        url = f"{API}/markets?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).json()
        seen += [m["ticker"] for m in body["markets"]]
        cursor = body["cursor"]
        if cursor == "":
            break
        assert cursor not in cursors
        cursors.append(cursor)
    assert seen == tickers and len(cursors) == 2


def test_markets_filter_by_tickers_event_and_close_time(client):
    """tickers, event_ticker and min/max_close_ts narrow GET /markets."""
    soon = make_market("CLOSE-SOON", series="CLS", close_in=timedelta(hours=1))
    make_market("CLOSE-LATE", series="CLS", close_in=timedelta(days=10))
    make_market("OTHER", series="OTH")
    listed = lambda query: [m["ticker"] for m in client.get(f"{API}/markets?{query}").json()["markets"]]  # noqa: E731
    assert listed("tickers=OTHER,CLOSE-SOON") == ["CLOSE-SOON", "OTHER"]
    assert listed("event_ticker=CLS-EV") == ["CLOSE-SOON", "CLOSE-LATE"]
    cutoff = int((soon.close_time + timedelta(minutes=1)).timestamp())
    assert listed(f"series_ticker=CLS&max_close_ts={cutoff}") == ["CLOSE-SOON"]
    assert listed(f"series_ticker=CLS&min_close_ts={cutoff}") == ["CLOSE-LATE"]


def test_market_status_filter_uses_kalshi_words(client):
    """unopened/open/closed/settled select initialized/active/closed+determined/finalized markets."""
    statuses = ["initialized", "active", "inactive", "closed", "determined", "finalized"]
    for status in statuses:
        make_market(f"ST-{status}", status=status)
    listed = lambda word: [m["ticker"] for m in client.get(f"{API}/markets?status={word}").json()["markets"]]  # noqa: E731
    assert listed("unopened") == ["ST-initialized"]
    assert listed("open") == ["ST-active"]
    assert listed("paused") == ["ST-inactive"]
    assert listed("closed") == ["ST-closed", "ST-determined"]
    assert listed("settled") == ["ST-finalized"]
    assert listed("open,settled") == ["ST-active", "ST-finalized"]


@pytest.mark.parametrize(("style", "inactive", "finalized"), [("finalized", "inactive", "finalized"),
                                                             ("settled", "closed", "settled")])
def test_market_status_style_picks_the_sdk_generation(client, style, inactive, finalized):
    """MARKET_STATUS_STYLE chooses how paused and finalized markets are spelled."""
    make_market("SS-P", status=Market.Status.INACTIVE)
    make_market("SS-F", status=Market.Status.FINALIZED)
    make_market("SS-A")
    with override_settings(EXCHANGE={"MARKET_STATUS_STYLE": style}):
        markets = client.get(f"{API}/markets").json()["markets"]
    assert [m["status"] for m in markets] == [inactive, finalized, "active"]


@pytest.mark.parametrize("query", ["status=bogus", "limit=0", "limit=abc", "limit=1001",
                                   "min_close_ts=soon", "max_close_ts=99999999999999999999"])
def test_bad_market_parameters_are_400(client, query):
    """Bad query parameters answer 400 in Kalshi's error shape, never a 500."""
    response = client.get(f"{API}/markets?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameters"


def test_market_detail_carries_quotes_and_volume(client):
    """GET /markets/{t} shows the book top, last price, volume and open interest in both unit forms."""
    market = make_market("QUOTE")
    maker, taker = make_user(), make_user()
    place(maker, market.ticker, "yes", "buy", 40, 10)
    place(maker, market.ticker, "no", "buy", 55, 4)  # a YES ask at 55
    place(taker, market.ticker, "yes", "buy", 55, 1)
    body = client.get(f"{API}/markets/QUOTE").json()["market"]
    assert (body["yes_bid"], body["yes_bid_dollars"], body["yes_bid_size_fp"]) == (40, "0.4000", "10.00")
    assert (body["yes_ask"], body["yes_ask_dollars"], body["yes_ask_size_fp"]) == (55, "0.5500", "3.00")
    assert (body["no_bid_dollars"], body["no_ask_dollars"]) == ("0.4500", "0.6000")
    assert (body["last_price"], body["last_price_dollars"]) == (55, "0.5500")
    assert (body["volume"], body["volume_fp"], body["volume_24h"]) == (1, "1.00", 1)
    assert (body["open_interest"], body["open_interest_fp"]) == (1, "1.00")
    assert body["status"] == "active" and body["created_time"].endswith("Z")
    assert body["price_ranges"] == [{"start": "0.0100", "end": "0.9900", "step": "0.0100"}]


def test_previous_quotes_come_from_the_state_a_day_ago(client):
    """previous_yes_bid/ask/price read the last ticker state at least a day old."""
    market = make_market("PREV")
    place(make_user(), market.ticker, "yes", "buy", 30, 1)
    MarketEvent.objects.filter(market=market).update(created_at=timezone.now() - timedelta(days=2))
    place(make_user(), market.ticker, "yes", "buy", 35, 1)
    body = client.get(f"{API}/markets/PREV").json()["market"]
    assert (body["yes_bid"], body["previous_yes_bid"], body["previous_yes_bid_dollars"]) == (35, 30, "0.3000")


def test_settled_market_shows_result_and_settlement_value(client):
    """A finalized market carries its result and settlement value."""
    market = make_market("DONE")
    services.market_close(ticker=market.ticker)
    services.market_determine(ticker=market.ticker, result="yes")
    services.market_settle(ticker=market.ticker)
    body = client.get(f"{API}/markets/DONE").json()["market"]
    assert body["status"] == "finalized" and body["result"] == "yes"
    assert (body["settlement_value"], body["settlement_value_dollars"]) == (100, "1.0000")
    assert body["settlement_ts"].endswith("Z")


def test_unknown_market_is_404(client):
    """An unknown market ticker answers 404 market_not_found."""
    response = client.get(f"{API}/markets/NOPE")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "market_not_found"


def test_empty_sides_quote_as_kalshi_does(client, db):
    """With no orders a market quotes YES bid 0 and YES ask $1, and NO mirrors them."""
    from tests.support.factories import make_market

    make_market("EMPTY-QUOTES")
    market = client.get("/trade-api/v2/markets/EMPTY-QUOTES").json()["market"]
    assert (market["yes_bid"], market["yes_ask"], market["no_bid"], market["no_ask"]) == (0, 100, 0, 100)
    assert (market["yes_ask_dollars"], market["no_ask_dollars"]) == ("1.0000", "1.0000")


@pytest.mark.parametrize("word", ["unopened", "open", "paused", "closed", "settled"])
def test_markets_status_filter_accepts_productions_words(client, word):
    """GET /markets?status= takes unopened, open, paused, closed and settled.

    Evidence: docs.kalshi.com/changelog, Dec 13, 2025 ("paused" filter) and Nov 11, 2025 (the filter words
    `unopened`, `open`, `closed`, `settled`); snapshot in GitHub ammario/kalshi-docs changelog.md.
    """
    assert client.get(f"/trade-api/v2/markets?status={word}").status_code == 200


@pytest.mark.parametrize("word", ["active", "initialized", "finalized", "determined", "inactive", "bogus"])
def test_markets_status_filter_refuses_other_words(client, word):
    """Lifecycle words that are not filter words are a 400, as on production.

    Evidence: the filter vocabulary above; production answers an unknown status filter with 400 (a
    production capture, and Kalshi's GetMarkets `status` enum in OpenAPI 3.13.0, GitHub
    TexasCoding/kalshi-python-sdk specs/openapi.yaml).
    """
    response = client.get(f"/trade-api/v2/markets?status={word}")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_parameters")


def test_garbage_cursor_reads_the_first_page(client):
    """A cursor that is not one of ours is ignored: the first page, not a 400.

    Evidence: production behaviour captured for GET /markets (a garbage `cursor` returns the first page);
    cursors are opaque to clients (docs.kalshi.com pagination).
    """
    make_market("CUR-A")
    first = client.get("/trade-api/v2/markets?limit=1").json()
    garbage = client.get("/trade-api/v2/markets?limit=1&cursor=!!!not-a-cursor").json()
    assert [m["ticker"] for m in garbage["markets"]] == [m["ticker"] for m in first["markets"]]
