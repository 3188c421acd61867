"""The one publishing hook: outbox events reach subscribers after their transaction commits.

Subscribers (the WebSocket fan-out, in-process FIX sessions, tests) register a callable that takes a
list of committed `MarketEvent` rows in id order. A failing subscriber never affects the others or
the transaction, which has already committed: the outbox row is the durable record.
"""

import logging
from collections.abc import Callable, Sequence

from django.db import transaction

log = logging.getLogger(__name__)

Subscriber = Callable[[Sequence["object"]], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


def publish_on_commit(events: Sequence[object]) -> None:
    if events:
        transaction.on_commit(lambda: _deliver(events))


def _deliver(events: Sequence[object]) -> None:
    for subscriber in list(_subscribers):
        try:
            subscriber(events)
        except Exception:  # a subscriber's bug must not break order entry
            log.exception("event subscriber %r failed", subscriber)
