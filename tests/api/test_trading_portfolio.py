"""Portfolio reads, order groups, API keys and account limits over REST."""

import pytest
from django.contrib.auth import get_user_model

from exchange.models import ApiKey
from exchange.services import market_close, market_determine, market_settle
from tests.support.factories import make_market

# These check the legacy integer fields next to the new ones: the API before 2026.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits", "legacy_api")]


def trade(alice, bob, ticker: str, cents: int = 30, count: int = 4) -> None:
    assert alice.post("/portfolio/orders", {"ticker": ticker, "side": "yes", "action": "buy", "yes_price": cents,
                                            "count": count}).status_code == 201
    assert bob.post("/portfolio/orders", {"ticker": ticker, "side": "no", "action": "buy", "no_price": 100 - cents,
                                          "count": count}).status_code == 201


def test_balance_is_available_cash(alice, market):
    """balance is what is available for trading, in cents and dollars."""
    before = alice.get("/portfolio/balance").json()
    assert (before["balance"], before["balance_dollars"]) == (1_000_000, "10000.0000")
    alice.post("/portfolio/orders", {"ticker": market.ticker, "side": "yes", "action": "buy", "yes_price": 50,
                                     "count": 10})
    after = alice.get("/portfolio/balance").json()
    assert after["balance"] < before["balance"] - 500 + 1
    assert isinstance(after["updated_ts"], int) and after["portfolio_value"] == 0


def test_positions_after_a_trade(alice, bob, market):
    """Both sides of a trade hold opposite positions; event positions aggregate them."""
    trade(alice, bob, market.ticker)
    mine = alice.get("/portfolio/positions").json()
    [position] = mine["market_positions"]
    assert (position["ticker"], position["position"], position["position_fp"]) == (market.ticker, 4, "4.00")
    assert position["market_exposure"] == 120 and position["last_updated_ts"].endswith("Z")
    assert mine["event_positions"][0]["event_ticker"] == market.event.event_ticker
    theirs = bob.get(f"/portfolio/positions?ticker={market.ticker}&count_filter=position").json()
    assert theirs["market_positions"][0]["position_fp"] == "-4.00"
    assert alice.get("/portfolio/positions?count_filter=nonsense").status_code == 400
    assert alice.get("/portfolio/balance").json()["portfolio_value"] == 120


def test_positions_count_resting_orders_under_the_legacy_api(alice, bob, market):
    """Before production dropped it, `resting_orders_count` is the contracts still resting in the market."""
    trade(alice, bob, market.ticker)
    assert position_of(alice)["resting_orders_count"] == 0
    assert alice.post("/portfolio/orders", {"ticker": market.ticker, "side": "yes", "action": "buy",
                                            "yes_price": 20, "count": 3}).status_code == 201
    assert position_of(alice)["resting_orders_count"] == 3


def position_of(client) -> dict:
    [position] = client.get("/portfolio/positions").json()["market_positions"]
    return position


def test_fills_filter_by_order(alice, bob, market):
    """Fills can be narrowed to one order."""
    trade(alice, bob, market.ticker, count=2)
    other = make_market("TEST-OTHER")
    trade(alice, bob, other.ticker, count=3)
    fills = alice.get(f"/portfolio/fills?ticker={other.ticker}").json()["fills"]
    assert [f["count"] for f in fills] == [3]
    order_fills = alice.get(f"/portfolio/fills?order_id={fills[0]['order_id']}").json()["fills"]
    assert [f["fill_id"] for f in order_fills] == [fills[0]["fill_id"]]


def test_settlements_after_settle(alice, bob, market):
    """A settled market shows in settlements with the result and revenue."""
    trade(alice, bob, market.ticker, count=2)
    market_close(ticker=market.ticker)
    market_determine(ticker=market.ticker, result="yes")
    market_settle(ticker=market.ticker)
    [settlement] = alice.get("/portfolio/settlements").json()["settlements"]
    assert (settlement["market_result"], settlement["yes_count"], settlement["revenue"]) == ("yes", 2, 200)
    assert alice.get("/portfolio/positions?settlement_status=settled").json()["market_positions"]


def test_queue_positions_and_resting_value(alice, bob, market):
    """Queue position counts the contracts ahead at the same price."""
    first = bob.post("/portfolio/orders", {"ticker": market.ticker, "side": "yes", "action": "buy",
                                           "yes_price": 20, "count": 6}).json()["order"]["order_id"]
    mine = alice.post("/portfolio/orders", {"ticker": market.ticker, "side": "yes", "action": "buy",
                                            "yes_price": 20, "count": 5}).json()["order"]["order_id"]
    assert alice.get(f"/portfolio/orders/{mine}/queue_position").json() == {"queue_position": 6,
                                                                             "queue_position_fp": "6.00"}
    assert bob.get(f"/portfolio/orders/{first}/queue_position").json()["queue_position"] == 0
    [row] = alice.get(f"/portfolio/orders/queue_positions?market_tickers={market.ticker}").json()["queue_positions"]
    assert (row["order_id"], row["queue_position_fp"]) == (mine, "6.00")
    value = alice.get("/portfolio/summary/total_resting_order_value").json()
    assert value["total_resting_order_value"] == 100


