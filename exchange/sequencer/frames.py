"""The engine transport's frames: a 4-byte length, an HMAC-SHA256 and a pickle.

The MAC is keyed from the deployment's secret and covers the connection's nonce (sent by the server on
accept), the direction and the frame's number on the connection, so nothing unauthenticated is ever
unpickled and a recorded frame cannot be replayed, reordered or reflected.
"""

import asyncio
import copyreg
import hashlib
import hmac
import io
import pickle
import struct
from enum import StrEnum
from typing import Any

from exchange.services.errors import ExchangeError

HELLO = b"KXENGINE1"
NONCE_SIZE = 16
MAC_SIZE = 32
LENGTH = struct.Struct("!I")
COUNTER = struct.Struct("!Q")
MAX_FRAME = 16 * 1024 * 1024  # a batch of a few thousand orders with their replies fits easily


class Op(StrEnum):
    ONE = "one"
    MANY = "many"


class Status(StrEnum):
    OK = "ok"
    ERROR = "error"
    RAISE = "raise"


class FrameRefused(Exception):
    """A frame that is oversized, fails its MAC, cannot be decoded, or is not a well-formed request."""


def _exchange_error(cls: type[ExchangeError], code, message: str, details: str) -> ExchangeError:
    return cls(code, message, details)


def _reduce_exchange_error(error: ExchangeError) -> tuple:
    return _exchange_error, (type(error), error.code, error.message, error.details)


# Exceptions pickle their constructor args, which for ExchangeError would lose code and details.
_DISPATCH = copyreg.dispatch_table.copy()
_DISPATCH[ExchangeError] = _reduce_exchange_error


def dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(value)
    return buffer.getvalue()


def derive_key(secret: str) -> bytes:
    """The transport's own key, so frames MACs never double as any other use of the secret."""
    return hmac.new(secret.encode(), b"exchange.sequencer.transport", hashlib.sha256).digest()


class Channel:
    """One connection's frames in one direction each: seals what it sends, opens what it receives."""

    def __init__(self, key: bytes, nonce: bytes, *, server: bool, max_frame: int = MAX_FRAME) -> None:
        self.key, self.nonce, self.max_frame = key, nonce, max_frame
        self.send_tag, self.recv_tag = (b"R", b"C") if server else (b"C", b"R")
        self.sent = self.received = 0

    def _mac(self, tag: bytes, number: int, payload: bytes) -> bytes:
        mac = hmac.new(self.key, self.nonce + tag + COUNTER.pack(number), hashlib.sha256)
        mac.update(payload)
        return mac.digest()

    def seal(self, value: Any) -> bytes:
        return self.seal_payload(dumps(value))

    def seal_payload(self, payload: bytes) -> bytes:
        """The next frame carrying `payload` (a pickle) as it is."""
        if len(payload) > self.max_frame:
            raise ValueError(f"a frame of {len(payload)} bytes exceeds the limit of {self.max_frame}")
        mac = self._mac(self.send_tag, self.sent, payload)
        self.sent += 1
        return LENGTH.pack(len(payload)) + mac + payload

    def length(self, header: bytes) -> int:
        (size,) = LENGTH.unpack(header)
        if size > self.max_frame:
            raise FrameRefused(f"frame of {size} bytes exceeds the limit of {self.max_frame}")
        return size

    def open(self, body: bytes) -> Any:
        mac, payload = body[:MAC_SIZE], body[MAC_SIZE:]
        if not hmac.compare_digest(mac, self._mac(self.recv_tag, self.received, payload)):
            raise FrameRefused("bad MAC")
        self.received += 1
        try:
            return pickle.loads(payload)
        except Exception as error:  # e.g. a class the other side has and this one lacks
            raise FrameRefused(f"undecodable payload: {error!r}") from error


async def read_frame(reader: asyncio.StreamReader, channel: Channel) -> Any:
    size = channel.length(await reader.readexactly(LENGTH.size))
    return channel.open(await reader.readexactly(MAC_SIZE + size))
