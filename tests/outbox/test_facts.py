"""Execution facts: the services record what the engine decided (exec type, cum, leaves, the fill)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from exchange import services
from exchange.models import MarketEvent
from exchange.outbox import EventKind
from exchange.ws.render import user_order
from tests.services.conftest import place

pytestmark = pytest.mark.django_db


def facts(after: int = 0) -> list[tuple]:
    rows = MarketEvent.objects.filter(kind=EventKind.EXECUTION, id__gt=after).order_by("id")
    return [(r.payload["order_id"], r.payload["exec_type"], r.payload["reason"], r.payload["cum"],
             r.payload["leaves"], r.payload.get("last_count")) for r in rows]


def last_id() -> int:
    return MarketEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_a_taker_sweeping_two_makers(trader, trader2, market):
    """New, then a trade per maker for both sides, with cum and leaves after each fill."""
    m1 = str(place(trader, market.ticker, "yes", "sell", 40, 2).id)
    m2 = str(place(trader, market.ticker, "yes", "sell", 41, 3).id)
    start = last_id()
    taker = str(place(trader2, market.ticker, "yes", "buy", 41, 10).id)
    assert facts(start) == [
        (taker, "new", "placed", 0, 1000, None),
        (taker, "trade", "fill", 200, 800, 200), (m1, "trade", "fill", 200, 0, 200),
        (taker, "trade", "fill", 500, 500, 300), (m2, "trade", "fill", 300, 0, 300),
    ]


def test_ioc_remainder_is_canceled(trader, trader2, market):
    """An IOC order that fills part reports the trade, then its cancel with nothing left."""
    place(trader, market.ticker, "yes", "sell", 40, 2)
    start = last_id()
    taker = str(place(trader2, market.ticker, "yes", "buy", 40, 5, time_in_force="immediate_or_cancel").id)
    mine = [f for f in facts(start) if f[0] == taker]
    assert mine == [(taker, "new", "placed", 0, 500, None), (taker, "trade", "fill", 200, 300, 200),
                    (taker, "canceled", "ioc_remainder", 200, 0, None)]


def test_amend_and_decrease_are_replaced_and_render_their_reasons(trader, market):
    """Amend and decrease report Replaced with the new leaves; user_orders says Amend and Decrease."""
    order = place(trader, market.ticker, "yes", "buy", 40, 5)
    start = last_id()
    services.order_amend(user=trader, order_id=str(order.id), yes_price=4200, count=800)
    services.order_decrease(user=trader, order_id=str(order.id), reduce_by=300)
    services.order_decrease(user=trader, order_id=str(order.id), reduce_to=0)
    oid = str(order.id)
    assert facts(start) == [(oid, "replaced", "amend", 0, 800, None), (oid, "replaced", "decrease", 0, 500, None),
                            (oid, "canceled", "decrease", 0, 0, None)]
    reasons = [user_order(e.payload).get("last_update_reason")
               for e in MarketEvent.objects.filter(kind=EventKind.ORDER, id__gt=start).order_by("id")]
    assert reasons == ["Amend", "Decrease", "Decrease"]


def test_replaced_facts_record_the_previous_client_order_id(trader, market):
    """Each Replaced fact names the client_order_id the order had just before it: an amend or decrease
    that gives a new one records the old one; one that keeps it records it unchanged. No other fact
    carries the field."""
    order = place(trader, market.ticker, "yes", "buy", 40, 5, client_order_id="c-1")
    oid = str(order.id)
    start = last_id()
    services.order_amend(user=trader, order_id=oid, yes_price=4200, count=800, client_order_id="c-2")
    services.order_decrease(user=trader, order_id=oid, reduce_by=100, client_order_id="c-3")
    services.order_decrease(user=trader, order_id=oid, reduce_by=100)
    services.order_cancel(user=trader, order_id=oid)
    rows = MarketEvent.objects.filter(kind=EventKind.EXECUTION, id__gt=start).order_by("id")
    assert [(r.payload["exec_type"], r.payload["client_order_id"], r.payload.get("orig_client_order_id"))
            for r in rows] == [("replaced", "c-2", "c-1"), ("replaced", "c-3", "c-2"), ("replaced", "c-3", "c-3"),
                               ("canceled", "c-3", None)]


def test_cancel_and_expiry(trader, market):
    """A user cancel reports Canceled; an expired order reports Expired."""
    kept = place(trader, market.ticker, "yes", "buy", 30, 1)
    soon = place(trader, market.ticker, "yes", "buy", 31, 1, expiration_time=timezone.now() + timedelta(seconds=30))
    start = last_id()
    services.order_cancel(user=trader, order_id=str(kept.id))
    services.orders_expire(now=timezone.now() + timedelta(minutes=1))
    assert facts(start) == [(str(kept.id), "canceled", "user", 0, 0, None),
                            (str(soon.id), "expired", "expired", 0, 0, None)]


def test_trade_fact_carries_the_fill(trader, trader2, market):
    """A trade fact names its fill and trade, price, fee and the owner's position after it."""
    place(trader, market.ticker, "yes", "sell", 40, 2)
    start = last_id()
    place(trader2, market.ticker, "yes", "buy", 40, 2)
    trade = next(e.payload for e in MarketEvent.objects.filter(kind=EventKind.EXECUTION, id__gt=start, user=trader2)
                 if e.payload["exec_type"] == "trade")
    fill = MarketEvent.objects.get(kind=EventKind.FILL, user=trader2, id__gt=start).payload
    assert (trade["fill_id"], trade["trade_id"], trade["last_price"], trade["fee"], trade["post_position"]) == (
        fill["fill_id"], fill["trade_id"], 4000, fill["fee"], 200)
    assert trade["is_taker"] is True and trade["fill_cost"] == 2 * 4000
