"""The feed over a real daphne on the Redis channel layer: orders placed in this process (and in other
processes) reach subscribers; real client libraries rebuild the exchange's book from snapshot + deltas."""

import asyncio
import contextlib
import json
import random
import socket
import subprocess
import sys
import textwrap
import threading
import time
from decimal import Decimal

import pytest
import websockets

from exchange import services
from exchange.engine.units import ONE_DOLLAR, dollars_to_units, fp_to_count, price_from_cents
from exchange.models import MarketEvent
from exchange.wire_fields import user_uuid
from tests.support.factories import make_api_key, make_market, make_user
from tests.support.servers import ROOT, daphne_server, test_database_env
from tests.support.ws_client import BookBuilder, FeedClient, exchange_book, signed_headers, ws_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.usefixtures("redis_layer")]


def order(user, ticker, side, action, cents, count):
    yes_cents = cents if side == "yes" else 100 - cents
    return services.order_create(user=user, request=services.OrderRequest(
        ticker=ticker, side=side, action=action, yes_price=price_from_cents(yes_cents), count=count * 100))


def storm(ticker, users, rng, steps):
    """Random resting orders, crosses and cancels; returns nothing, the book is read from the DB after."""
    resting = []
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.2 and resting:
            user, placed = resting.pop(rng.randrange(len(resting)))
            with contextlib.suppress(services.ExchangeError):  # already executed
                services.order_cancel(user=user, order_id=placed.id)
            continue
        user = rng.choice(users)
        side, action = rng.choice([("yes", "buy"), ("no", "buy"), ("yes", "sell"), ("no", "sell")])
        cents = rng.randint(40, 60) if roll < 0.85 else rng.choice([1, 99])
        try:
            placed = order(user, ticker, side, action, cents, rng.randint(1, 20))
        except services.ExchangeError:
            continue  # e.g. a sell without a position or balance: refused, nothing published
        if placed.status == "resting":
            resting.append((user, placed))


def wait_book(builder_of, ticker, timeout=15.0):
    """Until the client's rebuilt book equals the exchange's book (resting orders in the DB)."""
    expected = exchange_book(ticker)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if builder_of() == expected:
            return expected
        time.sleep(0.05)
    assert builder_of() == expected


def book_builder(client):
    builder = BookBuilder()
    done = [0]

    def current():
        frames = client.frames
        for frame in frames[done[0]:]:
            if frame["type"] in ("orderbook_snapshot", "orderbook_delta"):
                builder.apply(frame)
        done[0] = len(frames)
        return builder.book()
    return current


def test_random_storm_rebuilds_the_book(live_server_url):
    """Random orders, crosses and cancels from this process reach the server through Redis as deltas
    that, applied to the snapshot, equal the exchange's book."""
    make_market("LIVE-STORM")
    users = [make_user(f"storm{i}") for i in range(4)]
    rng = random.Random(7)
    storm("LIVE-STORM", users, rng, 20)  # a non-empty book before the snapshot
    with FeedClient(ws_url(live_server_url)) as client:
        cmd = client.send("subscribe", channels=["orderbook_delta"], market_ticker="LIVE-STORM")
        client.wait_for(lambda fs: any(f["type"] == "orderbook_snapshot" for f in fs))
        assert client.frames[0] == {"id": cmd, "type": "subscribed", "msg": {"channel": "orderbook_delta", "sid": 1}}
        current = book_builder(client)
        for _ in range(3):
            storm("LIVE-STORM", users, rng, 40)
            wait_book(current, "LIVE-STORM")


def test_orders_from_four_processes_lose_no_message(live_server_url):
    """Four processes placing orders at once: every level change arrives, seq stays consecutive."""
    make_market("LIVE-PROC")
    users = [make_user(f"proc{i}") for i in range(4)]
    script = textwrap.dedent("""
        import random, sys, django
        django.setup()
        from django.contrib.auth import get_user_model
        from exchange import services
        from exchange.fanout import wait_idle
        user = get_user_model().objects.get(username=sys.argv[1])
        rng = random.Random(sys.argv[1])
        for _ in range(40):
            side = rng.choice(["yes", "no"])
            cents = rng.randint(30, 70)
            yes_price = (cents if side == "yes" else 100 - cents) * 100
            try:
                services.order_create(user=user, request=services.OrderRequest(
                    ticker="LIVE-PROC", side=side, action="buy", yes_price=yes_price, count=rng.randint(1, 5) * 100))
            except services.ExchangeError:
                pass
        assert wait_idle(10)
    """)
    with FeedClient(ws_url(live_server_url)) as client:
        client.send("subscribe", channels=["orderbook_delta"], market_ticker="LIVE-PROC")
        client.wait_for(lambda fs: any(f["type"] == "orderbook_snapshot" for f in fs))
        env = test_database_env()
        procs = [subprocess.Popen([sys.executable, "-c", script, u.username], cwd=ROOT, env=env) for u in users]
        assert [p.wait(120) for p in procs] == [0, 0, 0, 0]
        level_changes = sum(len(e.payload["levels"]) for e in MarketEvent.objects.filter(
            market__ticker="LIVE-PROC", kind="book"))
        frames = client.wait_for(lambda fs: sum(f["type"] == "orderbook_delta" for f in fs) >= level_changes)
        seqs = [f["seq"] for f in frames if f.get("sid") == 1]
        assert seqs == list(range(1, len(seqs) + 1))
        assert sum(f["type"] == "orderbook_delta" for f in frames) == level_changes
        wait_book(book_builder(client), "LIVE-PROC")


