"""A minimal blocking FIX client built on simplefix, for driving the acceptor byte by byte."""

import socket
import time
from datetime import UTC, datetime, timedelta

import simplefix

from exchange.fix.codec import FrameReader, Message, sending_time
from exchange.signing import sign_rsa_pss


class RawClient:
    def __init__(self, port: int, key_id: str, pem: str, target: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.key_id, self.pem, self.target = key_id, pem, target
        self.seq = 1
        self.reader = FrameReader()
        self.inbox: list[Message] = []

    def build(self, msg_type: str, body: list[tuple[int, str]], *, seq: int | None = None,
              sender: str | None = None, target: str | None = None, when: datetime | None = None,
              poss_dup: bool = False) -> bytes:
        seq = self.seq if seq is None else seq
        message = simplefix.FixMessage()
        message.append_pair(8, "FIXT.1.1")
        message.append_pair(35, msg_type)
        message.append_pair(49, sender or self.key_id)
        message.append_pair(56, target or self.target)
        message.append_pair(34, seq)
        if poss_dup:
            message.append_pair(43, "Y")
        message.append_pair(52, sending_time(when))
        for tag, value in body:
            message.append_pair(tag, value)
        return message.encode()

    def send(self, msg_type: str, body: list[tuple[int, str]], **kwargs) -> int:
        seq = kwargs.pop("seq", None)
        seq = self.seq if seq is None else seq
        self.sock.sendall(self.build(msg_type, body, seq=seq, **kwargs))
        self.seq = max(self.seq, seq + 1)
        return seq

    def logon(self, *, reset: bool = True, heartbeat: int = 30, options: dict[int, str] | None = None,
              skew: timedelta = timedelta(0), signature: str | None = None, target: str | None = None,
              seq: int | None = None) -> Message:
        when = datetime.now(UTC) + skew
        seq = 1 if seq is None else seq
        signed = "\x01".join([sending_time(when), "A", str(seq), self.key_id, target or self.target]).encode()
        sig = signature or sign_rsa_pss(self.pem, signed)
        body = [(98, "0"), (108, str(heartbeat)), (95, str(len(sig))), (96, sig)]
        if reset:
            body.append((141, "Y"))
        body.append((1137, "9"))
        body += [(tag, value) for tag, value in (options or {}).items()]
        self.sock.sendall(self.build("A", body, seq=seq, when=when, target=target))
        self.seq = seq + 1
        return self.expect("A", "5")

    def read(self, timeout: float = 5.0) -> Message | None:
        """The next message, or None when the peer closed the connection."""
        deadline = time.monotonic() + timeout
        while not self.inbox:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no message from the acceptor")
            self.sock.settimeout(remaining)
            data = self.sock.recv(65536)
            if not data:
                return None
            self.reader.feed(data)
            self.inbox += [m for m in self.reader.messages() if isinstance(m, Message)]
        return self.inbox.pop(0)

    def expect(self, *msg_types: str, timeout: float = 5.0, skip: tuple[str, ...] = ("0",)) -> Message:
        """The next message of one of `msg_types`, skipping heartbeats."""
        while True:
            message = self.read(timeout)
            assert message is not None, f"connection closed while waiting for {msg_types}"
            if message.msg_type in msg_types:
                return message
            assert message.msg_type in skip, f"expected {msg_types}, got {message.pairs}"

    def closed(self, timeout: float = 5.0) -> bool:
        """True once the acceptor has closed the connection (after any pending messages)."""
        try:
            while True:
                if self.read(timeout) is None:
                    return True
        except (TimeoutError, OSError):
            return False

    def close(self) -> None:
        self.sock.close()
