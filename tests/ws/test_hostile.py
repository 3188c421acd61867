"""Hostile WebSocket clients: malformed frames get Kalshi error code 1 and the connection lives on;
per-connection caps on subscriptions, markets and command rate answer with Kalshi's codes 26 and 27;
a session cookie only counts when the page's Origin is one of ours.

Error codes: Kalshi's AsyncAPI document (docs.kalshi.com/asyncapi.yaml, kept in
tests/specs/kalshi/asyncapi.yaml), "Error Codes Reference": 1 Unable to process message, 9 Authentication
required, 26 Subscription market limit exceeded, 27 Too many requests.
"""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from django.test import Client as HttpClient

from exchange.ws import limits
from tests.support.factories import make_api_key, make_market, make_user
from tests.support.ws_client import Communicator, header_pairs, signed_headers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_memory_layer")]


def run(coro_fn):
    return async_to_sync(coro_fn)()


@pytest.fixture
def ws_limits(settings):
    def apply(**values):
        settings.EXCHANGE = {**settings.EXCHANGE, **values}
    return apply


async def _raw(c: Communicator, text: str) -> dict:
    await c.comm.send_to(text_data=text)
    return await c.recv()


async def _alive(c: Communicator) -> None:
    cmd = await c.send("list_subscriptions")
    reply = await c.recv()
    assert reply["id"] == cmd and reply["type"] == "ok"


@pytest.mark.parametrize("text", ["[" * 2000 + "]" * 2000, '{"a":' * 3000 + "1" + "}" * 3000,
                                  '{"id": 1, "cmd": "subscribe", "params": ' + "[" * 2500 + "]" * 2500 + "}"])
def test_deeply_nested_frames_get_error_code_1(text):
    """A frame nested 2,000+ deep is error code 1 (not close 1011), and the connection keeps working."""
    async def scenario():
        async with Communicator() as c:
            reply = await _raw(c, text)
            assert reply["type"] == "error" and reply["msg"]["code"] == 1
            await _alive(c)
    run(scenario)


@pytest.mark.parametrize("ticker", ["A\\u0000B", "\\ud800"])
def test_nul_and_lone_surrogates_in_a_frame_get_error_code_1(ticker):
    """Strings the database cannot hold are refused with code 1 before any lookup."""
    make_market("WS-NUL")
    frame = '{"id": 4, "cmd": "subscribe", "params": {"channels": ["ticker"], "market_ticker": "TICKER"}}'
    frame = frame.replace("TICKER", ticker)

    async def scenario():
        async with Communicator() as c:
            reply = await _raw(c, frame)
            assert (reply["type"], reply["id"], reply["msg"]["code"]) == ("error", 4, 1)
            await _alive(c)
    run(scenario)


@pytest.mark.parametrize("data", [b'{"id": 5, "cmd": "list_subscriptions"}', b"\xff\xfe",
                                  b'{"id": 6, "cmd": "subscribe", "params": {"market_ticker": "\\u0000"}}'])
def test_binary_frames_are_read_like_text_or_get_error_code_1(data):
    """A binary frame holding a JSON command is a command; undecodable or unstorable bytes get code 1."""
    async def scenario():
        async with Communicator() as c:
            await c.comm.send_to(bytes_data=data)
            reply = await c.recv()
            assert reply["type"] == ("ok" if b"list" in data else "error")
            await _alive(c)
    run(scenario)


def test_subscriptions_per_connection_are_capped_with_code_26(ws_limits):
    """Past WS_MAX_SUBSCRIPTIONS a subscribe gets code 26 and creates nothing."""
    ws_limits(WS_MAX_SUBSCRIPTIONS=3)
    make_market("WS-CAP")

    async def scenario():
        async with Communicator() as c:
            for _ in range(3):
                await c.send("subscribe", channels=["trade"], market_ticker="WS-CAP")
                assert (await c.recv())["type"] == "subscribed"
            cmd = await c.send("subscribe", channels=["trade"], market_ticker="WS-CAP")
            reply = await c.recv()
            assert (reply["type"], reply["id"], reply["msg"]["code"]) == ("error", cmd, 26)
            await c.send("list_subscriptions")
            assert len((await c.recv())["msg"]) == 3
    run(scenario)


