"""FIX wire codec: frames a byte stream into messages and encodes outbound ones, with simplefix.

Framing is by BodyLength and CheckSum so a garbled frame is dropped (FIX says: ignore it, do not
count it) and the stream resynchronizes at the next BeginString; simplefix parses the fields.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

import simplefix
from simplefix.errors import ParsingError

BEGIN_STRING = b"FIXT.1.1"
SOH = b"\x01"
_HEADER = b"8=" + BEGIN_STRING + SOH + b"9="
MAX_BODY = 1_000_000
_MAX_DIGITS = 8


class GarbledFrame(Exception):
    """A frame whose BodyLength, CheckSum or field syntax is wrong; it is dropped."""


@dataclass
class Message:
    """A decoded message: ordered (tag, value) pairs as text."""

    pairs: list[tuple[int, str]] = field(default_factory=list)

    def get(self, tag: int) -> str | None:
        for t, v in self.pairs:
            if t == tag:
                return v
        return None

    @property
    def msg_type(self) -> str | None:
        return self.get(35)

    def has(self, tag: int) -> bool:
        return any(t == tag for t, _ in self.pairs)


class FrameReader:
    """Accumulates socket reads and yields complete messages; partial frames stay buffered."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.dropped = 0

    def feed(self, data: bytes) -> None:
        self._buf.extend(data)

    def messages(self) -> list[Message | GarbledFrame]:
        """Every complete frame now buffered, in order; garbled frames come back as GarbledFrame."""
        out: list[Message | GarbledFrame] = []
        while True:
            item = self._next()
            if item is None:
                return out
            out.append(item)

    def _next(self) -> Message | GarbledFrame | None:
        buf = self._buf
        while True:
            start = buf.find(_HEADER)
            if start < 0:
                # Keep a tail that could be the start of a header split across reads.
                keep = len(_HEADER) - 1
                if len(buf) > keep:
                    self.dropped += len(buf) - keep
                    del buf[: len(buf) - keep]
                return None
            if start:
                self.dropped += start
                del buf[:start]
            digits_at = len(_HEADER)
            end_len = buf.find(SOH, digits_at)
            if end_len < 0:
                if len(buf) - digits_at > _MAX_DIGITS:
                    del buf[:2]
                    continue
                return None
            try:
                body_len = int(buf[digits_at:end_len])
            except ValueError:
                body_len = -1
            if not 0 < body_len <= MAX_BODY:
                del buf[:2]
                return GarbledFrame("BodyLength is not a plausible number")
            total = end_len + 1 + body_len + 7
            if len(buf) < total:
                return None
            frame = bytes(buf[:total])
            if frame[-7:-4] != b"10=" or frame[-1:] != SOH or not frame[-4:-1].isdigit():
                del buf[:2]  # a wrong BodyLength: resync at the next BeginString
                return GarbledFrame("BodyLength does not match the message")
            if int(frame[-4:-1]) != sum(frame[:-7]) % 256:
                del buf[:total]
                return GarbledFrame("CheckSum does not match")
            del buf[:total]
            return _parse(frame)


def _parse(frame: bytes) -> Message | GarbledFrame:
    parser = simplefix.FixParser()
    parser.append_buffer(frame)
    try:
        parsed = parser.get_message()
    except (ParsingError, ValueError) as exc:
        return GarbledFrame(f"unparseable field: {exc}")
    if parsed is None:
        return GarbledFrame("incomplete message")
    pairs = []
    for tag, value in parsed.pairs:
        pairs.append((int(tag), value.decode("latin-1")))
    return Message(pairs)


def sending_time(now: datetime | None = None) -> str:
    """FIX UTCTimestamp with milliseconds, as Kalshi and its clients write it."""
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%d-%H:%M:%S.") + f"{now.microsecond // 1000:03d}"


def parse_time(value: str) -> datetime:
    fmt = "%Y%m%d-%H:%M:%S.%f" if "." in value else "%Y%m%d-%H:%M:%S"
    return datetime.strptime(value, fmt).replace(tzinfo=UTC)


def encode(msg_type: str, header: list[tuple[int, str]], body: list[tuple[int, str]]) -> bytes:
    """A complete wire message; simplefix computes BodyLength and CheckSum."""
    message = simplefix.FixMessage()
    message.append_pair(8, BEGIN_STRING)
    message.append_pair(35, msg_type)
    for tag, value in header:
        message.append_pair(tag, value)
    for tag, value in body:
        message.append_pair(tag, value)
    return message.encode()
