"""`manage.py runfix` as its own process: orders and fills cross the process boundary via the database."""

import pytest

from exchange import services
from exchange.engine.units import price_from_cents
from exchange.models import Order
from tests.fix.keys import fix_key
from tests.fix.raw_client import RawClient
from tests.fix.test_session_layer import order
from tests.support.factories import make_market, make_user
from tests.support.servers import free_port, running

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_runfix_process_serves_orders_and_reports_other_process_fills():
    """A FIX order placed in the runfix process rests; a fill made here reaches the session."""
    user, other, market = make_user(), make_user(), make_market()
    key, pem = fix_key(user)
    ports = {name: free_port() for name in ("nr", "rt", "dc", "pt")}
    args = ["manage.py", "runfix"] + [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    with running(args, port=ports["nr"], log_name="runfix"):
        client = RawClient(ports["nr"], str(key.key_id), pem, "KalshiNR")
        try:
            assert client.logon().msg_type == "A"
            client.send("D", order(market.ticker, "xp-1", price="62", qty="2"))
            new = client.expect("8")
            assert Order.objects.get(pk=new.get(37)).source == "fix"
            services.order_create(user=other, request=services.OrderRequest(
                ticker=market.ticker, side="yes", action="sell", yes_price=price_from_cents(62), count=200))
            trade = client.expect("8")
            assert (trade.get(150), trade.get(39), trade.get(37)) == ("F", "2", new.get(37))
        finally:
            client.close()
