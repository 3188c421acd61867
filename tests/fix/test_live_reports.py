"""Reports of this process's commits come from the events published after commit; the outbox tail
brings the rest, and a report from the tail that comes first in its market is delivered first.

Evidence: ExecID (17) is a "unique sequenced identifier for this report message" and OrdStatus (39)
"should be read as the status after the event causing this execution report"
(https://docs.kalshi.com/fix/order-entry), so a client applies each order's reports in order, once.
"""

import asyncio
import threading

import pytest

from exchange import sequencer
from exchange.fix.session import Target
from exchange.models import MarketEvent
from exchange.services import publish
from tests.fix.keys import fix_key
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


def test_a_fill_committed_elsewhere_comes_before_a_later_cancel_committed_here(raw, acceptor):
    """A partial fill committed outside this process (only the tail can bring it), then a FIX cancel of
    the same order: the Canceled report waits at the book_seq gap for the fill's, which comes first."""
    user, seller, market = make_user(), make_user(), make_market()
    client = raw(Target.NR, *fix_key(user))
    assert client.logon().msg_type == "A"
    client.send("D", order(market.ticker, "live-1", price="50", qty="2"))
    assert client.expect("8").get(150) == "0"
    tail, read = threading.Lock(), acceptor._read
    acceptor._read = lambda: tail_read(tail, read)
    with tail:  # taken once any read under way has finished: the tail reads nothing until released
        publish.unsubscribe(acceptor._subscriber)  # the fill's commit is not published to this acceptor
        rest_order(seller, market.ticker, action="sell", cents=50, count=100)
        publish.subscribe(acceptor._subscriber)
        client.send("F", [(11, "live-1-cancel"), (41, "live-1"), (54, "1"), (55, market.ticker)])
        assert wait_for(lambda: acceptor.merge.waiting >= 1)  # the Canceled report is held at the gap
    first, second = client.expect("8"), client.expect("8")
    assert [(r.get(150), r.get(14)) for r in (first, second)] == [("F", "1.00"), ("4", "1.00")]
    assert int(first.get(17).split(";")[0]) < int(second.get(17).split(";")[0])


def tail_read(lock: threading.Lock, read):
    with lock:
        return read()


def test_a_report_the_tail_brings_before_its_command_answered_waits_for_the_answer(raw, acceptor, monkeypatch):
    """The Canceled report names the cancel request (11, 41) even when the tail reads the cancel's event
    before the request is recorded: the report waits for its command's answer."""
    user, market = make_user(), make_market()
    client = raw(Target.NR, *fix_key(user))
    assert client.logon().msg_type == "A"
    client.send("D", order(market.ticker, "tail-1"))
    assert client.expect("8").get(150) == "0"
    publish.unsubscribe(acceptor._subscriber)  # only the tail brings events from here
    real = sequencer.aexecute

    async def answer_after_the_tail(name, /, **kwargs):
        result = await real(name, **kwargs)
        if name == "order_cancel":
            newest = MarketEvent.objects.order_by("-id").values_list("id", flat=True).first
            last = await asyncio.to_thread(newest)
            acceptor._wake.set()
            while acceptor.merge.passed < last:
                await asyncio.sleep(0.005)
        return result
    monkeypatch.setattr(sequencer, "aexecute", answer_after_the_tail)
    try:
        client.send("F", [(11, "tail-1-cancel"), (41, "tail-1"), (54, "1"), (55, market.ticker)])
        canceled = client.expect("8")
    finally:
        publish.subscribe(acceptor._subscriber)
    assert (canceled.get(150), canceled.get(11), canceled.get(41)) == ("4", "tail-1-cancel", "tail-1")
