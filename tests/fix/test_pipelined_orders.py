"""Pipelined order entry over a real TCP session: many commands in flight on one session, each order's
reports in order, sequence numbers contiguous, and a cancel or replace sent right behind its order
applied after it.

Evidence: with Logon 21026=Y Kalshi "always emits a standalone New<0> execution report before any
Trade<F> report" (https://docs.kalshi.com/fix/changelog, version 1.0.22); ExecID (17) is a "unique
sequenced identifier for this report message" and a cancel or replace names the order by
OrigClOrdID (41) (https://docs.kalshi.com/fix/order-entry).
"""

import asyncio

import pytest

from exchange import sequencer
from exchange.fix.session import Target
from tests.fix.keys import fix_key
from tests.fix.test_reports import rest_order, wait_for
from tests.fix.test_session_layer import order
from tests.support.factories import make_market, make_user

pytestmark = pytest.mark.django_db(transaction=True)
IN_FLIGHT = 16


def gate_commands(monkeypatch, count: int) -> None:
    """Hold every command until `count` are in flight at once: a session that waited for each order
    before reading the next would never get there (and the test fails on its deadline)."""
    real, state = sequencer.aexecute, {"entered": 0, "all_in": None}

    async def gated(name, /, **kwargs):
        if state["all_in"] is None:
            state["all_in"] = asyncio.Event()
        state["entered"] += 1
        if state["entered"] >= count:
            state["all_in"].set()
        await asyncio.wait_for(state["all_in"].wait(), 20)
        return await real(name, **kwargs)
    monkeypatch.setattr(sequencer, "aexecute", gated)


def reports_until(client, done) -> list:
    """Every ExecutionReport until `done(reports)` holds, checking each message's MsgSeqNum follows the last."""
    reports, last_seq = [], None
    while not done(reports):
        message = client.expect("8", "0")
        seq = int(message.get(34))
        assert last_seq is None or seq == last_seq + 1, f"MsgSeqNum {seq} after {last_seq}"
        last_seq = seq
        if message.msg_type == "8":
            reports.append(message)
    return reports


def test_sixteen_pipelined_orders_are_in_flight_together_and_each_reports_new_before_trades(raw, acceptor,
                                                                                              monkeypatch):
    """Sixteen NewOrderSingles sent at once are submitted together; each order gets its New before its
    Trades, fills arriving later too, with contiguous MsgSeqNums and every ExecID once."""
    user, seller, market = make_user(), make_user(), make_market()
    rest_order(seller, market.ticker, action="sell", cents=50, count=800)  # the first eight take this
    client = raw(Target.NR, *fix_key(user))
    assert client.logon(options={21026: "Y"}).msg_type == "A"
    gate_commands(monkeypatch, IN_FLIGHT)
    names = [f"p-{n}" for n in range(IN_FLIGHT)]
    burst = b"".join(client.build("D", order(market.ticker, name, price="50" if n < 8 else "40"), seq=client.seq + n)
                     for n, name in enumerate(names))
    client.sock.sendall(burst)
    client.seq += IN_FLIGHT
    reports = reports_until(client, lambda r: len(r) == 2 * 8 + 8)
    monkeypatch.undo()
    rest_order(seller, market.ticker, action="sell", cents=40, count=800)  # fills the eight resting at 40
    reports += reports_until(client, lambda r: len(r) == 8)

    by_order: dict[str, list[str]] = {}
    for report in reports:
        by_order.setdefault(report.get(11), []).append(report.get(150))
    assert by_order == {name: ["0", "F"] for name in names}
    exec_ids = [r.get(17) for r in reports]
    assert len(set(exec_ids)) == len(exec_ids)
    # Once the outbox tail has read these events too, nothing more arrives: the next message answers a ping.
    last_event = max(int(e.split(";")[0]) for e in exec_ids)
    assert wait_for(lambda: acceptor.merge.passed >= last_event)
    client.send("1", [(112, "after")])
    assert client.expect("8", "0").get(112) == "after"


def test_a_cancel_sent_right_behind_its_order_applies_after_it(raw, acceptor, monkeypatch):
    """NewOrderSingle then OrderCancelRequest by OrigClOrdID in one write, the order still being placed
    when the cancel arrives: New, then Canceled naming the cancel request; never 'unknown order'."""
    user, market = make_user(), make_market()
    client = raw(Target.NR, *fix_key(user))
    assert client.logon().msg_type == "A"
    real = sequencer.aexecute

    async def place_after_cancel_arrives(name, /, **kwargs):
        if name == "order_create":
            conn = acceptor.sessions[(client.key_id, Target.NR)]
            for _ in range(2000):  # the cancel is read while the order waits here
                if conn.pipeline.in_flight >= 2:
                    break
                await asyncio.sleep(0.005)
            assert conn.pipeline.in_flight >= 2
        return await real(name, **kwargs)
    monkeypatch.setattr(sequencer, "aexecute", place_after_cancel_arrives)
    client.sock.sendall(client.build("D", order(market.ticker, "c-1"), seq=client.seq)
                        + client.build("F", [(11, "c-1-cancel"), (41, "c-1"), (54, "1"), (55, market.ticker)],
                                       seq=client.seq + 1))
    client.seq += 2
    new, canceled = client.expect("8", "9"), client.expect("8", "9")
    assert (new.msg_type, new.get(150), new.get(11)) == ("8", "0", "c-1")
    assert (canceled.msg_type, canceled.get(150)) == ("8", "4"), canceled.pairs
    assert (canceled.get(11), canceled.get(41)) == ("c-1-cancel", "c-1")


def test_a_replace_chain_pipelined_applies_in_order(raw):
    """Order, replace (41 = its ClOrdID, new 11) and cancel of the replaced ClOrdID, sent in one write:
    New, Replaced, Canceled, in that order."""
    user, market = make_user(), make_market()
    client = raw(Target.NR, *fix_key(user))
    assert client.logon().msg_type == "A"
    messages = [
        ("D", order(market.ticker, "r-1", price="40", qty="2")),
        ("G", [(11, "r-2"), (41, "r-1"), (38, "3"), (40, "2"), (44, "41"), (54, "1"), (55, market.ticker)]),
        ("F", [(11, "r-3"), (41, "r-2"), (54, "1"), (55, market.ticker)]),
    ]
    client.sock.sendall(b"".join(client.build(t, body, seq=client.seq + n) for n, (t, body) in enumerate(messages)))
    client.seq += len(messages)
    got = [client.expect("8", "9") for _ in messages]
    assert [(m.msg_type, m.get(150), m.get(11)) for m in got] == [("8", "0", "r-1"), ("8", "5", "r-2"),
                                                                  ("8", "4", "r-3")]
