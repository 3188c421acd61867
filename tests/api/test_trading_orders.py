"""Orders V1 over REST: create, read, amend, decrease, cancel, batches, and their errors."""

import pytest

from exchange.models import ExchangeState, Order

# V1 order writes and the legacy integer fields are what these tests exercise: the API before 2026.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits", "legacy_api")]


def buy_yes(ticker: str, cents: int = 40, count: int = 10, **extra) -> dict:
    return {"ticker": ticker, "side": "yes", "action": "buy", "type": "limit", "yes_price": cents, "count": count,
            **extra}


def test_create_returns_201_and_full_order(alice, market):
    """A V1 create answers 201 with the order in both legacy and fixed-point fields."""
    response = alice.post("/portfolio/orders", buy_yes(market.ticker, client_order_id="c1"))
    assert response.status_code == 201, response.content
    order = response.json()["order"]
    assert order["status"] == "resting"
    assert (order["yes_price"], order["yes_price_dollars"], order["no_price"], order["no_price_dollars"]) == (
        40, "0.4000", 60, "0.6000")
    assert (order["initial_count"], order["initial_count_fp"], order["remaining_count_fp"]) == (10, "10.00", "10.00")
    assert (order["book_side"], order["outcome_side"], order["type"]) == ("bid", "yes", "limit")
    assert order["client_order_id"] == "c1"
    assert order["created_time"].endswith("Z")


def test_no_price_dollars_is_converted_to_yes_price(alice, market):
    """Buying NO at $0.35 rests as an ask at YES $0.65."""
    body = {"ticker": market.ticker, "side": "no", "action": "buy", "no_price_dollars": "0.3500", "count_fp": "2.00"}
    order = alice.post("/portfolio/orders", body).json()["order"]
    assert (order["book_side"], order["yes_price_dollars"], order["no_price"]) == ("ask", "0.6500", 35)


@pytest.mark.parametrize("extra, code", [
    ({"yes_price": 40, "no_price": 60}, "invalid_price"),
    ({"yes_price": 0}, "invalid_price"),
    ({"yes_price": 100}, "invalid_price"),
    ({"yes_price": "40"}, "invalid_price"),
    ({"count": 10, "count_fp": "9.00"}, "invalid_count"),
    ({"count": 10**30}, "invalid_count"),
    ({"count": True}, "invalid_count"),
    ({"count": 0}, "invalid_count"),
    ({"sell_position_floor": 3}, "invalid_parameters"),
    ({"expiration_ts": 10**20}, "invalid_parameters"),
    ({"time_in_force": "forever"}, "invalid_parameters"),
])
def test_invalid_create_is_a_400_in_kalshi_shape(alice, market, extra, code):
    """Bad prices, counts and parameters are 400s with Kalshi's error object."""
    body = buy_yes(market.ticker)
    if "no_price" in extra or "count_fp" in extra:
        body.update(extra)
    else:
        body = {**body, **extra}
    response = alice.post("/portfolio/orders", body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], error["service"]) == (code, "exchange")


