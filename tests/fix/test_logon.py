"""Logon over TCP: signature, SendingTime window, CompIDs, options and one session per key."""

from datetime import timedelta

import pytest

from exchange.fix.session import Target
from tests.fix.keys import fix_key as make_api_key
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def key():
    return make_api_key(make_user())


def test_valid_logon_is_answered_with_logon_seq_1(raw, key):
    """A signed Logon gets a Logon reply with MsgSeqNum 1, ResetSeqNumFlag and the HeartBtInt."""
    reply = raw(Target.NR, *key).logon(heartbeat=10)
    fields = (reply.msg_type, reply.get(34), reply.get(141), reply.get(108), reply.get(1137))
    assert fields == ("A", "1", "Y", "10", "9")
    assert reply.get(49) == "KalshiNR" and reply.get(56) == str(key[0].key_id)


def test_bad_signature_gets_logout_and_close(raw, key):
    """A signature from another key is refused with a Logout saying why, then the socket closes."""
    _, other_pem = make_api_key(make_user(), pair=1)
    client = raw(Target.NR, key[0], other_pem)
    reply = client.logon()
    assert reply.msg_type == "5" and "signature" in reply.get(58)
    assert client.closed()


def test_stale_sending_time_is_refused(raw, key):
    """A Logon whose SendingTime is outside the window is refused."""
    client = raw(Target.NR, *key)
    reply = client.logon(skew=timedelta(minutes=-5))
    assert reply.msg_type == "5" and "SendingTime" in reply.get(58)
    assert client.closed()


def test_wrong_target_comp_id_is_refused(raw, key):
    """Logging on to the KalshiNR port as KalshiRT is refused."""
    client = raw(Target.NR, *key)
    reply = client.logon(target="KalshiRT")
    assert reply.msg_type == "5" and "TargetCompID" in reply.get(58)


def test_unknown_sender_comp_id_is_refused(raw, key):
    """A SenderCompID that is not an API key id is refused."""
    client = raw(Target.NR, *key)
    client.key_id = "00000000-0000-0000-0000-000000000000"
    reply = client.logon()
    assert reply.msg_type == "5" and "unknown API key" in reply.get(58)


def test_reset_flag_required_on_nr(raw, key):
    """KalshiNR insists on ResetSeqNumFlag=Y."""
    reply = raw(Target.NR, *key).logon(reset=False)
    assert reply.msg_type == "5" and "141" in reply.get(58)


def test_heartbeat_below_minimum_is_refused(raw, key):
    """HeartBtInt below 3 seconds is refused."""
    reply = raw(Target.NR, *key).logon(heartbeat=2)
    assert reply.msg_type == "5" and "HeartBtInt" in reply.get(58)


def test_one_session_per_key_and_type(raw, key):
    """A second Logon with the same key on the same session type is refused; the first keeps working."""
    first = raw(Target.NR, *key)
    assert first.logon().msg_type == "A"
    second = raw(Target.NR, *key)
    reply = second.logon()
    assert reply.msg_type == "5" and "already" in reply.get(58)
    first.send("1", [(112, "still-here")])
    assert first.expect("0").get(112) == "still-here"


def test_first_message_must_be_logon(raw, key):
    """Anything before Logon ends the connection with a Logout."""
    client = raw(Target.NR, *key)
    client.send("1", [(112, "x")])
    reply = client.expect("5")
    assert "Logon" in reply.get(58)
    assert client.closed()


def test_logout_handshake(raw, key):
    """A client Logout is answered with Logout and the connection closes."""
    client = raw(Target.NR, *key)
    client.logon()
    client.send("5", [(58, "bye")])
    assert client.expect("5").msg_type == "5"
    assert client.closed()
