"""/orderbook/ws streams rebuilt books: a snapshot on subscribe, then each book_seq's delta."""

import functools
import json
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from kalshi_site.asgi import application
from orderbook.book import Snapshot
from orderbook.rebuilder import ResyncReason

# Channels closes stale database connections around each consumer event, so the test may touch the database.
pytestmark = pytest.mark.django_db


def sync(test):
    """Run an async test body on its own event loop (as the rest of the WebSocket tests do)."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        return async_to_sync(test)(*args, **kwargs)
    return run


async def _connect() -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/orderbook/ws")
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _command(communicator, **frame) -> None:
    await communicator.send_to(text_data=json.dumps(frame))


@sync
async def test_subscribe_answers_then_sends_the_book_and_its_deltas_in_order(book_a):
    """Deltas applied by the feed thread arrive as book_delta with consecutive seq."""
    communicator = await _connect()
    await _command(communicator, id=1, cmd="subscribe", params={"market_tickers": ["MKT-A"]})
    assert await communicator.receive_json_from() == {"type": "subscribed", "id": 1,
                                                      "msg": {"market_tickers": ["MKT-A"]}}
    snapshot = await communicator.receive_json_from()
    assert (snapshot["type"], snapshot["seq"], snapshot["msg"]["book_seq"]) == ("book_snapshot", 1, 3)
    assert {(lv["side"], lv["price"], lv["count"]) for lv in snapshot["msg"]["levels"]} == {
        ("yes", 4500, 1000), ("yes", 4400, 200), ("no", 4500, 300)}
    feed = threading.Thread(target=lambda: [book_a.on_delta("MKT-A", 4, [("ask", 5500, -300)], 2),
                                            book_a.on_delta("MKT-A", 5, [("bid", 4600, 100)], 3)])
    feed.start()
    feed.join()
    first, second = await communicator.receive_json_from(), await communicator.receive_json_from()
    assert (first["type"], first["seq"], first["msg"]["book_seq"]) == ("book_delta", 2, 4)
    assert first["msg"]["levels"] == [{"side": "no", "price": 4500, "count": 0, "count_fp": "0.00"}]
    assert (second["seq"], second["msg"]["levels"][0]["price"], second["msg"]["levels"][0]["update_type"]) == (
        3, 4600, "add")
    await communicator.disconnect()


@sync
async def test_a_resync_reaches_subscribers_as_a_new_snapshot(book_a):
    """After a gap the client gets the whole book again rather than a delta it cannot apply."""
    communicator = await _connect()
    await _command(communicator, id=1, cmd="subscribe", params={})
    await communicator.receive_json_from()
    await communicator.receive_json_from()
    book_a.resync("MKT-A", Snapshot(9, {("bid", 4000): 100}, 5), ResyncReason.GAP)
    frame = await communicator.receive_json_from()
    assert frame["type"] == "book_snapshot" and frame["msg"]["book_seq"] == 9 and len(frame["msg"]["levels"]) == 1
    await communicator.disconnect()


@sync
async def test_other_markets_are_not_sent(book_a):
    """A subscription to one market hears nothing of another."""
    communicator = await _connect()
    await _command(communicator, id=1, cmd="subscribe", params={"market_tickers": ["MKT-B"]})
    await communicator.receive_json_from()
    book_a.on_delta("MKT-A", 4, [("bid", 4500, 1)], 2)
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


@pytest.mark.parametrize("frame, code", [("nope", 1), ('{"id": 4, "cmd": "explode"}', 5),
                                         ('{"id": 4, "cmd": "unsubscribe", "params": {}}', 14),
                                         ('{"id": 4, "cmd": "subscribe", "params": {"market_tickers": "A"}}', 11)])
@sync
async def test_bad_commands_get_kalshi_error_codes(book_a, frame, code):
    """Invalid JSON, unknown commands and bad parameters are refused with Kalshi's WebSocket error codes
    (1, 5, 14, 11 as in the error table of https://docs.kalshi.com/asyncapi.yaml, via GitHub
    TexasCoding/kalshi-python-sdk specs/asyncapi.yaml); the connection stays open."""
    communicator = await _connect()
    await communicator.send_to(text_data=frame)
    reply = await communicator.receive_json_from()
    assert reply["type"] == "error" and reply["msg"]["code"] == code
    await _command(communicator, id=5, cmd="subscribe", params={"market_tickers": ["MKT-A"]})
    assert (await communicator.receive_json_from())["type"] == "subscribed"
    await communicator.disconnect()


@sync
async def test_a_process_without_a_rebuilder_says_so_and_closes():
    """The stream exists only where a rebuilder runs."""
    communicator = await _connect()
    reply = await communicator.receive_json_from()
    assert reply["type"] == "error" and "no order-book rebuilder" in reply["msg"]["msg"]
    assert (await communicator.receive_output())["type"] == "websocket.close"
