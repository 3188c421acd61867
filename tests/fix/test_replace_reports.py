"""Replaced reports (150=5) name the ClOrdID the order had before the replace in OrigClOrdID (41), on the
session that asked, on drop copy, in drop-copy replays and in KalshiRT resends, whether the replace came
over FIX or as a REST amend.

Evidence: Kalshi's FIX dictionary v1.03 lists OrigClOrdID in ExecutionReport (TexasCoding/kalshi-python-sdk
specs/kalshi-fix-dictionary.xml, from assets.kalshi.com/fix/kalshi-fix-dictionary.xml); ClOrdID (11) is "provided
by the initiator on the last message that made any change to the order" (https://docs.kalshi.com/fix/order-entry);
the REST amend's `updated_client_order_id` is "the new client-specified order ID after amendment" and
`client_order_id` "the original" (AmendOrderRequest, kalshi-python-sync 3.34).
"""

import pytest

from exchange.fix.session import Target
from exchange.models import FixStoredMessage
from tests.fix.keys import fix_key
from tests.fix.test_reports import wait_for
from tests.fix.test_session_layer import order
from tests.support.factories import make_market, make_user
from tests.support.signed_client import SignedClient

pytestmark = pytest.mark.django_db(transaction=True)


def ids(report) -> tuple:
    return report.get(150), report.get(11), report.get(41)


def rest_amend(client: SignedClient, order_id: str, ticker: str, price: str, count: str, new_id: str | None):
    body = {"ticker": ticker, "side": "bid", "price": price, "count": count}
    if new_id is not None:
        body["updated_client_order_id"] = new_id
    response = client.post(f"/portfolio/events/orders/{order_id}/amend", body)
    assert response.status_code == 200, response.content


def test_fix_replaces_name_the_previous_cl_ord_id_live_on_drop_copy_and_in_replay(raw):
    """A price replace (amend) and then a size-only replace (decrease) each report 41 = the ClOrdID just
    before it, not the first one: to the order-entry session, live on drop copy and replayed with U1."""
    user, market = make_user(), make_market()
    key, pem = fix_key(user)
    dc = raw(Target.DC, key, pem)
    dc.logon()
    nr = raw(Target.NR, key, pem)
    nr.logon()
    nr.send("D", order(market.ticker, "rep-1", price="40", qty="5"))
    new = nr.expect("8")
    assert ids(new) == ("0", "rep-1", None) and ids(dc.expect("8")) == ("0", "rep-1", None)
    nr.send("G", [(11, "rep-2"), (41, "rep-1"), (38, "5"), (40, "2"), (44, "42"), (54, "1"), (55, market.ticker)])
    amended, amended_dc = nr.expect("8"), dc.expect("8")
    nr.send("G", [(11, "rep-3"), (41, "rep-2"), (38, "3"), (40, "2"), (44, "42"), (54, "1"), (55, market.ticker)])
    decreased, decreased_dc = nr.expect("8"), dc.expect("8")
    for report in (amended, amended_dc):
        assert ids(report) == ("5", "rep-2", "rep-1") and (report.get(44), report.get(151)) == ("42", "5.00")
    for report in (decreased, decreased_dc):
        assert ids(report) == ("5", "rep-3", "rep-2") and report.get(151) == "3.00"
    dc.send("U1", [(21001, new.get(17))])
    replayed = [dc.expect("8") for _ in range(3)]
    assert [ids(m) for m in replayed] == [("0", "rep-1", None), ("5", "rep-2", "rep-1"), ("5", "rep-3", "rep-2")]
    assert dc.expect("U2").get(21003) == "3"


def test_rest_amend_on_drop_copy_names_the_previous_client_order_id(raw):
    """A REST amend with updated_client_order_id reaches drop copy as Replaced with 11 = the new id and
    41 = the old one; an amend that keeps the id reports it in both (an order without one: its OrderID)."""
    user, market = make_user(), make_market()
    key, pem = fix_key(user)
    rest = SignedClient(key, pem)
    dc = raw(Target.DC, key, pem)
    dc.logon()
    placed = rest.post("/portfolio/events/orders", {
        "ticker": market.ticker, "side": "bid", "price": "0.4000", "count": "5.00", "client_order_id": "web-1",
        "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"})
    assert placed.status_code == 201, placed.content
    order_id = placed.json()["order_id"]
    assert ids(dc.expect("8")) == ("0", "web-1", None)
    rest_amend(rest, order_id, market.ticker, "0.4300", "6.00", "web-2")
    replaced = dc.expect("8")
    assert ids(replaced) == ("5", "web-2", "web-1") and (replaced.get(37), replaced.get(44)) == (order_id, "43")
    rest_amend(rest, order_id, market.ticker, "0.4400", "6.00", None)
    assert ids(dc.expect("8")) == ("5", "web-2", "web-2")
    anonymous = rest.post("/portfolio/events/orders", {
        "ticker": market.ticker, "side": "bid", "price": "0.3000", "count": "1.00",
        "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"}).json()["order_id"]
    dc.expect("8")
    rest_amend(rest, anonymous, market.ticker, "0.3100", "1.00", None)
    assert ids(dc.expect("8")) == ("5", anonymous, anonymous)


def test_replace_made_while_rt_is_away_is_resent_with_orig_cl_ord_id(raw):
    """A KalshiRT order amended over REST while its session is logged out: the stored Replaced report
    carries 41, and a ResendRequest after logging on again delivers it with 11 and 41."""
    user, market = make_user(), make_market()
    key, pem = fix_key(user)
    rt = raw(Target.RT, key, pem)
    rt.logon()
    rt.send("D", order(market.ticker, "away-1", price="40", qty="2"))
    order_id = rt.expect("8").get(37)
    rt.send("5", [])
    last_seen = int(rt.expect("5").get(34))
    rt.close()
    stored_before = FixStoredMessage.objects.filter(key_id=key.key_id).count()
    rest_amend(SignedClient(key, pem), order_id, market.ticker, "0.4500", "2.00", "away-2")
    assert wait_for(lambda: FixStoredMessage.objects.filter(key_id=key.key_id).count() > stored_before)
    again = raw(Target.RT, key, pem)
    reply = again.logon(reset=False, seq=rt.seq)
    assert int(reply.get(34)) == last_seen + 2  # the stored Replaced report, then the Logon
    again.send("2", [(7, str(last_seen + 1)), (16, str(last_seen + 1))])
    resent = again.expect("8")
    assert (resent.get(43), resent.get(37)) == ("Y", order_id)
    assert ids(resent) == ("5", "away-2", "away-1") and resent.get(44) == "45"
