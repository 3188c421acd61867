"""Session-level behaviour over TCP: rejects, garbage, sequence gaps and resends."""

import socket

import pytest

from exchange.fix.session import Target
from tests.fix.keys import fix_key as make_api_key
from tests.support.factories import make_market, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def order(ticker: str, cl_ord_id: str, price: str = "40", qty: str = "1", side: str = "1") -> list:
    return [(11, cl_ord_id), (38, qty), (40, "2"), (44, price), (54, side), (55, ticker), (59, "1")]


@pytest.fixture
def nr(raw):
    user = make_user()
    client = raw(Target.NR, *make_api_key(user))
    assert client.logon().msg_type == "A"
    return client


def test_test_request_is_answered(nr):
    """A TestRequest gets a Heartbeat echoing TestReqID."""
    nr.send("1", [(112, "ping-1")])
    assert nr.expect("0", skip=()).get(112) == "ping-1"


def test_missing_required_tag_gets_session_reject(nr):
    """A NewOrderSingle without Symbol gets Reject 35=3 naming tag 55 (373=1) and the session lives on."""
    market = make_market()
    body = [pair for pair in order(market.ticker, "m-1") if pair[0] != 55]
    seq = nr.send("D", body)
    reject = nr.expect("3")
    assert (reject.get(45), reject.get(371), reject.get(373), reject.get(372)) == (str(seq), "55", "1", "D")
    nr.send("D", order(market.ticker, "m-2"))
    assert nr.expect("8").get(150) == "0"


def test_unknown_msg_type_gets_business_reject(nr):
    """An unsupported MsgType gets BusinessMessageReject 35=j with reason 3."""
    seq = nr.send("ZZ", [(58, "what")])
    reject = nr.expect("j")
    assert (reject.get(45), reject.get(372), reject.get(380)) == (str(seq), "ZZ", "3")


def test_garbage_bytes_do_not_break_sessions(nr, raw):
    """Garbage and a frame with a bad checksum are skipped; the session and others keep working."""
    other = raw(Target.NR, *make_api_key(make_user()))
    other.logon()
    nr.sock.sendall(b"\x00\xffnot fix at all 8=junk\x01")
    frame = nr.build("1", [(112, "corrupt")])
    nr.sock.sendall(frame[:-4] + b"000\x01")  # wrong CheckSum: ignored, seq not consumed
    nr.send("1", [(112, "after-garbage")])
    assert nr.expect("0").get(112) == "after-garbage"
    other.send("1", [(112, "other")])
    assert other.expect("0").get(112) == "other"


def test_message_split_across_writes(nr):
    """A message arriving in two TCP segments is assembled."""
    frame = nr.build("1", [(112, "split")])
    nr.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    nr.sock.sendall(frame[:17])
    nr.sock.sendall(frame[17:])
    nr.seq += 1
    assert nr.expect("0").get(112) == "split"


def test_sequence_gap_on_nr_logs_out(nr):
    """On KalshiNR a MsgSeqNum gap ends the session."""
    nr.send("0", [], seq=nr.seq + 3)
    reply = nr.expect("5")
    assert "too high" in reply.get(58)
    assert nr.closed()


def test_sequence_too_low_logs_out(nr):
    """A MsgSeqNum below the expected one without PossDupFlag ends the session."""
    nr.send("0", [], seq=1)
    assert "too low" in nr.expect("5").get(58)


def test_rt_gap_asks_for_resend_and_processes_in_order(raw):
    """On KalshiRT a gap gets a ResendRequest; after the missing message arrives both are processed."""
    market = make_market()
    client = raw(Target.RT, *make_api_key(make_user()))
    client.logon()
    client.send("D", order(market.ticker, "late"), seq=3)
    resend = client.expect("2")
    assert (resend.get(7), resend.get(16)) == ("2", "0")
    client.send("D", order(market.ticker, "early"), seq=2)
    first, second = client.expect("8"), client.expect("8")
    assert (first.get(11), second.get(11)) == ("early", "late")


def test_rt_resend_request_replays_stored_reports(raw):
    """On KalshiRT a ResendRequest is answered with the stored reports (PossDupFlag) and gap fills."""
    market = make_market()
    client = raw(Target.RT, *make_api_key(make_user()))
    client.logon()
    client.send("D", order(market.ticker, "r-1"))
    original = client.expect("8")
    client.send("2", [(7, "1"), (16, "0")])
    gap = client.expect("4")
    assert (gap.get(34), gap.get(123), gap.get(36), gap.get(43)) == ("1", "Y", original.get(34), "Y")
    again = client.expect("8")
    assert (again.get(34), again.get(43), again.get(11)) == (original.get(34), "Y", "r-1")
    assert again.get(122) == original.get(52)


def test_rt_reconnect_without_reset_keeps_sequences(raw):
    """A KalshiRT logon without ResetSeqNumFlag continues from the stored sequence numbers."""
    user_key = make_api_key(make_user())
    client = raw(Target.RT, *user_key)
    client.logon()
    client.send("1", [(112, "a")])
    client.expect("0")
    client.send("5", [])
    client.expect("5")
    again = raw(Target.RT, *user_key)
    reply = again.logon(reset=False, seq=client.seq)
    assert reply.msg_type == "A" and reply.get(34) == "4" and reply.get(141) is None
