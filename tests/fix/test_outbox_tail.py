"""The acceptor's outbox tail: quiet when nothing happens, woken at once by commits in any process."""

import contextlib
import threading
import time

import pytest
from django.db import connection
from django.db.backends.signals import connection_created

from exchange.fix.acceptor import AcceptorConfig, run_forever
from exchange.fix.session import Target
from tests.fix.keys import fix_key
from tests.fix.raw_client import RawClient
from tests.fix.test_reports import rest_order
from tests.fix.test_session_layer import order
from tests.support.factories import make_market, make_user
from tests.support.servers import free_port, running, test_database_env

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def serving(**config):
    """An acceptor in this process on ephemeral ports, with these AcceptorConfig settings."""
    stop, started, holder = threading.Event(), threading.Event(), {}
    thread = threading.Thread(target=run_forever, daemon=True, args=(
        AcceptorConfig(ports={t: 0 for t in Target}, **config), stop, started, holder))
    thread.start()
    assert started.wait(10)
    try:
        yield holder["acceptor"]
    finally:
        stop.set()
        thread.join(15)


def fill_reaches_session(port: int) -> None:
    """A resting FIX order, then a fill committed by this test process: its Trade report arrives."""
    user, other, market = make_user(), make_user(), make_market()
    key, pem = fix_key(user)
    client = RawClient(port, str(key.key_id), pem, Target.NR.value)
    try:
        client.logon()
        client.send("D", order(market.ticker, "wake", price="50", qty="1"))
        assert client.expect("8", timeout=10).get(150) == "0"
        rest_order(other, market.ticker, action="sell", cents=50, count=100)
        assert client.expect("8", timeout=10).get(150) == "F"
    finally:
        client.close()


def test_an_idle_acceptor_neither_spins_nor_reconnects():
    """Over an idle second the tail runs a handful of statements (it backs off to one read per
    idle_poll_s) and opens no database connection (it keeps its own between reads)."""
    opened, lock = [], threading.Lock()

    def count(sender, connection, **kwargs):
        with lock:
            opened.append(connection.alias)

    with serving(poll_interval_s=0.02, idle_poll_s=0.5) as acceptor:
        time.sleep(2.0)  # let the poll interval back off
        connection_created.connect(count)
        try:
            before = acceptor.outbox_queries
            time.sleep(1.0)
            during = acceptor.outbox_queries - before
        finally:
            connection_created.disconnect(count)
    assert during <= 1.0 / 0.5 + 1
    assert opened == []


def test_a_commit_in_this_process_wakes_the_tail():
    """A fill committed in this process reaches the session long before the next poll (60 s) would
    read it: the commit wakes the tail (for the market's first event), then its events go out live."""
    with serving(poll_interval_s=60, idle_poll_s=60) as acceptor:
        fill_reaches_session(acceptor.ports[Target.NR])


@pytest.mark.postgres
def test_a_commit_in_another_process_wakes_runfix():
    """A fill committed here reaches a session of a separate runfix process that polls only every
    60 s: the database's notification wakes its tail."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    port = free_port()
    args = ["manage.py", "runfix", "--nr-port", str(port), "--rt-port", str(free_port()),
            "--dc-port", str(free_port()), "--pt-port", str(free_port())]
    env = test_database_env(FIX_POLL_INTERVAL_S="60", FIX_IDLE_POLL_S="60")
    with running(args, port=port, env=env, log_name="runfix-wake"):
        fill_reaches_session(port)
