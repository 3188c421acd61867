"""The pure session state machine, fed bytes and clock ticks (no sockets, no database)."""

from datetime import UTC, datetime, timedelta

import simplefix

from exchange.fix.codec import FrameReader, Message, sending_time
from exchange.fix.session import Authenticate, Close, Deliver, Restored, Send, Session, State, Target

KEY = "7b2c4c5e-1111-2222-3333-444455556666"


def wire(msg_type: str, seq: int, body=(), *, target: str = "KalshiNR", when: datetime | None = None,
         sender: str = KEY) -> bytes:
    message = simplefix.FixMessage()
    message.append_pair(8, "FIXT.1.1")
    message.append_pair(35, msg_type)
    message.append_pair(49, sender)
    message.append_pair(56, target)
    message.append_pair(34, seq)
    message.append_pair(52, sending_time(when))
    for tag, value in body:
        message.append_pair(tag, value)
    return message.encode()


def logon_bytes(target="KalshiNR", *, reset=True, seq=1, heartbeat=30, when=None) -> bytes:
    body = [(98, "0"), (108, str(heartbeat)), (95, "3"), (96, "sig")]
    if reset:
        body.append((141, "Y"))
    return wire("A", seq, body + [(1137, "9")], target=target, when=when)


def decode(action: Send) -> Message:
    reader = FrameReader()
    reader.feed(action.data)
    return reader.messages()[0]


def active(target=Target.NR) -> Session:
    session = Session(target)
    actions = session.receive(logon_bytes(target.value), now=0.0, wall=datetime.now(UTC))
    assert isinstance(actions[0], Authenticate)
    session.logon_accepted(now=0.0)
    return session


def test_logon_split_across_two_reads_asks_for_authentication():
    """A Logon arriving in two reads yields one Authenticate with the Kalshi signed text."""
    session = Session(Target.NR)
    data = logon_bytes()
    assert session.receive(data[:20], now=0.0, wall=datetime.now(UTC)) == []
    (action,) = session.receive(data[20:], now=0.0, wall=datetime.now(UTC))
    assert isinstance(action, Authenticate) and session.state is State.AUTHENTICATING
    parts = action.request.signed_text.split(b"\x01")
    assert parts[1:] == [b"A", b"1", KEY.encode(), b"KalshiNR"] and action.request.signature == "sig"


def test_accepted_logon_replies_with_seq_1():
    """After authentication the reply is a Logon with MsgSeqNum 1 and ResetSeqNumFlag."""
    session = Session(Target.NR)
    session.receive(logon_bytes(), now=0.0, wall=datetime.now(UTC))
    (reply,) = session.logon_accepted(now=0.0)
    message = decode(reply)
    assert (message.msg_type, message.get(34), message.get(141)) == ("A", "1", "Y")
    assert session.state is State.ACTIVE and session.next_in == 2


def test_stale_logon_is_logged_out_without_authentication():
    """A SendingTime beyond the window gets Logout and Close, never Authenticate."""
    session = Session(Target.NR, logon_window_s=30)
    old = datetime.now(UTC) - timedelta(seconds=90)
    send, close = session.receive(logon_bytes(when=old), now=0.0, wall=datetime.now(UTC))
    assert decode(send).msg_type == "5" and isinstance(close, Close)


def test_application_message_is_delivered_in_order():
    """An in-order NewOrderSingle is delivered to the application layer."""
    session = active()
    body = [(11, "a"), (38, "1"), (40, "2"), (44, "50"), (54, "1"), (55, "T")]
    (action,) = session.receive(wire("D", 2, body), now=1.0, wall=datetime.now(UTC))
    assert isinstance(action, Deliver) and action.message.get(11) == "a"


def test_bad_checksum_is_ignored_and_does_not_consume_seq():
    """A garbled frame is dropped; the next good message with the same seq is processed."""
    session = active()
    good = wire("1", 2, [(112, "x")])
    assert session.receive(good[:-4] + b"999\x01", now=1.0, wall=datetime.now(UTC)) == []
    (reply,) = session.receive(good, now=1.0, wall=datetime.now(UTC))
    assert decode(reply).get(112) == "x"


def test_gap_on_nr_logs_out():
    """On NR a higher MsgSeqNum ends the session with a Logout."""
    session = active()
    (logout,) = session.receive(wire("0", 5), now=1.0, wall=datetime.now(UTC))
    assert decode(logout).msg_type == "5" and session.state is State.LOGGING_OUT


