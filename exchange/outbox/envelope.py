"""The one versioned envelope every outbox reader hands out and every stream carries.

`Envelope` is pure data (no Django): the Kafka relay serializes it with `to_json`, consumers parse it
with `from_json`. A reader of a newer schema version than it knows refuses it instead of guessing.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from exchange.outbox.kinds import PRIVATE_KINDS, EventKind

SCHEMA_VERSION = 1


class EnvelopeError(ValueError):
    """Bytes that are not an envelope this code understands."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """One committed outbox event.

    `id` is the outbox's global id; `market` the market ticker (None for events of no market, such as
    order groups); `book_seq` the market's sequence after the change (on BOOK events it is the
    event's own, unique per market); `user_id` is set on private kinds; `ts_ms` is the time of the
    transaction that wrote the event (Unix ms); `payload` is the kind's body in the exchange's units.
    """

    id: int
    kind: EventKind
    market: str | None
    book_seq: int | None
    user_id: int | None
    ts_ms: int
    payload: dict[str, Any] = field(default_factory=dict)
    version: int = SCHEMA_VERSION

    @property
    def private(self) -> bool:
        return self.kind in PRIVATE_KINDS

    def to_dict(self) -> dict[str, Any]:
        return {"v": self.version, "id": self.id, "kind": self.kind.value, "market": self.market,
                "book_seq": self.book_seq, "user_id": self.user_id, "ts_ms": self.ts_ms, "payload": self.payload}

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Envelope":
        try:
            version = int(data["v"])
            if version > SCHEMA_VERSION or version < 1:
                raise EnvelopeError(f"envelope schema version {version} is not supported (<= {SCHEMA_VERSION})")
            return cls(id=int(data["id"]), kind=EventKind(data["kind"]), market=data["market"],
                       book_seq=_opt_int(data["book_seq"]), user_id=_opt_int(data["user_id"]),
                       ts_ms=int(data["ts_ms"]), payload=dict(data["payload"]), version=version)
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, EnvelopeError):
                raise
            raise EnvelopeError(f"not an outbox envelope: {error!r}") from None

    @classmethod
    def from_json(cls, data: bytes | str) -> "Envelope":
        try:
            parsed = json.loads(data)
        except (ValueError, UnicodeDecodeError) as error:
            raise EnvelopeError(f"not JSON: {error}") from None
        if not isinstance(parsed, dict):
            raise EnvelopeError("an envelope is a JSON object")
        return cls.from_dict(parsed)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)
