"""The versioned envelope: JSON round trip, and refusal of what it does not understand."""

import pytest

from exchange.outbox import SCHEMA_VERSION, Envelope, EnvelopeError, EventKind


def sample() -> Envelope:
    return Envelope(id=42, kind=EventKind.BOOK, market="INXD-23DEC29-B5000", book_seq=7, user_id=None,
                    ts_ms=1_700_000_000_123, payload={"ticker": "INXD-23DEC29-B5000", "levels": [["bid", 4500, 300]]})


def test_round_trip():
    envelope = sample()
    assert Envelope.from_json(envelope.to_json()) == envelope
    assert envelope.to_dict()["v"] == SCHEMA_VERSION


def test_newer_schema_is_refused():
    data = sample().to_dict() | {"v": SCHEMA_VERSION + 1}
    with pytest.raises(EnvelopeError, match="version"):
        Envelope.from_dict(data)


@pytest.mark.parametrize("raw", [b"", b"[]", b"{\"v\": 1}", b"\xff", b'{"v":1,"id":1,"kind":"nope","market":null,'
                                 b'"book_seq":null,"user_id":null,"ts_ms":1,"payload":{}}'])
def test_garbage_is_refused(raw):
    with pytest.raises(EnvelopeError):
        Envelope.from_json(raw)


def test_private_follows_kind():
    assert not sample().private
    assert Envelope(id=1, kind=EventKind.EXECUTION, market="M", book_seq=1, user_id=3, ts_ms=0).private
