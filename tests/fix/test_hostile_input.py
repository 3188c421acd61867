"""Malformed session fields and hostile order values: a session Reject (its sequence number consumed), a
Logout that says why, or a rejected ExecutionReport; never a dropped connection or a reinterpreted number."""

from datetime import UTC, datetime

import pytest
import simplefix

from exchange.engine.rejects import RejectCode
from exchange.fix.codec import Message, sending_time
from exchange.fix.orders import order_request
from exchange.fix.session import Close, Send, Session, State, Target
from exchange.models import Order
from exchange.services import ExchangeError
from tests.fix.keys import fix_key
from tests.fix.test_session_layer import order
from tests.fix.test_session_machine import KEY, active, decode, wire
from tests.support.factories import make_market, make_user


def _sent(actions) -> list[Message]:
    return [decode(a) for a in actions if isinstance(a, Send)]


def _raw(msg_type: str, fields: list[tuple[int, str]]) -> bytes:
    """A frame with exactly these header fields, for values `wire` would not write."""
    message = simplefix.FixMessage()
    message.append_pair(8, "FIXT.1.1")
    message.append_pair(35, msg_type)
    for tag, value in fields:
        message.append_pair(tag, value)
    return message.encode()


def test_msg_seq_num_with_non_ascii_digits_is_a_logout_with_reason():
    """MsgSeqNum "²" is a digit to str.isdigit but no number: the session logs out saying so."""
    session = active()
    data = _raw("0", [(49, KEY), (56, "KalshiNR"), (34, "²"), (52, sending_time())])
    (logout,) = _sent(session.receive(data, now=1.0, wall=datetime.now(UTC)))
    assert logout.msg_type == "5" and "MsgSeqNum (34)" in logout.get(58)
    assert session.state is State.LOGGING_OUT


@pytest.mark.parametrize("field, value", [(108, "³0"), (34, "¹")])
def test_logon_with_non_ascii_digits_is_refused_with_reason(field, value):
    """A Logon whose HeartBtInt or MsgSeqNum has non-ASCII digits gets a Logout naming the problem."""
    fields = {49: KEY, 56: "KalshiNR", 34: "1", 52: sending_time(), 98: "0", 108: "30", 95: "3", 96: "sig",
              141: "Y"}
    fields[field] = value
    session = Session(Target.NR)
    actions = session.receive(_raw("A", list(fields.items())), now=0.0, wall=datetime.now(UTC))
    (logout,) = _sent(actions)
    assert logout.msg_type == "5" and "must be integers" in logout.get(58)
    assert isinstance(actions[-1], Close)


@pytest.mark.parametrize("body, tag", [([(7, "abc"), (16, "0")], "7"), ([(7, "1"), (16, "x")], "16"),
                                       ([(7, "¹"), (16, "0")], "7")])
def test_resend_request_with_a_bad_number_is_rejected_and_consumes_its_seq(body, tag):
    """ResendRequest 7=abc gets Reject 373=6 naming the tag; the next message in sequence is still served."""
    session = active(Target.RT)
    (reject,) = _sent(session.receive(wire("2", 2, body, target="KalshiRT"), now=1.0, wall=datetime.now(UTC)))
    assert (reject.msg_type, reject.get(45), reject.get(371), reject.get(373)) == ("3", "2", tag, "6")
    (heartbeat,) = _sent(session.receive(wire("1", 3, [(112, "t")], target="KalshiRT"), now=1.0,
                                         wall=datetime.now(UTC)))
    assert heartbeat.msg_type == "0" and heartbeat.get(112) == "t" and session.state is State.ACTIVE


@pytest.mark.parametrize("new_seq", ["abc", "²"])
def test_sequence_reset_with_a_bad_new_seq_no_is_rejected_and_consumes_its_seq(new_seq):
    """SequenceReset 36=abc gets Reject naming tag 36; its sequence number is consumed, the session lives."""
    session = active(Target.RT)
    (reject,) = _sent(session.receive(wire("4", 2, [(123, "Y"), (36, new_seq)], target="KalshiRT"), now=1.0,
                                      wall=datetime.now(UTC)))
    assert (reject.msg_type, reject.get(45), reject.get(371), reject.get(373)) == ("3", "2", "36", "6")
    assert session.next_in == 3
    (heartbeat,) = _sent(session.receive(wire("1", 3, [(112, "u")], target="KalshiRT"), now=1.0,
                                         wall=datetime.now(UTC)))
    assert heartbeat.get(112) == "u"


