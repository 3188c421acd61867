"""The event spine: the outbox's vocabulary, its versioned envelope, and its commit-safe reader.

Neutral ground for every producer and consumer of exchange events: the services write through
`outbox_write`; WebSocket fan-out, FIX reports, the Kafka relay and the book rebuilder read
`Envelope`s through `OutboxReader` and speak of kinds and reasons through the enums here.
"""

from exchange.outbox.envelope import SCHEMA_VERSION, Envelope, EnvelopeError
from exchange.outbox.kinds import (
    PRIVATE_KINDS,
    PUBLIC_KINDS,
    CancelReason,
    EventKind,
    ExecType,
    LifecycleEvent,
    OrderGroupEvent,
    UpdateReason,
    exec_type_of,
)
from exchange.outbox.reader import OutboxReader, add_listener, envelope_of, remove_listener, wait_for_publish
from exchange.outbox.writer import outbox_write

__all__ = [
    "PRIVATE_KINDS",
    "PUBLIC_KINDS",
    "SCHEMA_VERSION",
    "CancelReason",
    "Envelope",
    "EnvelopeError",
    "EventKind",
    "ExecType",
    "LifecycleEvent",
    "OrderGroupEvent",
    "OutboxReader",
    "UpdateReason",
    "add_listener",
    "envelope_of",
    "exec_type_of",
    "outbox_write",
    "remove_listener",
    "wait_for_publish",
]
