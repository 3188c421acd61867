"""Each outbox envelope goes to its topic under its key, with the headers a consumer deduplicates on."""

import pytest

from exchange.outbox import SCHEMA_VERSION, Envelope, EnvelopeError, EventKind
from marketdata.kafka import Header, Topic
from marketdata.messages import BookSnapshot, FeedKind, decode, envelope_message, header, snapshot_message


def _envelope(kind: EventKind, user_id: int | None = None) -> Envelope:
    return Envelope(id=42, kind=kind, market="MKT-A", book_seq=7, user_id=user_id, ts_ms=1_700_000_000_000,
                    payload={"ticker": "MKT-A", "levels": [["bid", 4500, 100]]})


@pytest.mark.parametrize("kind", [EventKind.BOOK, EventKind.TRADE, EventKind.TICKER, EventKind.LIFECYCLE])
def test_public_events_go_to_market_data_keyed_by_ticker(kind):
    """One market's events share a key, so they stay on one partition in order."""
    out = envelope_message(_envelope(kind))
    assert (out.topic, out.key) == (Topic.MARKET_DATA, b"MKT-A")


@pytest.mark.parametrize("kind", [EventKind.ORDER, EventKind.FILL, EventKind.POSITION, EventKind.EXECUTION,
                                  EventKind.SETTLEMENT])
def test_private_events_go_to_executions_keyed_by_user(kind):
    """A user's private stream is one partition: their orders, fills and positions in commit order."""
    out = envelope_message(_envelope(kind, user_id=9))
    assert (out.topic, out.key) == (Topic.EXECUTIONS, b"9")


def test_headers_carry_the_event_id_kind_and_schema_version_and_the_body_is_the_envelope():
    """Consumers deduplicate on event_id without parsing the body."""
    envelope = _envelope(EventKind.BOOK)
    out = envelope_message(envelope)
    assert header(out.headers, Header.EVENT_ID) == "42"
    assert header(out.headers, Header.KIND) == "book"
    assert header(out.headers, Header.SCHEMA_VERSION) == str(SCHEMA_VERSION)
    assert decode(out.value, out.headers) == envelope


def test_a_book_snapshot_round_trips_with_its_own_kind_and_a_stable_event_id():
    """The same snapshot published twice has the same event id."""
    snapshot = BookSnapshot("MKT-A", 12, 1_700_000_000_000, (("ask", 5500, 300), ("bid", 4500, 100)))
    out = snapshot_message(snapshot)
    assert (out.topic, out.key) == (Topic.MARKET_DATA, b"MKT-A")
    assert header(out.headers, Header.KIND) == FeedKind.BOOK_SNAPSHOT.value
    assert header(out.headers, Header.EVENT_ID) == "snapshot:MKT-A:12"
    assert decode(out.value, out.headers) == snapshot


@pytest.mark.parametrize("value, kind", [(b"not json", "book"), (b'{"v": 1}', "book"), (b"[]", "book"),
                                         (b'{"v": 1, "market": "A"}', FeedKind.BOOK_SNAPSHOT.value),
                                         (b'{"v": 99, "market": "A", "book_seq": 1, "ts_ms": 1, "levels": []}',
                                          FeedKind.BOOK_SNAPSHOT.value)])
def test_anything_else_is_refused_with_an_envelope_error(value, kind):
    """A consumer skips what it cannot read instead of crashing."""
    with pytest.raises(EnvelopeError):
        decode(value, [(Header.KIND.value, kind.encode())])
