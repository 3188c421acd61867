"""The feed consumer in-process (Channels' WebsocketCommunicator, in-memory layer): commands, replies,
snapshot + deltas, per-sid seq, private channels."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from exchange import services
from exchange.engine.units import price_from_cents
from tests.support.factories import make_market, make_user
from tests.support.ws_client import BookBuilder, Communicator, exchange_book

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_memory_layer")]


def run(coro_fn):
    return async_to_sync(coro_fn)()


def order(user, ticker, side, action, cents, count, **extra):
    """`cents` is the price of `side` (a NO order at 30 is a YES-space 70)."""
    yes_cents = cents if side == "yes" else 100 - cents
    return services.order_create(user=user, request=services.OrderRequest(
        ticker=ticker, side=side, action=action, yes_price=price_from_cents(yes_cents), count=count * 100, **extra))


place = database_sync_to_async(order)


def test_subscribe_answers_subscribed_then_snapshot(legacy_api):
    """orderbook_delta: `subscribed` comes first, then an orderbook_snapshot at seq 1 with both sides (checked
    in the legacy integer form too, so under a pre-2026 API date)."""
    market = make_market("WS-SNAP")
    alice = make_user("alice")
    order(alice, market.ticker, "yes", "buy", 40, 10)
    order(alice, market.ticker, "no", "buy", 30, 5)

    async def scenario():
        async with Communicator() as c:
            cmd = await c.send("subscribe", channels=["orderbook_delta"], market_ticker="WS-SNAP")
            assert await c.recv() == {"id": cmd, "type": "subscribed", "msg": {"channel": "orderbook_delta", "sid": 1}}
            snap = await c.recv()
            assert (snap["type"], snap["sid"], snap["seq"]) == ("orderbook_snapshot", 1, 1)
            msg = snap["msg"]
            assert msg["yes_dollars_fp"] == [["0.4000", "10.00"]]
            assert msg["no_dollars_fp"] == [["0.3000", "5.00"]]
            assert msg["yes"] == [[40, 10]] and msg["no"] == [[30, 5]]
            assert msg["yes_dollars"] == [["0.4000", 10]]
            assert msg["market_id"]
    run(scenario)


def test_deltas_follow_snapshot_and_rebuild_the_book():
    """Orders, a cross and a cancel after the snapshot arrive as deltas that reproduce the exchange's book."""
    make_market("WS-DELTA")
    alice, bob = make_user("alice"), make_user("bob")

    async def scenario():
        async with Communicator() as c:
            await c.send("subscribe", channels=["orderbook_delta"], market_tickers=["WS-DELTA"])
            await c.recv()
            builder = BookBuilder()
            builder.apply(await c.recv())
            resting = await place(alice, "WS-DELTA", "yes", "buy", 45, 10)
            await place(alice, "WS-DELTA", "yes", "buy", 44, 3)
            await place(bob, "WS-DELTA", "yes", "sell", 44, 12)  # crosses both levels
            no_bid = await place(bob, "WS-DELTA", "no", "buy", 50, 7)
            await place(bob, "WS-DELTA", "no", "buy", 52, 2)
            await database_sync_to_async(services.order_cancel)(user=bob, order_id=no_bid.id)
            frames = await c.drain()
            assert frames
            for frame in frames:
                assert frame["type"] == "orderbook_delta"
                assert frame["msg"]["price_dollars"].count(".") == 1 and len(frame["msg"]["price_dollars"]) == 6
                builder.apply(frame)
            assert builder.book() == await database_sync_to_async(exchange_book)("WS-DELTA")
            assert resting.price == price_from_cents(45)
    run(scenario)


def test_seq_is_per_sid_and_consecutive_across_subscriptions():
    """Several subscriptions on one connection each count their own seq from 1 without gaps."""
    make_market("WS-A")
    make_market("WS-B")
    alice, bob = make_user("alice"), make_user("bob")

    async def scenario():
        async with Communicator() as c:
            await c.send("subscribe", channels=["orderbook_delta", "trade", "ticker"], market_tickers=["WS-A", "WS-B"])
            await c.send("subscribe", channels=["orderbook_delta"], market_ticker="WS-A")
            initial = await c.drain()
            assert len(initial) == 7  # four `subscribed`, three snapshots
            for cents in (40, 41, 42):
                await place(alice, "WS-A", "yes", "buy", cents, 2)
                await place(alice, "WS-B", "yes", "buy", cents, 1)
            await place(bob, "WS-A", "yes", "sell", 40, 5)
            frames = initial + await c.drain()
            seqs: dict[int, list[int]] = {}
            for frame in frames:
                if "seq" in frame and frame["type"] not in ("unsubscribed", "ok"):
                    seqs.setdefault(frame["sid"], []).append(frame["seq"])
            assert set(seqs) == {1, 2, 3, 4}
            for sid, got in seqs.items():
                assert got == list(range(1, len(got) + 1)), (sid, got)
            kinds = {(f["sid"], f["type"]) for f in frames if "sid" in f}
            assert {(2, "trade"), (3, "ticker"), (1, "orderbook_snapshot"), (4, "orderbook_delta")} <= kinds
    run(scenario)