def test_private_channels_need_auth_and_reach_only_their_owner(live_server_url, tmp_path):
    """fill/user_orders/market_positions refuse anonymous connections (9) and deliver only the owner's events."""
    make_market("LIVE-PRIV")
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    url = ws_url(live_server_url)
    (akey, apem), (bkey, bpem) = make_api_key(alice), make_api_key(bob)
    channels = ["fill", "user_orders", "market_positions"]
    with FeedClient(url) as anon:
        reply = anon.reply(anon.send("subscribe", channels=channels))
        assert reply["type"] == "error" and reply["msg"]["code"] == 9
    a_headers, b_headers = signed_headers(akey.key_id, apem), signed_headers(bkey.key_id, bpem)
    with FeedClient(url, a_headers) as a, FeedClient(url, b_headers) as b:
        for client in (a, b):
            client.send("subscribe", channels=channels)
            client.wait_for(lambda fs: sum(f["type"] == "subscribed" for f in fs) == 3)
        order(alice, "LIVE-PRIV", "yes", "buy", 55, 3)
        order(carol, "LIVE-PRIV", "yes", "sell", 55, 3)
        frames = a.wait_for(lambda fs: {"fill", "user_order", "market_position"} <= {f["type"] for f in fs})
        fills = [f["msg"] for f in frames if f["type"] == "fill"]
        assert len(fills) == 1 and fills[0]["yes_price_dollars"] == "0.5500" and fills[0]["count_fp"] == "3.00"
        assert fills[0]["outcome_side"] == "yes" and fills[0]["is_taker"] is False
        assert {f["msg"]["user_id"] for f in frames if f["type"] in ("user_order", "market_position")} == {
            user_uuid(alice.pk)}
        time.sleep(0.5)
        assert [f["type"] for f in b.frames] == ["subscribed"] * 3


def test_bad_signature_is_refused_at_the_upgrade(live_server_url):
    """A wrong signature never gets a WebSocket: the upgrade is refused (daphne answers 403)."""
    alice = make_user("alice")
    (key, _), (_, other_pem) = make_api_key(alice), make_api_key(alice)

    async def attempt():
        headers = signed_headers(key.key_id, other_pem)
        async with websockets.connect(ws_url(live_server_url), additional_headers=headers):
            pass
    with pytest.raises(websockets.InvalidStatus) as refused:
        asyncio.run(attempt())
    assert refused.value.response.status_code in (401, 403)


def test_pykalshi_feed_keeps_the_book(live_server_url, tmp_path):
    """pykalshi's Feed + OrderbookManager rebuild the exchange's book from our snapshot and deltas."""
    from pykalshi import KalshiClient
    from pykalshi.orderbook import OrderbookManager

    make_market("LIVE-PYK")
    users = [make_user(f"pyk{i}") for i in range(3)]
    key, _ = make_api_key(users[0], directory=tmp_path)
    rng = random.Random(11)
    storm("LIVE-PYK", users, rng, 15)
    client = KalshiClient(api_key_id=str(key.key_id), private_key_path=str(tmp_path / f"{key.key_id}.pem"),
                          api_base=live_server_url + "/trade-api/v2")
    feed = client.feed()
    feed._ws_url = ws_url(live_server_url)
    book = OrderbookManager("LIVE-PYK")
    lock = threading.Lock()

    def on_book(msg):
        with lock:
            if hasattr(msg, "yes_dollars_fp"):
                book.apply_snapshot(msg.yes_dollars_fp, msg.no_dollars_fp)
            else:
                book.apply_delta(msg.side, msg.price_dollars, msg.delta_fp)

    feed.on("orderbook_delta", on_book)
    feed.subscribe("orderbook_delta", market_ticker="LIVE-PYK")
    feed.start()
    try:
        storm("LIVE-PYK", users, rng, 40)

        def current():
            with lock:
                yes = {("yes", dollars_to_units(p)): fp_to_count(q) for p, q in book.yes.items()}
                no = {("no", dollars_to_units(p)): fp_to_count(q) for p, q in book.no.items()}
            return yes | no
        wait_book(current, "LIVE-PYK")
    finally:
        feed.stop()
        client.close()


