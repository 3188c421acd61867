"""Order books and public trades built from real resting orders and executions."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from exchange.models import Trade
from tests.support.factories import make_market, make_user
from tests.support.market_data import place

API = "/trade-api/v2"
# These check the legacy integer fields next to the new ones: the API before 2026.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("legacy_api")]


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def book():
    """YES bids at 30 (2+3 contracts) and 35 (1); YES asks at 60 (4) and 70 (5), i.e. NO bids at 40 and 30."""
    market = make_market("BOOK")
    maker = make_user()
    place(maker, "BOOK", "yes", "buy", 30, 2)
    place(make_user(), "BOOK", "yes", "buy", 30, 3)
    place(maker, "BOOK", "yes", "buy", 35, 1)
    place(maker, "BOOK", "no", "buy", 60, 4)
    place(maker, "BOOK", "yes", "sell", 70, 5)
    return market


def test_orderbook_lists_yes_bids_and_no_bids_ascending(client, book):
    """YES bids and NO bids (asks at 1 - price) aggregate per level, sorted by ascending price."""
    body = client.get(f"{API}/markets/BOOK/orderbook").json()
    assert body["orderbook"]["yes"] == [[30, 5], [35, 1]]
    assert body["orderbook"]["no"] == [[30, 5], [40, 4]]
    assert body["orderbook"]["yes_dollars"] == [["0.3000", "5.00"], ["0.3500", "1.00"]]
    assert body["orderbook_fp"] == {"yes_dollars": [["0.3000", "5.00"], ["0.3500", "1.00"]],
                                    "no_dollars": [["0.3000", "5.00"], ["0.4000", "4.00"]]}


def test_orderbook_depth_keeps_the_best_levels(client, book):
    """depth=1 keeps each side's best (highest) bid; depth 0 or negative keeps all."""
    body = client.get(f"{API}/markets/BOOK/orderbook?depth=1").json()
    assert body["orderbook_fp"] == {"yes_dollars": [["0.3500", "1.00"]], "no_dollars": [["0.4000", "4.00"]]}
    assert len(client.get(f"{API}/markets/BOOK/orderbook?depth=-1").json()["orderbook"]["yes"]) == 2


def test_orderbook_drops_filled_and_canceled_orders(client, book):
    """Executed and canceled quantity leaves the book."""
    taker = make_user()
    place(taker, "BOOK", "yes", "sell", 35, 1)  # takes the 35 bid
    place(taker, "BOOK", "yes", "buy", 60, 1)  # takes 1 of the 4 asked at 60
    body = client.get(f"{API}/markets/BOOK/orderbook").json()
    assert body["orderbook_fp"]["yes_dollars"] == [["0.3000", "5.00"]]
    assert body["orderbook_fp"]["no_dollars"] == [["0.3000", "5.00"], ["0.4000", "3.00"]]


def test_empty_book_has_empty_sides(client):
    """A market without resting orders has empty lists on both sides."""
    make_market("EMPTY")
    body = client.get(f"{API}/markets/EMPTY/orderbook").json()
    assert body == {"orderbook": {"yes": [], "no": [], "yes_dollars": [], "no_dollars": []},
                    "orderbook_fp": {"yes_dollars": [], "no_dollars": []}}


def test_fractional_and_subcent_levels(client):
    """Sub-cent prices and fractional counts keep full precision in the fixed-point arrays."""
    make_market("FINE", structure="deci_cent", fractional=True)
    from exchange import services
    from exchange.services.orders import OrderRequest
    services.order_create(user=make_user(), request=OrderRequest(ticker="FINE", side="yes", action="buy",
                                                                 yes_price=4250, count=150))
    body = client.get(f"{API}/markets/FINE/orderbook").json()
    assert body["orderbook_fp"]["yes_dollars"] == [["0.4250", "1.50"]]
    assert body["orderbook"]["yes"] == [[42, 1]]


@pytest.mark.parametrize(("path", "status"), [("markets/NOPE/orderbook", 404), ("markets/BOOK/orderbook?depth=x", 400),
                                              ("markets/BOOK/orderbook?depth=101", 400)])
def test_orderbook_errors(client, book, path, status):
    """Unknown tickers are 404 and bad depths 400, in Kalshi's error shape."""
    response = client.get(f"{API}/{path}")
    assert response.status_code == status and "code" in response.json()["error"]


def test_orderbooks_for_several_tickers(client, book):
    """GET /markets/orderbooks takes repeated or comma-separated tickers, answering in the order asked."""
    make_market("OTHER")
    for query in ("tickers=OTHER&tickers=BOOK", "tickers=OTHER,BOOK"):
        body = client.get(f"{API}/markets/orderbooks?{query}").json()
        assert [b["ticker"] for b in body["orderbooks"]] == ["OTHER", "BOOK"]
        assert body["orderbooks"][0]["orderbook_fp"] == {"yes_dollars": [], "no_dollars": []}
        assert body["orderbooks"][1]["orderbook_fp"]["yes_dollars"][-1] == ["0.3500", "1.00"]
    assert client.get(f"{API}/markets/orderbooks").status_code == 400
    assert client.get(f"{API}/markets/orderbooks?tickers=BOOK,NOPE").status_code == 404


def test_trades_show_both_prices_and_the_taker_side(client, book):
    """Each trade carries YES and NO prices in both units and the taker's side, newest first."""
    taker = make_user()
    place(taker, "BOOK", "yes", "buy", 60, 2)  # YES taker lifts the 60 ask
    place(taker, "BOOK", "no", "buy", 35, 1)  # NO taker hits the 35 bid
    trades = client.get(f"{API}/markets/trades?ticker=BOOK").json()["trades"]
    assert [(t["taker_side"], t["yes_price"], t["no_price"], t["count"]) for t in trades] == [
        ("no", 35, 65, 1), ("yes", 60, 40, 2)]
    newest = trades[0]
    assert (newest["yes_price_dollars"], newest["no_price_dollars"], newest["count_fp"]) == ("0.3500", "0.6500", "1.00")
    assert (newest["taker_book_side"], newest["taker_outcome_side"], newest["is_block_trade"]) == ("ask", "no", False)
    assert newest["price"] == 35 and newest["created_time"].endswith("Z")


def test_trades_paginate_and_filter_by_time(client, book):
    """Trades page with cursors ending in "" and filter on min_ts/max_ts."""
    taker = make_user()
    for _ in range(3):
        place(taker, "BOOK", "yes", "buy", 60, 1)
    first = client.get(f"{API}/markets/trades?limit=2").json()
    second = client.get(f"{API}/markets/trades?limit=2&cursor={first['cursor']}").json()
    assert len(first["trades"]) == 2 and len(second["trades"]) == 1 and second["cursor"] == ""
    assert not {t["trade_id"] for t in first["trades"]} & {t["trade_id"] for t in second["trades"]}
    old = Trade.objects.order_by("created_at").first()
    Trade.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    cutoff = int((timezone.now() - timedelta(hours=1)).timestamp())
    recent = client.get(f"{API}/markets/trades?min_ts={cutoff}").json()["trades"]
    older = client.get(f"{API}/markets/trades?max_ts={cutoff}").json()["trades"]
    assert len(recent) == 2 and [t["trade_id"] for t in older] == [str(old.id)]
    assert client.get(f"{API}/markets/trades?min_ts=abc").status_code == 400
    assert client.get(f"{API}/markets/trades?ticker=NOPE").json() == {"trades": [], "cursor": ""}
