"""The FIX session layer as a pure state machine: bytes and clock ticks in, actions out.

It owns logon checks that need no database, heartbeats and TestRequests, sequence numbers, gap
detection, ResendRequest service from the outbound store it keeps, session Rejects and the Logout
handshake. Signature checks, order handling and sockets belong to the caller, which performs the
returned actions.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from exchange.fix import codec
from exchange.fix.codec import GarbledFrame, Message
from exchange.fix.dictionary import ADMIN_TYPES, APP_TYPES, REQUIRED_TAGS


class Target(StrEnum):
    """Kalshi's session types; the value is the acceptor's CompID."""

    NR = "KalshiNR"
    RT = "KalshiRT"
    DC = "KalshiDC"
    PT = "KalshiPT"

    @property
    def retransmits(self) -> bool:
        return self in (Target.RT, Target.PT)


class State(StrEnum):
    AWAITING_LOGON = "awaiting_logon"
    AUTHENTICATING = "authenticating"
    ACTIVE = "active"
    LOGGING_OUT = "logging_out"
    CLOSED = "closed"


@dataclass(frozen=True)
class LogonRequest:
    """What the caller must verify against the API key before the session becomes active."""

    sender: str
    signed_text: bytes
    signature: str
    heartbeat: int
    reset: bool
    seq: int
    options: dict[int, bool]


@dataclass(frozen=True)
class Send:
    data: bytes
    seq: int
    msg_type: str


@dataclass(frozen=True)
class Authenticate:
    request: LogonRequest


@dataclass(frozen=True)
class Deliver:
    """An in-order application message for the order-entry / drop-copy layer."""

    message: Message


@dataclass(frozen=True)
class Close:
    reason: str


Action = Send | Authenticate | Deliver | Close


@dataclass
class Restored:
    """Sequence state of a retransmission session resumed without ResetSeqNumFlag."""

    next_in: int = 1
    next_out: int = 1
    sent: dict[int, bytes] = field(default_factory=dict)


LOGON_OPTIONS = (8013, 21005, 21011, 20126, 20127)


def seq_number(text: str | None) -> int | None:
    """A FIX SeqNum/Int field as an int, or None unless it is plain ASCII digits ("²" is a digit to
    str.isdigit but not to int)."""
    if text is None or not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


class Session:
    def __init__(self, target: Target, *, logon_window_s: float = 120.0, min_heartbeat: int = 3) -> None:
        self.target = target
        self.logon_window_s = logon_window_s
        self.min_heartbeat = min_heartbeat
        self.state = State.AWAITING_LOGON
        self.sender = ""
        self.heartbeat = 30
        self.options: dict[int, bool] = {}
        self.next_in = 1
        self.next_out = 1
        self.sent: dict[int, bytes] = {}
        self._reader = codec.FrameReader()
        self._pending: dict[int, Message] = {}
        self._resend_asked = False
        self._last_in = 0.0
        self._last_out = 0.0
        self._test_sent_at: float | None = None
        self._logout_sent_at: float | None = None
        self._logon: Message | None = None

    # --- inbound -----------------------------------------------------------------------------
    def receive(self, data: bytes, *, now: float, wall: datetime) -> list[Action]:
        """Feed bytes read from the socket; returns what to do, in order."""
        self._reader.feed(data)
        actions: list[Action] = []
        for item in self._reader.messages():
            if self.state is State.CLOSED:
                break
            if isinstance(item, GarbledFrame):
                continue  # FIX: a garbled message is ignored and does not consume a sequence number
            self._last_in = now
            self._test_sent_at = None
            actions += self._on_message(item, now, wall)
        return actions

    def _on_message(self, msg: Message, now: float, wall: datetime) -> list[Action]:
        if self.state is State.AWAITING_LOGON:
            return self._on_logon(msg, now, wall)
        if self.state is State.AUTHENTICATING:
            return []  # nothing may arrive before our Logon reply; a conforming client waits
        problem = self._header_problem(msg)
        if problem is not None:
            return problem
        seq = int(msg.get(34))
        mt = msg.msg_type
        if mt == "4":
            return self._on_sequence_reset(msg, seq, now)
        if seq < self.next_in:
            if msg.get(43) == "Y":
                return []
            return self.logout(f"MsgSeqNum too low, expecting {self.next_in} but received {seq}", now=now)
        if seq > self.next_in:
            return self._on_message_gap(msg, seq, now)
        actions = self._process(msg, seq, now)
        self.next_in = seq + 1
        return actions + self._drain_pending(now)

    def _drain_pending(self, now: float) -> list[Action]:
        """Process the queued messages that are now next in sequence (stopping if one closes the session)."""
        actions: list[Action] = []
        while self.next_in in self._pending and self.state is not State.CLOSED:
            queued = self._pending.pop(self.next_in)
            actions += self._process(queued, self.next_in, now)
            self.next_in += 1
        if not self._pending:
            self._resend_asked = False
        return actions

    def _header_problem(self, msg: Message) -> list[Action] | None:
        if seq_number(msg.get(34)) is None:
            return self.logout("MsgSeqNum (34) missing or not a number")
        if msg.get(49) != self.sender or msg.get(56) != self.target.value:
            return self.logout("CompID problem: SenderCompID/TargetCompID do not match the session")
        return None

    def _process(self, msg: Message, seq: int, now: float) -> list[Action]:
        mt = msg.msg_type or ""
        missing = next((t for t in REQUIRED_TAGS.get(mt, ()) if not msg.get(t)), None)
        if missing is not None:
            return [self.reject(seq, mt, missing, 1, f"Required tag missing: {missing}", now=now)]
        if mt == "0":
            return []
        if mt == "1":
            return [self._send("0", [(112, msg.get(112))], now)]
        if mt == "2":
            return self._on_resend_request(msg, now)
        if mt == "3":
            return []
        if mt == "5":
            actions = [] if self.state is State.LOGGING_OUT else [self._send("5", [], now)]
            self.state = State.CLOSED
            return [*actions, Close("logout")]
        if mt == "A":
            return [self.reject(seq, mt, 35, 11, "Logon received on an active session", now=now)]
        if mt in APP_TYPES:
            return [Deliver(msg)]
        return [self.business_reject(seq, mt, 3, f"Unsupported message type: {mt}", now=now)]

    def _on_sequence_reset(self, msg: Message, seq: int, now: float) -> list[Action]:
        new_seq = seq_number(msg.get(36))
        if new_seq is None:
            if seq == self.next_in:
                self.next_in += 1  # a Reject consumes the sequence number of the message it refuses
            return [self.reject(seq, "4", 36, 6 if msg.has(36) else 1, "NewSeqNo (36) missing or not a number",
                                now=now)]
        if msg.get(123) == "Y" and seq > self.next_in:
            return self._on_message_gap(msg, seq, now)
        if new_seq > self.next_in:
            self.next_in = new_seq
        for stale in [s for s in self._pending if s < self.next_in]:
            del self._pending[stale]
        return self._drain_pending(now)

    def _on_message_gap(self, msg: Message, seq: int, now: float) -> list[Action]:
        if not self.target.retransmits:
            return self.logout(f"MsgSeqNum too high, expecting {self.next_in} but received {seq}", now=now)
        self._pending[seq] = msg
        if self._resend_asked:
            return []
        self._resend_asked = True
        return [self._send("2", [(7, str(self.next_in)), (16, "0")], now)]

    def _on_resend_request(self, msg: Message, now: float) -> list[Action]:
        begin, end = seq_number(msg.get(7)), seq_number(msg.get(16) or "0")
        if begin is None or end is None:
            tag, name = (7, "BeginSeqNo") if begin is None else (16, "EndSeqNo")
            return [self.reject(int(msg.get(34)), "2", tag, 6, f"{name} ({tag}) is not a number", now=now)]
        last = self.next_out - 1 if end == 0 or end >= self.next_out else end
        actions: list[Action] = []
        gap_from: int | None = None
        for seq in range(max(begin, 1), last + 1):
            stored = self.sent.get(seq) if self.target.retransmits else None
            if stored is None:
                gap_from = seq if gap_from is None else gap_from
                continue
            if gap_from is not None:
                actions.append(self._gap_fill(gap_from, seq, now))
                gap_from = None
            actions.append(self._resend(seq, stored, now))
        if gap_from is not None:
            actions.append(self._gap_fill(gap_from, last + 1, now))
        return actions

    # --- logon ---------------------------------------------------------------------------------
    def _on_logon(self, msg: Message, now: float, wall: datetime) -> list[Action]:
        self.sender = msg.get(49) or ""
        if msg.msg_type != "A":
            return self.logout("First message must be Logon (35=A)", now=now)
        missing = next((t for t in (49, 56, 34, 52, 98, 108, 96) if not msg.get(t)), None)
        if missing is not None:
            return self.logout(f"Logon rejected: required tag missing: {missing}", now=now)
        if msg.get(56) != self.target.value:
            return self.logout(f"Logon rejected: TargetCompID must be {self.target.value}", now=now)
        heartbeat, seq, reset = seq_number(msg.get(108)), seq_number(msg.get(34)), msg.get(141) == "Y"
        if heartbeat is None or seq is None:
            return self.logout("Logon rejected: MsgSeqNum and HeartBtInt must be integers", now=now)
        if heartbeat < self.min_heartbeat:
            return self.logout(f"Logon rejected: HeartBtInt must be at least {self.min_heartbeat}", now=now)
        if not self.target.retransmits and not reset:
            return self.logout(f"Logon rejected: ResetSeqNumFlag (141=Y) is required on {self.target.value}",
                               now=now)
        if reset and seq != 1:
            return self.logout("Logon rejected: MsgSeqNum must be 1 with ResetSeqNumFlag", now=now)
        try:
            skew = abs((wall - codec.parse_time(msg.get(52))).total_seconds())
        except ValueError:
            return self.logout("Logon rejected: SendingTime (52) is not a UTCTimestamp", now=now)
        if skew > self.logon_window_s:
            return self.logout(f"Logon rejected: SendingTime is {skew:.0f}s away from the exchange clock", now=now)
        options = {tag: msg.get(tag) == "Y" for tag in LOGON_OPTIONS if msg.get(tag) is not None}
        signed = "\x01".join([msg.get(52), "A", msg.get(34), self.sender, self.target.value]).encode()
        self.heartbeat, self.options, self._logon = heartbeat, options, msg
        self.state = State.AUTHENTICATING
        return [Authenticate(LogonRequest(self.sender, signed, msg.get(96), heartbeat, reset, seq, options))]

    def logon_accepted(self, *, now: float, restored: Restored | None = None) -> list[Action]:
        """The caller verified the signature; reply with Logon and start sequencing."""
        logon = self._logon
        reset = logon.get(141) == "Y"
        if restored is not None and not reset:
            self.next_in, self.next_out, self.sent = restored.next_in, restored.next_out, dict(restored.sent)
        else:
            self.next_in, self.next_out, self.sent = 1, 1, {}
        seq = int(logon.get(34))
        if seq < self.next_in:
            return self.logout(f"MsgSeqNum too low, expecting {self.next_in} but received {seq}", now=now)
        self.state = State.ACTIVE
        body = [(98, "0"), (108, str(self.heartbeat))]
        if reset:
            body.append((141, "Y"))
        body.append((1137, "9"))
        actions: list[Action] = [self._send("A", body, now)]
        if seq > self.next_in and self.target.retransmits:
            self._resend_asked = True
            actions.append(self._send("2", [(7, str(self.next_in)), (16, "0")], now))
            self._pending[seq] = Message([(35, "0")])  # the Logon itself occupies its seq
        else:
            self.next_in = seq + 1
        return actions

    def logon_rejected(self, reason: str, *, now: float) -> list[Action]:
        return self.logout(f"Logon rejected: {reason}", now=now)

    # --- outbound ------------------------------------------------------------------------------
    def send_app(self, msg_type: str, body: list[tuple[int, str]], *, now: float) -> Send:
        """An application message with the next sequence number; kept for resend on RT and PT."""
        action = self._send(msg_type, body, now)
        if self.target.retransmits:
            self.sent[action.seq] = action.data
        return action

    def reject(self, ref_seq: int, ref_type: str, tag: int | None, reason: int, text: str, *,
               now: float) -> Send:
        body = [(45, str(ref_seq))]
        if tag is not None:
            body.append((371, str(tag)))
        body += [(372, ref_type), (373, str(reason)), (58, text)]
        return self._send("3", body, now)

    def business_reject(self, ref_seq: int, ref_type: str, reason: int, text: str, *, now: float,
                        ref_id: str | None = None) -> Send:
        body = [(45, str(ref_seq)), (372, ref_type)]
        if ref_id:
            body.append((379, ref_id))
        body += [(380, str(reason)), (58, text)]
        return self.send_app("j", body, now=now)

    def logout(self, text: str, *, now: float = 0.0) -> list[Action]:
        """Say why and end the session (a Logout before Logon is answered with seq 1)."""
        if self.state in (State.CLOSED, State.LOGGING_OUT):
            return []
        was_active = self.state is State.ACTIVE
        actions: list[Action] = [self._send("5", [(58, text)], now)]
        if was_active:
            self.state = State.LOGGING_OUT
            self._logout_sent_at = now
        else:
            self.state = State.CLOSED
            actions.append(Close(text))
        return actions

    def tick(self, now: float) -> list[Action]:
        """Heartbeats, TestRequests and timeouts; call about once a second."""
        if self.state is State.LOGGING_OUT and now - (self._logout_sent_at or now) > 2.0:
            self.state = State.CLOSED
            return [Close("logout not acknowledged")]
        if self.state is not State.ACTIVE:
            return []
        hb = self.heartbeat
        if self._test_sent_at is not None and now - self._test_sent_at > hb:
            self.state = State.CLOSED
            return [Close("no answer to TestRequest")]
        actions: list[Action] = []
        if now - self._last_in > hb + 1 and self._test_sent_at is None:
            self._test_sent_at = now
            actions.append(self._send("1", [(112, f"TEST{self.next_out}")], now))
        if now - self._last_out >= hb:
            actions.append(self._send("0", [], now))
        return actions

    def _send(self, msg_type: str, body: list[tuple[int, str]], now: float) -> Send:
        seq = self.next_out
        self.next_out += 1
        self._last_out = now
        header = [(49, self.target.value), (56, self.sender or "UNKNOWN"), (34, str(seq)), (52, codec.sending_time())]
        return Send(codec.encode(msg_type, header, body), seq, msg_type)

    def _resend(self, seq: int, stored: bytes, now: float) -> Send:
        reader = codec.FrameReader()
        reader.feed(stored)
        original = reader.messages()[0]
        orig_time = original.get(52)
        header = [(49, self.target.value), (56, self.sender), (34, str(seq)), (43, "Y"),
                  (52, codec.sending_time()), (122, orig_time)]
        skip = {8, 9, 35, 49, 56, 34, 52, 43, 122, 10}
        body = [(t, v) for t, v in original.pairs if t not in skip]
        self._last_out = now
        return Send(codec.encode(original.msg_type, header, body), seq, original.msg_type)

    def _gap_fill(self, seq: int, new_seq: int, now: float) -> Send:
        header = [(49, self.target.value), (56, self.sender), (34, str(seq)), (43, "Y"),
                  (52, codec.sending_time()), (122, codec.sending_time())]
        self._last_out = now
        return Send(codec.encode("4", header, [(123, "Y"), (36, str(new_seq))]), seq, "4")


__all__ = ["ADMIN_TYPES", "Action", "Authenticate", "Close", "Deliver", "LogonRequest", "Restored", "Send",
           "Session", "State", "Target"]
