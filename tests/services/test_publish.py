"""The publishing hook: subscribers see committed outbox events, and nothing from rolled-back work."""

import pytest

from exchange.services import ExchangeError, publish
from tests.services.conftest import place


@pytest.mark.django_db(transaction=True)
def test_subscribers_receive_events_after_commit_only(trader, market):
    """Committed orders are published in id order; a rejected order publishes nothing."""
    seen = []
    subscriber = seen.extend
    publish.subscribe(subscriber)
    try:
        place(trader, market.ticker, "yes", "buy", 40, 1)
        with pytest.raises(ExchangeError):
            place(trader, market.ticker, "yes", "buy", 0, 1)
    finally:
        publish.unsubscribe(subscriber)
    kinds = [event.kind for event in seen]
    assert kinds == ["book", "ticker", "order", "execution"]
    assert [e.id for e in seen] == sorted(e.id for e in seen)
    assert seen[-1].user_id == trader.pk
