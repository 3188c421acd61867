"""Reports of this process's commits come from the events published after commit; the outbox tail
brings the rest, and a report from the tail that comes first in its market is delivered first.

Evidence: ExecID (17) is a "unique sequenced identifier for this report message" and OrdStatus (39)
"should be read as the status after the event causing this execution report"
(https://docs.kalshi.com/fix/order-entry), so a client applies each order's reports in order, once.
"""

import asyncio

import pytest

from exchange.fix.session import Target
from exchange.outbox import add_listener, remove_listener
from exchange.services import publish
from tests.fix.keys import fix_key
from tests.fix.raw_client import RawClient
from tests.fix.test_outbox_tail import serving
from tests.fix.test_reports import rest_order, wait_for
from tests.fix.test_session_layer import order
from tests.support.factories import make_market, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def on_loop(acceptor, fn) -> None:
    """Run `fn` on the acceptor's event loop and wait for it."""
    loop = acceptor._tasks[0].get_loop()
    asyncio.run_coroutine_threadsafe(_call(fn), loop).result(10)


async def _call(fn) -> None:
    fn()


def test_a_fill_committed_here_reaches_the_session_with_the_tail_stopped(raw, acceptor):
    """With the outbox tail stopped, a fill committed in this process still reaches the session."""
    user, seller, market = make_user(), make_user(), make_market()
    client = raw(Target.NR, *fix_key(user))
    assert client.logon().msg_type == "A"
    client.send("D", order(market.ticker, "live-1", price="50", qty="2"))
    assert client.expect("8").get(150) == "0"
    on_loop(acceptor, lambda: acceptor._tasks[0].cancel())
    rest_order(seller, market.ticker, action="sell", cents=50, count=100)
    trade = client.expect("8")
    assert (trade.get(150), trade.get(11), trade.get(32)) == ("F", "live-1", "1.00")


def test_a_fill_committed_elsewhere_comes_before_a_later_cancel_committed_here():
    """A partial fill committed outside this process (only the tail can bring it), then a FIX cancel of
    the same order: the Canceled report waits at the book_seq gap for the fill's, which comes first."""
    user, seller, market = make_user(), make_user(), make_market()
    with serving(poll_interval_s=60, idle_poll_s=60) as acceptor:  # the tail reads only when woken
        key, pem = fix_key(user)
        client = RawClient(acceptor.ports[Target.NR], str(key.key_id), pem, Target.NR.value)
        try:
            assert client.logon().msg_type == "A"
            client.send("D", order(market.ticker, "live-1", price="50", qty="2"))
            assert client.expect("8").get(150) == "0"
            remove_listener(acceptor._listener)  # nothing wakes the tail until the test does
            publish.unsubscribe(acceptor._subscriber)  # the fill's commit is not published to this acceptor
            rest_order(seller, market.ticker, action="sell", cents=50, count=100)
            publish.subscribe(acceptor._subscriber)
            client.send("F", [(11, "live-1-cancel"), (41, "live-1"), (54, "1"), (55, market.ticker)])
            assert wait_for(lambda: acceptor.merge.waiting >= 1)  # the Canceled report is held at the gap
            on_loop(acceptor, acceptor._wake.set)
            first, second = client.expect("8"), client.expect("8")
            assert [(r.get(150), r.get(14)) for r in (first, second)] == [("F", "1.00"), ("4", "1.00")]
            assert int(first.get(17).split(";")[0]) < int(second.get(17).split(";")[0])
        finally:
            client.close()
            add_listener(acceptor._listener)