def test_markets_per_subscription_are_capped_with_code_26(ws_limits):
    """A subscription naming more than WS_MAX_MARKETS markets, at once or by add_markets, gets code 26."""
    ws_limits(WS_MAX_MARKETS=2)
    for ticker in ("WS-M1", "WS-M2", "WS-M3"):
        make_market(ticker)

    async def scenario():
        async with Communicator() as c:
            await c.send("subscribe", channels=["trade"], market_tickers=["WS-M1", "WS-M2", "WS-M3"])
            assert (await c.recv())["msg"]["code"] == 26
            await c.send("subscribe", channels=["trade"], market_tickers=["WS-M1", "WS-M2"])
            sid = (await c.recv())["msg"]["sid"]
            await c.send("update_subscription", sid=sid, action="add_markets", market_tickers=["WS-M3"])
            assert (await c.recv())["msg"]["code"] == 26
    run(scenario)


def test_command_rate_is_capped_with_code_27(ws_limits, monkeypatch):
    """With the clock held still, the burst's commands run and every one after gets code 27 unrun;
    once time passes, commands run again."""
    ws_limits(WS_COMMAND_BURST=5, WS_COMMANDS_PER_SECOND=10)
    now = [1000.0]
    monkeypatch.setattr(limits, "monotonic", lambda: now[0])

    async def scenario():
        async with Communicator() as c:
            ids = [await c.send("list_subscriptions") for _ in range(8)]
            replies = [await c.recv() for _ in ids]
            assert [r["type"] for r in replies] == ["ok"] * 5 + ["error"] * 3
            assert [r["msg"]["code"] for r in replies[5:]] == [27, 27, 27]
            assert [r["id"] for r in replies] == ids
            now[0] += 1.0  # ten tokens' worth, capped at the burst
            await _alive(c)
    run(scenario)


def test_one_client_flooding_subscriptions_is_bounded(ws_limits):
    """10,000 subscribe commands on one connection hold at most WS_MAX_SUBSCRIPTIONS subscriptions."""
    ws_limits(WS_MAX_SUBSCRIPTIONS=10, WS_COMMAND_BURST=20_000)
    make_market("WS-FLOOD")

    async def scenario():
        async with Communicator() as c:
            for _ in range(10_000):
                await c.send("subscribe", channels=["trade"], market_ticker="WS-FLOOD")
            frames = [await c.recv(timeout=30) for _ in range(10_000)]
            assert sum(f["type"] == "subscribed" for f in frames) == 10
            assert all(f["msg"]["code"] == 26 for f in frames if f["type"] == "error")
    run(scenario)


def _session_cookie(user) -> bytes:
    browser = HttpClient()
    browser.force_login(user)
    return f"sessionid={browser.cookies['sessionid'].value}".encode()


@pytest.mark.parametrize("origin, allowed", [(b"https://evil.example", False), (b"null", False),
                                             (b"http://127.0.0.1:8000", True), (b"http://localhost:3000", True)])
def test_session_cookie_counts_only_from_our_origins(origin, allowed):
    """A page on a foreign origin gets no private channels with the user's cookie (error 9); our hosts do."""
    alice = make_user("alice")
    headers = [(b"cookie", _session_cookie(alice)), (b"origin", origin)]

    async def scenario():
        async with Communicator(headers=headers) as c:
            await c.send("subscribe", channels=["user_orders"])
            reply = await c.recv()
            assert reply["type"] == ("subscribed" if allowed else "error")
            if not allowed:
                assert reply["msg"]["code"] == 9
    run(scenario)


def test_signed_connections_ignore_origin():
    """A signed upgrade authenticates whatever Origin it carries."""
    alice = make_user("alice")
    key, pem = make_api_key(alice)
    headers = [*header_pairs(signed_headers(key.key_id, pem)), (b"origin", b"https://evil.example")]

    async def scenario():
        async with Communicator(headers=headers) as c:
            await c.send("subscribe", channels=["fill"])
            assert (await c.recv())["type"] == "subscribed"
    run(scenario)


@pytest.mark.postgres
def test_frame_over_the_size_limit_gets_a_close_frame_with_a_reason(live_server_url):
    """daphne refuses a message past its 1 MiB limit with close 1009 and a reason, not a dropped socket."""
    import websockets

    async def scenario():
        url = live_server_url.replace("http://", "ws://") + "/trade-api/ws/v2"
        async with websockets.connect(url, max_size=None) as ws:
            await ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"pad": "x" * (2 * 1024 * 1024)}}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 20)
        assert closed.value.rcvd is not None, "no close frame"
        assert closed.value.rcvd.code == 1009 and closed.value.rcvd.reason
    asyncio.run(scenario())
