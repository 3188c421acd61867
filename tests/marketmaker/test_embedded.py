"""The embedded scheduler of `manage.py runsim` runs the beat schedule's tasks in a thread."""

import threading
import time

import pytest
from django.test import override_settings

from exchange.models import Market, Order
from marketmaker import embedded


@pytest.mark.django_db(transaction=True)
def test_embedded_scheduler_quotes_and_moves_the_book_until_stopped(market, maker):
    """Started like runsim starts it, the scheduler quotes the configured market and stops when told."""
    values = {"TICKER": market.ticker, "USER": maker.username, "INTERVAL_MS": 100, "PRICE_MIN_CENTS": 33,
              "PRICE_MAX_CENTS": 67, "SPREAD_CENTS": 10, "QUANTITY": 100}
    schedule = {"market-maker": {"task": "marketmaker.tasks.quote_markets", "schedule": 0.05},
                "markets-close": {"task": "exchange.tasks.markets_close", "schedule": 0.2}}
    stop = threading.Event()
    with override_settings(MARKET_MAKER=values, MARKET_MAKER_POLL_MS=50, CELERY_BEAT_SCHEDULE=schedule):
        thread = threading.Thread(target=embedded.run, args=(stop,), daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 30
            seqs = set()
            while time.monotonic() < deadline and len(seqs) < 4:
                seqs.add(Market.objects.get(pk=market.pk).book_seq)
                resting = Order.objects.filter(user=maker, status=Order.Status.RESTING).count()
                assert resting <= 6
                time.sleep(0.05)
        finally:
            stop.set()
            thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(seqs) >= 4
    assert Order.objects.filter(user=maker, status=Order.Status.RESTING).exists()


def test_every_beat_entry_names_a_registered_task():
    """Beat and the embedded scheduler find a task for every CELERY_BEAT_SCHEDULE entry."""
    from django.conf import settings

    from kalshi_site.celery import app

    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert names == {"marketmaker.tasks.quote_markets", "exchange.tasks.markets_open", "exchange.tasks.markets_close",
                     "exchange.tasks.orders_expire", "exchange.tasks.markets_settle"}
    assert names <= set(app.tasks)
