"""The acceptor's outbox tail: quiet when nothing happens, immediate when this process commits."""

import threading
import time

import pytest
from django.db.backends.signals import connection_created

from exchange.fix.acceptor import AcceptorConfig, run_forever
from exchange.fix.session import Target
from tests.fix.keys import fix_key
from tests.fix.raw_client import RawClient
from tests.fix.test_reports import rest_order
from tests.fix.test_session_layer import order
from tests.support.factories import make_market, make_user


def test_an_idle_acceptor_neither_spins_nor_reconnects(acceptor):
    """Over an idle second the tail runs a handful of statements (it backs off to one read per
    idle_poll_s) and opens no database connection (it keeps its own between reads)."""
    opened, lock = [], threading.Lock()

    def count(sender, connection, **kwargs):
        with lock:
            opened.append(connection.alias)

    time.sleep(4 * acceptor.config.idle_poll_s)  # let the poll interval back off
    connection_created.connect(count)
    try:
        before = acceptor.outbox_queries
        time.sleep(1.0)
        during = acceptor.outbox_queries - before
    finally:
        connection_created.disconnect(count)
    assert during <= 1.0 / acceptor.config.idle_poll_s + 1
    assert opened == []


@pytest.fixture
def slow_polling(transactional_db):
    """An acceptor that polls the outbox only every 60 s unless woken."""
    stop, started, holder = threading.Event(), threading.Event(), {}
    config = AcceptorConfig(ports={t: 0 for t in Target}, poll_interval_s=60, idle_poll_s=60)
    thread = threading.Thread(target=run_forever, args=(config, stop, started, holder), daemon=True)
    thread.start()
    assert started.wait(10)
    yield holder["acceptor"]
    stop.set()
    thread.join(15)


def test_a_commit_in_this_process_wakes_the_tail(slow_polling):
    """A fill committed in this process reaches the session long before the next poll would read it:
    the commit wakes the tail."""
    user, other, market = make_user(), make_user(), make_market()
    key, pem = fix_key(user)
    client = RawClient(slow_polling.ports[Target.NR], str(key.key_id), pem, Target.NR.value)
    try:
        client.logon()
        client.send("D", order(market.ticker, "wake-1", price="50", qty="1"))
        assert client.expect("8", timeout=10).get(150) == "0"
        rest_order(other, market.ticker, action="sell", cents=50, count=100)
        assert client.expect("8", timeout=10).get(150) == "F"
    finally:
        client.close()
