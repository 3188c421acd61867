"""The feed consumer in-process (Channels' WebsocketCommunicator, in-memory layer): commands, replies,
snapshot + deltas, per-sid seq, private channels."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from exchange import services
from exchange.engine.units import price_from_cents
from kalshi_site.asgi import application
from tests.support.factories import make_market, make_user
from tests.support.ws_client import BookBuilder, exchange_book

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_memory_layer")]


def run(coro_fn):
    return async_to_sync(coro_fn)()


def order(user, ticker, side, action, cents, count, **extra):
    """`cents` is the price of `side` (a NO order at 30 is a YES-space 70)."""
    yes_cents = cents if side == "yes" else 100 - cents
    return services.order_create(user=user, request=services.OrderRequest(
        ticker=ticker, side=side, action=action, yes_price=price_from_cents(yes_cents), count=count * 100, **extra))


place = database_sync_to_async(order)


class Client:
    """A communicator speaking JSON frames."""

    def __init__(self, headers=None):
        self.comm = WebsocketCommunicator(application, "/trade-api/ws/v2", headers=headers or [])
        self.next_id = 0

    async def __aenter__(self):
        connected, _ = await self.comm.connect()
        assert connected
        return self

    async def __aexit__(self, *exc):
        await self.comm.disconnect()

    async def send(self, cmd, **params):
        self.next_id += 1
        frame = {"id": self.next_id, "cmd": cmd}
        if params:
            frame["params"] = params
        await self.comm.send_to(text_data=json.dumps(frame))
        return self.next_id

    async def recv(self, timeout=3):
        return json.loads(await self.comm.receive_from(timeout))

    async def quiet(self):
        assert await self.comm.receive_nothing(0.3)

    async def drain(self, wait=0.3):
        """Every frame that arrives until the connection is quiet for `wait` seconds."""
        frames = []
        while not await self.comm.receive_nothing(wait):
            frames.append(await self.recv())
        return frames


def test_subscribe_answers_subscribed_then_snapshot():
    """orderbook_delta: `subscribed` comes first, then an orderbook_snapshot at seq 1 with both sides."""
    market = make_market("WS-SNAP")
    alice = make_user("alice")
    order(alice, market.ticker, "yes", "buy", 40, 10)
    order(alice, market.ticker, "no", "buy", 30, 5)

    async def scenario():
        async with Client() as c:
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
        async with Client() as c:
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