# --- order values ------------------------------------------------------------------------------------
def _nos(**fields: str) -> Message:
    base = {11: "c-1", 38: "5", 40: "2", 44: "40", 54: "1", 55: "MKT", 59: "1"}
    base.update({int(tag.removeprefix("t")): value for tag, value in fields.items()})
    return Message([(35, "D"), *base.items()])


@pytest.mark.parametrize("qty", ["1e3", "1E2", "+5", " 5", "5.001", "٥", "0x10", "1_000"])
def test_order_qty_takes_only_the_documented_decimal_form(qty):
    """OrderQty 38=1e3 is not 1,000 contracts: only plain decimals ("5", "5.25") are quantities."""
    with pytest.raises(ExchangeError) as refused:
        order_request(_nos(t38=qty), dollars=False)
    assert refused.value.code is RejectCode.INVALID_PARAMETER


@pytest.mark.parametrize("price, dollars", [("4e1", False), ("0.4e0", True), ("40.001", False)])
def test_price_takes_only_the_documented_decimal_form(price, dollars):
    """Price 44 in cents or dollars: no exponents, no more decimals than $0.0001."""
    with pytest.raises(ExchangeError):
        order_request(_nos(t44=price), dollars=dollars)


def test_plain_decimals_still_convert():
    """The documented forms keep working: 38=2.50 contracts at 44=40.25 cents."""
    request = order_request(_nos(t38="2.50", t44="40.25"), dollars=False)
    assert (request.count, request.yes_price) == (250, 4025)


@pytest.mark.parametrize("account", ["64", "-1", "9" * 30, "¹", "a"])
def test_subaccount_in_the_rest_range(account):
    """Account (79) is a subaccount 0-63, as REST's subaccount."""
    with pytest.raises(ExchangeError):
        order_request(_nos(t79=account), dollars=False)
    assert order_request(_nos(t79="63"), dollars=False).subaccount == 63


def test_cl_ord_id_as_long_as_client_order_id():
    """ClOrdID longer than client_order_id's column is refused on every database (SQLite would store it)."""
    limit = Order._meta.get_field("client_order_id").max_length
    assert order_request(_nos(t11="x" * limit), dollars=False).client_order_id == "x" * limit
    with pytest.raises(ExchangeError):
        order_request(_nos(t11="x" * (limit + 1)), dollars=False)


@pytest.mark.django_db(transaction=True)
def test_hostile_orders_over_tcp_get_rejected_reports_and_the_session_lives(raw):
    """Over a real session, 38=1e3 and a 65-character ClOrdID get ExecutionReports 39=8; nothing rests."""
    user, market = make_user(), make_market()
    client = raw(Target.NR, *fix_key(user))
    assert client.logon().msg_type == "A"
    for body in (order(market.ticker, "q-1", qty="1e3"), order(market.ticker, "q" * 65)):
        client.send("D", body)
        report = client.expect("8")
        assert (report.get(150), report.get(39)) == ("8", "8"), report.pairs
    client.send("1", [(112, "alive")])
    assert client.expect("0", skip=()).get(112) == "alive"
    assert not Order.objects.filter(user=user).exists()


@pytest.mark.django_db(transaction=True)
def test_a_handler_failure_ends_the_session_with_a_logout(raw, monkeypatch):
    """If handling a message raises, the client gets a Logout saying so before the socket closes."""
    from exchange.fix import connection

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(connection.orders, "new_order", broken)
    user, market = make_user(), make_market()
    client = raw(Target.NR, *fix_key(user))
    assert client.logon().msg_type == "A"
    client.send("D", order(market.ticker, "b-1"))
    logout = client.expect("5")
    assert "could not process" in logout.get(58)
    assert client.closed()