def test_update_subscription_add_delete_and_get_snapshot():
    """add_markets snapshots the new market, delete_markets stops its deltas, get_snapshot resends one."""
    make_market("WS-U1")
    make_market("WS-U2")
    alice = make_user("alice")

    async def scenario():
        async with Communicator() as c:
            await c.send("subscribe", channels=["orderbook_delta"], market_ticker="WS-U1")
            await c.drain()
            await place(alice, "WS-U2", "yes", "buy", 30, 4)
            cmd = await c.send("update_subscription", sids=[1], market_tickers=["WS-U2"], action="add_markets")
            ok = await c.recv()
            assert ok == {"id": cmd, "type": "ok", "sid": 1, "seq": 1, "msg": {"market_tickers": ["WS-U1", "WS-U2"]}}
            snap = await c.recv()
            assert snap["type"] == "orderbook_snapshot" and snap["seq"] == 2
            assert snap["msg"]["market_ticker"] == "WS-U2" and snap["msg"]["yes_dollars_fp"] == [["0.3000", "4.00"]]
            cmd = await c.send("update_subscription", sid=1, market_ticker="WS-U1", action="delete_markets")
            assert (await c.recv())["msg"] == {"market_tickers": ["WS-U2"]}
            await place(alice, "WS-U1", "yes", "buy", 31, 1)
            await c.quiet()
            cmd = await c.send("update_subscription", sid=1, action="get_snapshot")
            snap = await c.recv()
            assert (snap["type"], snap["id"], snap["seq"]) == ("orderbook_snapshot", cmd, 3)
            cmd = await c.send("unsubscribe", sids=[1])
            assert await c.recv() == {"id": cmd, "type": "unsubscribed", "sid": 1, "seq": 3}
            cmd = await c.send("list_subscriptions")
            assert await c.recv() == {"id": cmd, "type": "ok", "msg": []}
    run(scenario)


@pytest.mark.parametrize(("frame", "code"), [
    ("not json", 1),
    ("[1, 2]", 1),
    ({"id": 1, "cmd": "subscribe"}, 2),
    ({"id": 1, "cmd": "subscribe", "params": {"market_ticker": "WS-E"}}, 3),
    ({"id": 1, "cmd": "subscribe", "params": {"channels": []}}, 3),
    ({"id": 1, "cmd": "unsubscribe", "params": {}}, 4),
    ({"id": 1, "cmd": "fly"}, 5),
    ({"id": 1, "cmd": "unsubscribe", "params": {"sids": [99]}}, 7),
    ({"id": 1, "cmd": "update_subscription", "params": {"sid": 99, "action": "add_markets"}}, 7),
    ({"id": 1, "cmd": "subscribe", "params": {"channels": ["weather"]}}, 8),
    ({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}}, 9),
    ({"id": 1, "cmd": "subscribe", "params": {"channels": ["user_orders"]}}, 9),
    ({"id": 1, "cmd": "subscribe", "params": {"channels": ["ticker"], "market_tickers": "WS-E"}}, 11),
    ({"id": 1, "cmd": "subscribe", "params": {"channels": ["ticker"], "send_initial_snapshot": "yes"}}, 11),
    ({"id": 1, "cmd": "subscribe", "params": {"channels": ["ticker"], "market_ticker": "NOPE"}}, 11),
    ({"id": 1, "cmd": "update_subscription", "params": {"sids": [1, 2], "action": "add_markets"}}, 12),
    ({"id": 1, "cmd": "update_subscription", "params": {"action": "add_markets"}}, 12),
    ({"id": 1, "cmd": "update_subscription", "params": {"sid": 1, "action": "explode"}}, 13),
    ({"id": 1, "cmd": "subscribe", "params": {"channels": ["orderbook_delta"]}}, 14),
    ({"id": 1, "cmd": "update_subscription", "params": {"sid": 1}}, 15),
])
def test_error_codes(frame, code):
    """Each malformed or refused command answers Kalshi's error code; the connection stays open."""
    make_market("WS-E")

    async def scenario():
        async with Communicator() as c:
            await c.comm.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))
            reply = await c.recv()
            assert reply["type"] == "error" and reply["msg"]["code"] == code, reply
            assert reply["msg"]["msg"]
            if isinstance(frame, dict):
                assert reply["id"] == 1
            cmd = await c.send("list_subscriptions")
            assert (await c.recv())["id"] == cmd
    run(scenario)


def test_update_subscription_refusals_on_a_live_sid():
    """get_snapshot outside orderbook_delta and add_markets without markets are refused (13, 14)."""
    make_market("WS-R")

    async def scenario():
        async with Communicator() as c:
            await c.send("subscribe", channels=["ticker"], market_ticker="WS-R")
            await c.drain()
            await c.send("update_subscription", sid=1, action="get_snapshot")
            assert (await c.recv())["msg"]["code"] == 13
            await c.send("update_subscription", sid=1, action="add_markets")
            assert (await c.recv())["msg"]["code"] == 14
    run(scenario)