def test_kalshi_sdk_websocket_keeps_the_book(live_server_url):
    """kalshi-sdk's async WebSocket client (seq tracking, OrderbookManager) ends on the exchange's book."""
    from kalshi.auth import KalshiAuth
    from kalshi.config import KalshiConfig
    from kalshi.ws.client import KalshiWebSocket

    make_market("LIVE-SDK")
    users = [make_user(f"sdk{i}") for i in range(3)]
    key, pem = make_api_key(users[0])
    rng = random.Random(5)
    storm("LIVE-SDK", users, rng, 15)
    config = KalshiConfig(base_url=live_server_url + "/trade-api/v2", ws_base_url=ws_url(live_server_url))
    seen = {}
    stop = threading.Event()
    ready = threading.Event()

    async def follow():
        ws = KalshiWebSocket(auth=KalshiAuth.from_pem(str(key.key_id), pem), config=config)
        async with ws.connect() as session:
            stream = await session.subscribe_orderbook_delta(tickers=["LIVE-SDK"])
            ready.set()
            async def pump():
                async for _ in stream:
                    current = ws._orderbook_mgr.get("LIVE-SDK")
                    if current is not None:
                        seen["book"] = current
            task = asyncio.ensure_future(pump())
            while not stop.is_set():
                await asyncio.sleep(0.05)
            task.cancel()

    thread = threading.Thread(target=lambda: asyncio.run(follow()), daemon=True)
    thread.start()
    assert ready.wait(15)
    storm("LIVE-SDK", users, rng, 40)

    def current():
        ob = seen.get("book")
        if ob is None:
            return None
        to_units = lambda d: int(d * ONE_DOLLAR)  # noqa: E731 - Decimal dollars from the SDK
        levels = {("yes", to_units(lv.price)): int(lv.quantity * 100) for lv in ob.yes}
        levels |= {("no", to_units(lv.price)): int(lv.quantity * 100) for lv in ob.no}
        return {k: v for k, v in levels.items() if v}
    try:
        wait_book(current, "LIVE-SDK")
    finally:
        stop.set()
        thread.join(10)
    assert isinstance(seen["book"].yes[0].price if seen["book"].yes else Decimal(0), Decimal)


def test_require_auth_refuses_anonymous_upgrades():
    """WS_REQUIRE_AUTH=1: an unsigned upgrade is refused; a signed one connects and subscribes."""
    alice = make_user("alice")
    key, pem = make_api_key(alice)

    async def anonymous(url):
        async with websockets.connect(url):
            pass
    with daphne_server(WS_REQUIRE_AUTH="1") as base:
        url = ws_url(base)
        with pytest.raises(websockets.InvalidStatus) as refused:
            asyncio.run(anonymous(url))
        assert refused.value.response.status_code in (401, 403)
        with FeedClient(url, signed_headers(key.key_id, pem)) as client:
            reply = client.reply(client.send("subscribe", channels=["fill"]))
            assert reply["type"] == "subscribed" and reply["msg"]["channel"] == "fill"


@pytest.mark.slow
def test_server_pings_an_idle_connection(live_server_url):
    """An idle connection receives the server's ping (every 10 s), answers it, and stays usable."""
    from websockets.client import ClientProtocol
    from websockets.frames import Frame, Opcode
    from websockets.uri import parse_uri

    url = ws_url(live_server_url)
    protocol = ClientProtocol(parse_uri(url))
    protocol.send_request(protocol.connect())
    uri = parse_uri(url)
    with socket.create_connection((uri.host, uri.port), timeout=5) as sock:

        def exchange_bytes(until, timeout):
            """Pump bytes both ways until `until(frame)` holds for a received frame; returns that frame."""
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                for data in protocol.data_to_send():
                    sock.sendall(data)
                sock.settimeout(max(deadline - time.monotonic(), 0.01))
                try:
                    received = sock.recv(65536)
                except TimeoutError:
                    break
                protocol.receive_data(received)
                for event in protocol.events_received():
                    if isinstance(event, Frame) and until(event):
                        for data in protocol.data_to_send():  # the pong for a ping
                            sock.sendall(data)
                        return event
            raise AssertionError("no such frame arrived")

        for data in protocol.data_to_send():
            sock.sendall(data)
        ping = exchange_bytes(lambda f: f.opcode == Opcode.PING, timeout=15)
        assert ping.opcode == Opcode.PING
        protocol.send_text(b'{"id": 1, "cmd": "list_subscriptions"}')
        reply = exchange_bytes(lambda f: f.opcode == Opcode.TEXT, timeout=5)
        assert json.loads(reply.data) == {"id": 1, "type": "ok", "msg": []}