def test_unknown_market_is_404(alice):
    """An order on a market that does not exist is a 404."""
    response = alice.post("/portfolio/orders", buy_yes("NOPE"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "market_not_found"


def test_insufficient_balance_is_400(alice, market):
    """An order costing more than the available balance is rejected."""
    response = alice.post("/portfolio/orders", buy_yes(market.ticker, cents=99, count=1_000_000))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "insufficient_balance"


def test_duplicate_open_client_order_id_is_409(alice, market):
    """A client_order_id already used by a resting order is a conflict."""
    assert alice.post("/portfolio/orders", buy_yes(market.ticker, client_order_id="dup")).status_code == 201
    response = alice.post("/portfolio/orders", buy_yes(market.ticker, client_order_id="dup"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "order_already_exists"


def test_paused_exchange_is_503(alice, market):
    """With trading paused an order is refused with 503."""
    ExchangeState.objects.update_or_create(pk=1, defaults={"trading_active": False})
    response = alice.post("/portfolio/orders", buy_yes(market.ticker))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "exchange_unavailable"


def test_crossing_orders_execute_and_show_in_fills(alice, bob, market):
    """Bob selling YES into Alice's bid executes both; each sees a fill."""
    alice.post("/portfolio/orders", buy_yes(market.ticker, cents=45, count=5))
    sell = {"ticker": market.ticker, "side": "yes", "action": "sell", "yes_price": 45, "count": 5}
    order = bob.post("/portfolio/orders", sell).json()["order"]
    assert (order["status"], order["fill_count"], order["taker_fill_cost_dollars"]) == ("executed", 5, "2.7500")
    fills = alice.get("/portfolio/fills").json()
    assert fills["cursor"] == ""
    [fill] = fills["fills"]
    assert (fill["count"], fill["count_fp"], fill["yes_price"], fill["is_taker"], fill["side"]) == (
        5, "5.00", 45, False, "yes")


def test_get_another_users_order_is_404(alice, bob, market):
    """Another user's order is indistinguishable from a missing one."""
    order_id = alice.post("/portfolio/orders", buy_yes(market.ticker)).json()["order"]["order_id"]
    assert bob.get(f"/portfolio/orders/{order_id}").status_code == 404
    assert bob.delete(f"/portfolio/orders/{order_id}").status_code == 404
    assert alice.get("/portfolio/orders/not-a-uuid").status_code == 404


def test_cancel_reports_reduced_by(alice, market):
    """Cancelling returns the canceled order and how much was taken off the book."""
    order_id = alice.post("/portfolio/orders", buy_yes(market.ticker, count=7)).json()["order"]["order_id"]
    body = alice.delete(f"/portfolio/orders/{order_id}").json()
    assert (body["order"]["status"], body["reduced_by"], body["reduced_by_fp"]) == ("canceled", 7, "7.00")
    again = alice.delete(f"/portfolio/orders/{order_id}")
    assert (again.status_code, again.json()["error"]["code"]) == (404, "not_found")


def test_amend_changes_price_and_count(alice, market):
    """Amend returns the old and the new order."""
    order_id = alice.post("/portfolio/orders", buy_yes(market.ticker, count=5)).json()["order"]["order_id"]
    body = {"ticker": market.ticker, "side": "yes", "action": "buy", "yes_price": 42, "count": 8,
            "updated_client_order_id": "new"}
    response = alice.post(f"/portfolio/orders/{order_id}/amend", body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["old_order"]["yes_price"], data["order"]["yes_price"], data["order"]["remaining_count"]) == (40, 42, 8)
    assert data["order"]["client_order_id"] == "new"


def test_decrease_by_and_to(alice, market):
    """Decrease accepts reduce_by and reduce_to_fp."""
    order_id = alice.post("/portfolio/orders", buy_yes(market.ticker, count=10)).json()["order"]["order_id"]
    first = alice.post(f"/portfolio/orders/{order_id}/decrease", {"reduce_by": 3}).json()["order"]
    assert first["remaining_count"] == 7
    second = alice.post(f"/portfolio/orders/{order_id}/decrease", {"reduce_to_fp": "2.00"}).json()["order"]
    assert second["remaining_count_fp"] == "2.00"
    both = alice.post(f"/portfolio/orders/{order_id}/decrease", {"reduce_by": 1, "reduce_to": 1})
    assert both.status_code == 400


def test_batch_create_reports_each_item(alice, market):
    """A batch answers 201 with an order or an error per item, in request order."""
    items = [buy_yes(market.ticker, client_order_id="a"), buy_yes("NOPE"), {"ticker": market.ticker}, "junk"]
    response = alice.post("/portfolio/orders/batched", {"orders": items})
    assert response.status_code == 201, response.content
    results = response.json()["orders"]
    assert results[0]["order"]["client_order_id"] == "a" and results[0]["error"] is None
    assert [r["error"]["code"] for r in results[1:]] == ["market_not_found", "invalid_parameters",
                                                         "invalid_parameters"]


def test_batch_cancel_by_ids_and_orders(alice, bob, market):
    """Batch cancel accepts ids or orders and reports errors per item."""
    ids = [alice.post("/portfolio/orders", buy_yes(market.ticker, count=n)).json()["order"]["order_id"]
           for n in (1, 2)]
    response = alice.delete("/portfolio/orders/batched", {"ids": [ids[0], "bogus"]})
    first, second = response.json()["orders"]
    assert (first["reduced_by"], first["order"]["status"]) == (1, "canceled")
    assert second["error"]["code"] == "not_found"
    response = alice.delete("/portfolio/orders/batched", {"orders": [{"order_id": ids[1]}]})
    assert response.json()["orders"][0]["reduced_by_fp"] == "2.00"
    assert Order.objects.filter(status="resting").count() == 0


def test_list_orders_filters_and_paginates(alice, market):
    """GET /portfolio/orders filters by status and pages with a cursor that ends with ""."""
    ids = [alice.post("/portfolio/orders", buy_yes(market.ticker, count=1)).json()["order"]["order_id"]
           for _ in range(3)]
    alice.delete(f"/portfolio/orders/{ids[0]}")
    page = alice.get("/portfolio/orders?status=resting&limit=1").json()
    assert len(page["orders"]) == 1 and page["cursor"]
    rest = alice.get(f"/portfolio/orders?status=resting&limit=5&cursor={page['cursor']}").json()
    assert len(rest["orders"]) == 1 and rest["cursor"] == ""
    assert {o["order_id"] for o in page["orders"] + rest["orders"]} == set(ids[1:])
    assert alice.get("/portfolio/orders?status=open").status_code == 400
    assert alice.get(f"/portfolio/orders?ticker={market.ticker}&min_ts=abc").status_code == 400
