"""Orders V2 (/portfolio/events/orders): thin acks, bid/ask book sides, fp counts and YES dollar prices."""

from decimal import Decimal

import pytest

from exchange.models import Order
from tests.support.market_data import place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]


def v2(ticker: str, side: str = "bid", price: str = "0.4000", count: str = "10.00", **extra) -> dict:
    return {"ticker": ticker, "side": side, "price": price, "count": count, "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross", **extra}


def test_create_acks_with_201(alice, market):
    """A V2 create answers 201 with the thin ack; an ask is recorded as selling YES."""
    response = alice.post("/portfolio/events/orders", v2(market.ticker, side="ask", price="0.6000",
                                                          buy_max_cost_dollars=None, extra_field=1))
    assert response.status_code == 201, response.content
    ack = response.json()
    assert (ack["fill_count"], ack["remaining_count"]) == ("0.00", "10.00")
    assert isinstance(ack["ts_ms"], int)
    order = Order.objects.get(pk=ack["order_id"])
    assert (order.book_side, order.side, order.action, order.price) == ("ask", "yes", "sell", 6000)


def test_execution_reports_average_fill_price(alice, bob, market):
    """A taker's ack carries its fill count and average YES price."""
    alice.post("/portfolio/events/orders", v2(market.ticker, side="ask", price="0.5500", count="3.00"))
    ack = bob.post("/portfolio/events/orders", v2(market.ticker, side="bid", price="0.6000", count="3.00")).json()
    assert (ack["fill_count"], ack["remaining_count"], ack["average_fill_price"]) == ("3.00", "0.00", "0.5500")


@pytest.mark.parametrize("change", [
    {"price": 0.4}, {"price": "1.0000"}, {"price": "0.40001"}, {"count": "1.001"}, {"count": None},
    {"side": "yes"}, {"count": [1]}, {"ticker": 5},
])
def test_bad_v2_bodies_are_400(alice, market, change):
    """Wrong types and out-of-range values are 400s."""
    response = alice.post("/portfolio/events/orders", {**v2(market.ticker), **change})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in ("invalid_price", "invalid_count", "invalid_parameters")


def test_amend_decrease_cancel(alice, market):
    """Amend, decrease and cancel each answer with their V2 ack."""
    order_id = alice.post("/portfolio/events/orders", v2(market.ticker)).json()["order_id"]
    amended = alice.post(f"/portfolio/events/orders/{order_id}/amend",
                         {"ticker": market.ticker, "side": "bid", "price": "0.4100", "count": "12.00"}).json()
    assert amended["remaining_count"] == "12.00"
    assert Order.objects.get(pk=order_id).price == 4100
    wrong_side = alice.post(f"/portfolio/events/orders/{order_id}/amend",
                            {"ticker": market.ticker, "side": "ask", "price": "0.4100", "count": "12.00"})
    assert wrong_side.status_code == 400
    decreased = alice.post(f"/portfolio/events/orders/{order_id}/decrease", {"reduce_by": "2.00"}).json()
    assert decreased["remaining_count"] == "10.00"
    canceled = alice.delete(f"/portfolio/events/orders/{order_id}").json()
    assert (canceled["order_id"], canceled["reduced_by"]) == (order_id, "10.00")


def test_batches_and_cancel_all(alice, bob, market):
    """Batched create and cancel report per item; cancel-all answers 204 and leaves others' orders."""
    bob.post("/portfolio/events/orders", v2(market.ticker, price="0.1000"))
    response = alice.post("/portfolio/events/orders/batched",
                          {"orders": [v2(market.ticker, client_order_id="x"), v2("NOPE", client_order_id="y")]})
    assert response.status_code == 201
    ok, failed = response.json()["orders"]
    assert ok["client_order_id"] == "x" and failed["error"]["code"] == "market_not_found"
    canceled = alice.delete("/portfolio/events/orders/batched", {"orders": [{"order_id": ok["order_id"]},
                                                                           {"order_id": "missing"}]}).json()["orders"]
    assert canceled[0]["reduced_by"] == "10.00" and canceled[1]["error"]["code"] == "not_found"
    alice.post("/portfolio/events/orders", v2(market.ticker))
    assert alice.delete("/portfolio/events/orders").status_code == 204
    assert Order.objects.filter(status="resting", user__username="alice").count() == 0
    assert Order.objects.filter(status="resting", user__username="bob").count() == 1


@pytest.mark.parametrize("missing", ["time_in_force", "self_trade_prevention_type"])
def test_v2_create_requires_time_in_force_and_stp(alice, market, missing):
    """A V2 create without time_in_force or self_trade_prevention_type is 400 missing_parameters.

    Evidence: "time_in_force and self_trade_prevention_type are required" for POST /portfolio/events/orders,
    verified against production 2026-09-04 (GitHub clewvu/my-project docs/HANDOFF.md); both are required
    fields of kalshi-python-sync 3.34's CreateOrderV2Request, so no SDK can send the order without them.
    """
    body = v2(market.ticker)
    del body[missing]
    response = alice.post("/portfolio/events/orders", body)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "missing_parameters")
    assert not Order.objects.exists()


def test_reduce_only_with_immediate_or_cancel_is_accepted(alice, market, trader, trader2):
    """reduce_only is allowed with immediate_or_cancel (and only with it; see test_production_answers).

    Evidence: kalshi-python-sync 3.34 CreateOrderV2Request.reduce_only, "rejected unless time_in_force is
    immediate_or_cancel".
    """
    place(trader2, market.ticker, "yes", "sell", 40, 1)
    place(trader, market.ticker, "yes", "buy", 40, 1)
    response = alice.post("/portfolio/events/orders", v2(market.ticker, side="ask", reduce_only=True,
                                                          time_in_force="immediate_or_cancel"))
    assert response.status_code == 201, response.content


def test_fills_show_fees_rounded_as_production_rounds_them(alice, market, trader, trader2):
    """A taker that fills four 1-contract asks at 50c pays 2c, 2c, 2c and then 1c (its trade fees of $0.0175
    rounded to whole cents, the overpaid cent rebated on the fourth fill): 7c in all, as one fill would,
    shown the same way in fills, the order and the balance.

    Evidence: https://docs.kalshi.com/getting_started/fee_rounding (trade fee to $0.0001, rounding fee to the
    balance precision, whole-cent rebates from a per-order accumulator; "the total fee across many small
    fills converges to what a single equivalent fill would cost").
    """
    for _ in range(4):
        place(trader2, market.ticker, "yes", "sell", 50, 1)
    balance = alice.get("/portfolio/balance").json()["balance_dollars"]
    ack = alice.post("/portfolio/events/orders", v2(market.ticker, price="0.5000", count="4.00",
                                                     time_in_force="immediate_or_cancel")).json()
    assert (ack["fill_count"], ack["average_fee_paid"]) == ("4.00", "0.0175")
    fees = [f["fee_cost"] for f in alice.get(f"/portfolio/fills?order_id={ack['order_id']}").json()["fills"]]
    assert sorted(fees) == ["0.010000", "0.020000", "0.020000", "0.020000"]
    order = alice.get(f"/portfolio/orders/{ack['order_id']}").json()["order"]
    assert order["taker_fees_dollars"] == "0.0700"
    after = alice.get("/portfolio/balance").json()["balance_dollars"]
    assert Decimal(balance) - Decimal(after) == Decimal("2.07")
