"""Reports over TCP: cancel on disconnect, mass cancel, drop copy with replay, settlement reports."""

import time

import pytest

from exchange import services
from exchange.engine.units import price_from_cents
from exchange.fix.session import Target
from exchange.models import Order
from tests.fix.keys import fix_key
from tests.fix.test_session_layer import order
from tests.support.factories import make_market, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def rest_order(user, ticker, action="buy", cents=40, count=100):
    return services.order_create(user=user, request=services.OrderRequest(
        ticker=ticker, side="yes", action=action, yes_price=price_from_cents(cents), count=count))


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_cancel_orders_on_disconnect(raw):
    """With CancelOrdersOnDisconnect the session's resting orders are canceled when it drops; others stay."""
    user, market = make_user(), make_market()
    rest = rest_order(user, market.ticker)
    client = raw(Target.NR, *fix_key(user))
    client.logon(options={8013: "Y"})
    client.send("D", order(market.ticker, "cod-1"))
    order_id = client.expect("8").get(37)
    client.close()
    assert wait_for(lambda: Order.objects.get(pk=order_id).status == "canceled")
    assert Order.objects.get(pk=rest.pk).status == "resting"


def test_orders_stay_without_cancel_on_disconnect(raw):
    """Without the flag a dropped session leaves its orders resting."""
    user, market = make_user(), make_market()
    client = raw(Target.NR, *fix_key(user))
    client.logon()
    client.send("D", order(market.ticker, "stay-1"))
    order_id = client.expect("8").get(37)
    client.close()
    time.sleep(0.3)
    assert Order.objects.get(pk=order_id).status == "resting"


def test_mass_cancel_reports_then_cancels(raw):
    """OrderMassCancelRequest gets OrderMassCancelReport first, then a Canceled report per order."""
    user, market = make_user(), make_market()
    client = raw(Target.NR, *fix_key(user))
    client.logon()
    for i in range(2):
        client.send("D", order(market.ticker, f"mc-{i}", price=str(30 + i)))
        client.expect("8")
    client.send("q", [(11, "mass-1"), (530, "6")])
    report = client.expect("r")
    assert (report.get(11), report.get(531)) == ("mass-1", "6")
    canceled = {client.expect("8").get(11) for _ in range(2)}
    assert canceled == {"mc-0", "mc-1"}
    assert not Order.objects.filter(user=user, status="resting").exists()


def test_rest_fill_reaches_fix_order_at_once(raw):
    """A resting FIX order hit by a REST order gets its Trade report with fees and position."""
    user, other, market = make_user(), make_user(), make_market()
    client = raw(Target.NR, *fix_key(user))
    client.logon()
    client.send("D", order(market.ticker, "hit-me", price="55", qty="3"))
    client.expect("8")
    rest_order(other, market.ticker, action="sell", cents=55, count=300)
    trade = client.expect("8")
    assert (trade.get(150), trade.get(39), trade.get(32), trade.get(31)) == ("F", "2", "3.00", "55")
    assert (trade.get(704), trade.get(705), trade.get(1057), trade.get(136)) == ("3.00", "0.00", "N", "1")


def test_drop_copy_gets_rest_reports_and_replays(raw):
    """KalshiDC copies every report of the user (REST included) and replays a range with U1 -> U2."""
    user, other, market = make_user(), make_user(), make_market()
    dc = raw(Target.DC, *fix_key(user))
    dc.logon()
    rest_order(user, market.ticker, cents=40, count=200)
    live_new = dc.expect("8")
    assert (live_new.get(150), live_new.get(54)) == ("0", "1")
    rest_order(other, market.ticker, action="sell", cents=40, count=200)
    live_trade = dc.expect("8")
    assert live_trade.get(150) == "F"
    seq = dc.send("U1", [(21001, live_new.get(17))])
    replayed = [dc.expect("8"), dc.expect("8")]
    assert [m.get(17) for m in replayed] == [live_new.get(17), live_trade.get(17)]
    complete = dc.expect("U2")
    assert (complete.get(45), complete.get(21003)) == (str(seq), "2")
    dc.send("U1", [(21001, live_new.get(17)), (21002, "999999999;0")])
    assert dc.expect("U3").get(21004) == "4"


def test_order_entry_rejected_on_drop_copy(raw):
    """A NewOrderSingle on a drop-copy session gets BusinessMessageReject."""
    user, market = make_user(), make_market()
    dc = raw(Target.DC, *fix_key(user))
    dc.logon()
    dc.send("D", order(market.ticker, "nope"))
    assert dc.expect("j").get(380) == "3"


def test_settlement_report_on_post_trade(raw):
    """When a market settles, KalshiPT gets a MarketSettlementReport with result and collateral change."""
    user, other, market = make_user(), make_user(), make_market()
    pt = raw(Target.PT, *fix_key(user))
    assert pt.logon().msg_type == "A"
    rest_order(user, market.ticker, cents=30, count=500)
    rest_order(other, market.ticker, action="sell", cents=30, count=500)
    services.market_determine(ticker=market.ticker, result="yes")
    services.market_settle(ticker=market.ticker)
    report = pt.expect("UMS")
    assert (report.get(55), report.get(20107), report.get(730)) == (market.ticker, "yes", "100.00")
    assert (report.get(704), report.get(705), report.get(1704), report.get(1705)) == ("5.00", "0.00", "5.0000",
                                                                                       "PAYOUT")