def test_order_groups(alice, market):
    """Create, read, limit, trigger (cancels the group's orders), reset and delete an order group."""
    response = alice.post("/portfolio/order_groups/create", {"contracts_limit": 5})
    assert response.status_code == 201
    group_id = response.json()["order_group_id"]
    order_id = alice.post("/portfolio/orders", {"ticker": market.ticker, "side": "yes", "action": "buy",
                                                "yes_price": 10, "count": 1, "order_group_id": group_id}
                          ).json()["order"]["order_id"]
    group = alice.get(f"/portfolio/order_groups/{group_id}").json()
    assert group["orders"] == [order_id] and group["contracts_limit_fp"] == "5.00"
    assert alice.put(f"/portfolio/order_groups/{group_id}/limit", {"contracts_limit_fp": "7.00"}).status_code == 200
    assert alice.put(f"/portfolio/order_groups/{group_id}/trigger").status_code == 200
    assert alice.get(f"/portfolio/orders/{order_id}").json()["order"]["status"] == "canceled"
    assert alice.put(f"/portfolio/order_groups/{group_id}/reset").status_code == 200
    [listed] = alice.get("/portfolio/order_groups").json()["order_groups"]
    assert (listed["id"], listed["contracts_limit"]) == (group_id, 7)
    assert alice.delete(f"/portfolio/order_groups/{group_id}").status_code == 200
    assert alice.get(f"/portfolio/order_groups/{group_id}").status_code == 404


def test_api_keys(alice, trader):
    """Generate returns the private key once; list, create from a public key, and delete."""
    generated = alice.post("/api_keys/generate", {"name": "bot", "scopes": ["read"]})
    assert generated.status_code == 201
    key_id = generated.json()["api_key_id"]
    assert "PRIVATE KEY" in generated.json()["private_key"]
    assert ApiKey.objects.get(pk=key_id).scopes == ["read"]
    public_pem = ApiKey.objects.get(pk=key_id).public_key_pem
    created = alice.post("/api_keys", {"name": "mine", "public_key": public_pem})
    assert created.status_code == 201
    assert alice.post("/api_keys", {"name": "bad", "public_key": "nope"}).status_code == 400
    names = {k["name"] for k in alice.get("/api_keys").json()["api_keys"]}
    assert {"bot", "mine"} <= names
    assert alice.delete(f"/api_keys/{key_id}").status_code == 204
    assert alice.delete(f"/api_keys/{key_id}").status_code == 404
    assert get_user_model().objects.get(pk=trader.pk).api_keys.count() == 2


def test_account_limits_and_costs(alice):
    """Limits and endpoint costs report the numbers the rate limiter uses."""
    limits = alice.get("/account/limits").json()
    assert (limits["usage_tier"], limits["read"]["refill_rate"], limits["write"]["bucket_capacity"]) == (
        "basic", 200, 100)
    costs = alice.get("/account/endpoint_costs").json()
    assert costs["default_cost"] == 10


def test_endpoint_costs_as_production_lists_them(alice, settings):
    """Paths from the root with `:order_id` placeholders, V2 cancels at 2 and the legacy order endpoints at
    five times their V2 counterparts; only the non-default costs are listed (so not the V1 cancel at 10).

    Evidence: docs.kalshi.com/changelog, Apr 22, 2026 (endpoint cost introspection lists only non-default
    costs) and Jun 1, 2026 ("Legacy order mutation rate-limit costs increase to 5x V2": POST 50, DELETE 10);
    snapshot in GitHub ebowwa/dailydocupdates docs/kalshi/changelog/index.md.
    """
    settings.KALSHI_API_DATE = ""  # production today
    costs = {(c["method"], c["path"]): c["cost"] for c in alice.get("/account/endpoint_costs").json()["endpoint_costs"]}
    assert costs[("DELETE", "/trade-api/v2/portfolio/events/orders/:order_id")] == 2
    assert costs[("DELETE", "/trade-api/v2/portfolio/events/orders/batched")] == 2
    assert costs[("POST", "/trade-api/v2/portfolio/orders")] == 50
    assert ("DELETE", "/trade-api/v2/portfolio/orders/:order_id") not in costs  # 10, the default
    assert 10 not in costs.values()
