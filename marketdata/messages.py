"""What the feed's Kafka messages carry: outbox envelopes, and the relay's periodic book snapshots.

Every message has headers `event_id` (for deduplication), `kind` and `schema_version`. Envelopes are
`exchange.outbox.Envelope.to_json()`; a snapshot is the exchange's consistent `(book_seq, levels)`
read of one market, so a consumer can start from the topic alone.
"""

import json
from dataclasses import dataclass
from enum import StrEnum

from exchange.outbox import SCHEMA_VERSION, Envelope, EnvelopeError
from marketdata.kafka import Header, Topic


class FeedKind(StrEnum):
    """Messages of the feed that are not outbox events."""

    BOOK_SNAPSHOT = "book_snapshot"


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    """A market's whole book at `book_seq`: [(book side, YES price, count)] in the exchange's units."""

    market: str
    book_seq: int
    ts_ms: int
    levels: tuple[tuple[str, int, int], ...]

    @property
    def event_id(self) -> str:
        return f"snapshot:{self.market}:{self.book_seq}"

    def to_json(self) -> bytes:
        body = {"v": SCHEMA_VERSION, "kind": FeedKind.BOOK_SNAPSHOT.value, "market": self.market,
                "book_seq": self.book_seq, "ts_ms": self.ts_ms, "levels": [list(level) for level in self.levels]}
        return json.dumps(body, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> "BookSnapshot":
        try:
            body = json.loads(data)
            if int(body["v"]) > SCHEMA_VERSION:
                raise EnvelopeError(f"snapshot schema version {body['v']} is not supported")
            levels = tuple((str(side), int(price), int(count)) for side, price, count in body["levels"])
            return cls(str(body["market"]), int(body["book_seq"]), int(body["ts_ms"]), levels)
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, EnvelopeError):
                raise
            raise EnvelopeError(f"not a book snapshot: {error!r}") from None


@dataclass(frozen=True, slots=True)
class Outgoing:
    topic: Topic
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


# Plain strings, read once: enum attribute access is a measurable part of the relay's per-event cost.
_EVENT_ID, _KIND, _SCHEMA = Header.EVENT_ID.value, Header.KIND.value, Header.SCHEMA_VERSION.value
_SCHEMA_BYTES = str(SCHEMA_VERSION).encode()


def _headers(event_id: str, kind: str) -> list[tuple[str, bytes]]:
    return [(_EVENT_ID, event_id.encode()), (_KIND, kind.encode()), (_SCHEMA, _SCHEMA_BYTES)]


def envelope_message(envelope: Envelope) -> Outgoing:
    """Public events go to the market-data topic keyed by ticker, private ones to executions keyed by user."""
    if envelope.private:
        topic, key = Topic.EXECUTIONS, envelope.user_id
    else:
        topic, key = Topic.MARKET_DATA, envelope.market
    return Outgoing(topic, None if key is None else str(key).encode(), envelope.to_json(),
                    _headers(str(envelope.id), envelope.kind.value))


def snapshot_message(snapshot: BookSnapshot) -> Outgoing:
    return Outgoing(Topic.MARKET_DATA, snapshot.market.encode(), snapshot.to_json(),
                    _headers(snapshot.event_id, FeedKind.BOOK_SNAPSHOT.value))


def header(headers: list[tuple[str, bytes]] | None, name: Header) -> str | None:
    for key, value in headers or ():
        if key == name.value:
            return value.decode()
    return None


def decode(value: bytes, headers: list[tuple[str, bytes]] | None) -> Envelope | BookSnapshot:
    """A consumed message's body; raises EnvelopeError for anything else."""
    if header(headers, Header.KIND) == FeedKind.BOOK_SNAPSHOT.value:
        return BookSnapshot.from_json(value)
    return Envelope.from_json(value)
