"""A fill-or-kill NewOrderSingle that cannot fill is refused over FIX as over REST, and its ClOrdID
stays used: the canceled record survives the FIX adapter's transaction."""

import asyncio

import pytest

from exchange.fix import orders
from exchange.fix.codec import Message
from exchange.models import FixOrderSession, Order
from tests.services.conftest import place

KEY = "00000000-0000-0000-0000-000000000001"


def nos(ticker: str, cl_ord_id: str, tif: str = "1") -> Message:
    return Message([(35, "D"), (11, cl_ord_id), (55, ticker), (54, "1"), (38, "5"), (40, "2"), (44, "40"),
                    (59, tif)])


pytestmark = pytest.mark.django_db(transaction=True)


def new_order(user, msg):
    return asyncio.run(orders.new_order(user, msg, False, KEY))


def test_killed_fill_or_kill_keeps_its_client_order_id(trader, trader2, market):
    place(trader, market.ticker, "yes", "sell", 40, 2)
    refused = new_order(trader2, nos(market.ticker, "fok-1", tif="4"))
    assert isinstance(refused, orders.Refused)
    killed = Order.objects.get(user=trader2, client_order_id="fok-1")
    assert killed.status == Order.Status.CANCELED and killed.fill_count == 0
    assert isinstance(new_order(trader2, nos(market.ticker, "fok-1")), orders.Refused)


def test_placed_order_is_owned_by_its_session(trader, market):
    order = new_order(trader, nos(market.ticker, "own-1"))
    assert str(FixOrderSession.objects.get(order_id=order.id).key_id) == KEY