def test_gap_on_rt_requests_resend_and_queues():
    """On RT a gap sends ResendRequest; the queued message is delivered once the gap is filled."""
    session = active(Target.RT)
    body = [(11, "q"), (38, "1"), (40, "2"), (44, "50"), (54, "1"), (55, "T")]
    (resend,) = session.receive(wire("D", 3, body, target="KalshiRT"), now=1.0, wall=datetime.now(UTC))
    assert (decode(resend).msg_type, decode(resend).get(7)) == ("2", "2")
    gap_fill = wire("4", 2, [(123, "Y"), (36, "3")], target="KalshiRT")
    (delivered,) = session.receive(gap_fill, now=1.0, wall=datetime.now(UTC))
    assert isinstance(delivered, Deliver) and delivered.message.get(11) == "q" and session.next_in == 4


def test_resend_request_replays_store_with_possdup_and_gap_fills_admin():
    """A ResendRequest replays stored application messages (43=Y) and gap-fills the rest."""
    session = Session(Target.RT)
    session.receive(logon_bytes("KalshiRT"), now=0.0, wall=datetime.now(UTC))
    session.logon_accepted(now=0.0)
    sent = session.send_app("8", [(37, "o1"), (11, "c1")], now=0.0)
    actions = session.receive(wire("2", 2, [(7, "1"), (16, "0")], target="KalshiRT"), now=1.0,
                              wall=datetime.now(UTC))
    fill, replay = (decode(a) for a in actions)
    assert (fill.msg_type, fill.get(34), fill.get(36), fill.get(123)) == ("4", "1", str(sent.seq), "Y")
    assert (replay.msg_type, replay.get(34), replay.get(43), replay.get(11)) == ("8", str(sent.seq), "Y", "c1")


def test_restored_session_continues_sequences():
    """An RT logon without reset continues from the restored sequence numbers."""
    session = Session(Target.RT)
    session.receive(logon_bytes("KalshiRT", reset=False, seq=7), now=0.0, wall=datetime.now(UTC))
    (reply,) = session.logon_accepted(now=0.0, restored=Restored(next_in=7, next_out=12))
    assert decode(reply).get(34) == "12" and session.next_in == 8


def test_idle_session_sends_heartbeat_then_test_request_then_closes():
    """Silence from the client leads to Heartbeat, a TestRequest, and finally Close."""
    session = Session(Target.NR)
    session.receive(logon_bytes(heartbeat=5), now=0.0, wall=datetime.now(UTC))
    session.logon_accepted(now=0.0)
    kinds = [decode(a).msg_type for a in session.tick(5.0)]
    assert kinds == ["0"]
    kinds = [decode(a).msg_type for a in session.tick(6.5)]
    assert kinds == ["1"]
    assert isinstance(session.tick(12.0)[0], Close)


def test_wrong_sender_mid_session_logs_out():
    """A message with another SenderCompID ends the session."""
    session = active()
    (logout,) = session.receive(wire("0", 2, sender="someone-else"), now=1.0, wall=datetime.now(UTC))
    assert "CompID" in decode(logout).get(58)


def test_unknown_type_is_business_rejected():
    """An unknown MsgType gets a BusinessMessageReject with reason 3."""
    session = active()
    (reject,) = session.receive(wire("XX", 2), now=1.0, wall=datetime.now(UTC))
    message = decode(reject)
    assert (message.msg_type, message.get(380), message.get(372)) == ("j", "3", "XX")


def test_stale_sending_time_is_rejected_on_every_message():
    """After Logon, a message whose SendingTime is more than 30 s from the exchange clock gets a Reject with
    SessionRejectReason 10 (SendingTime accuracy problem) on tag 52, and is not delivered; the next message
    in sequence is processed normally.

    Evidence: FIX 5.0 SP2 SessionRejectReason 10 "SendingTime accuracy problem" (kalshi-fix-dictionary.xml,
    GitHub TexasCoding/kalshi-python-sdk specs/kalshi-fix-dictionary.xml); Kalshi's clients require
    SendingTime within 30 s (kalshi-sdk `kalshi/fix/`, see the project's client notes).
    """
    session = active()
    body = [(11, "a"), (38, "1"), (40, "2"), (44, "50"), (54, "1"), (55, "T")]
    stale = datetime.now(UTC) - timedelta(seconds=31)
    (reject,) = session.receive(wire("D", 2, body, when=stale), now=1.0, wall=datetime.now(UTC))
    message = decode(reject)
    assert (message.msg_type, message.get(45), message.get(371), message.get(373)) == ("3", "2", "52", "10")
    (action,) = session.receive(wire("D", 3, body), now=1.0, wall=datetime.now(UTC))
    assert isinstance(action, Deliver)
