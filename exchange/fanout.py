"""Fan-out of committed outbox events to the channel layer, from whichever thread committed them.

After each commit the publish hook hands us the batch; we send ONE `outbox.batch` group message per
market to `market.<ticker>` (public kinds) and ONE per user to `user.<user_id>` (private kinds).
Lifecycle events also go to `markets.lifecycle`, because `market_lifecycle_v2` covers every market,
including ones created after a client subscribed.

Sends run on one event loop per process, in order: with the in-memory layer that must be the server's
loop (its queues belong to it; consumers capture it with `bind_server_loop`); with a network layer
(channels_redis) a private daemon thread owns a loop and a Redis connection pool that live as long
as the process, so a committing thread never blocks on Redis or builds a loop per batch.
"""

import asyncio
import logging
import os
import threading
from collections.abc import Sequence

from channels.layers import InMemoryChannelLayer, get_channel_layer

from exchange.outbox import PRIVATE_KINDS, PUBLIC_KINDS
from exchange.services import payloads, publish

log = logging.getLogger(__name__)

LIFECYCLE_GROUP = "markets.lifecycle"
BATCH_TYPE = "outbox.batch"


def market_group(ticker: str) -> str:
    return f"market.{ticker}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def event_dict(event) -> dict:
    """The wire form of one `MarketEvent` inside a group message."""
    payload = event.payload
    ticker = event.market.ticker if event.market_id else payload.get("ticker")
    ts = payload.get("ts_ms")
    if ts is None:
        ts = payloads.ts_ms(event.created_at)
    return {"id": event.id, "ticker": ticker, "book_seq": event.book_seq, "kind": event.kind,
            "user_id": event.user_id, "payload": payload, "ts_ms": ts}


def group_messages(events: Sequence) -> list[tuple[str, dict]]:
    """(group, message) pairs for one committed batch, in event-id order within each group."""
    by_group: dict[str, list[dict]] = {}
    for event in events:
        data = event_dict(event)
        if data["kind"] in PUBLIC_KINDS and data["ticker"]:
            by_group.setdefault(market_group(data["ticker"]), []).append(data)
            if data["kind"] == "lifecycle":
                by_group.setdefault(LIFECYCLE_GROUP, []).append(data)
        elif data["kind"] in PRIVATE_KINDS and data["user_id"] is not None:
            by_group.setdefault(user_group(data["user_id"]), []).append(data)
    # The group name rides along: a process receives every group it serves on one channel (exchange.ws.hub).
    return [(group, {"type": BATCH_TYPE, "group": group, "events": batch}) for group, batch in by_group.items()]


class _Sender:
    """An in-order queue of group sends drained by one task on `loop`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, own_loop: bool = False) -> None:
        self.loop = loop
        self.own_loop = own_loop
        self.queue: asyncio.Queue | None = None
        self.idle = threading.Event()
        self.idle.set()
        self.pending = 0
        self.lock = threading.Lock()
        loop.call_soon_threadsafe(self._start)

    def _start(self) -> None:
        self.queue = asyncio.Queue()
        self.loop.create_task(self._drain())

    def put(self, items: list[tuple[str, dict]]) -> None:
        with self.lock:
            self.pending += 1
            self.idle.clear()
        self.loop.call_soon_threadsafe(lambda: self.queue.put_nowait(items))

    async def _drain(self) -> None:
        layer = get_channel_layer()
        while True:
            items = await self.queue.get()
            for group, message in items:
                try:
                    await layer.group_send(group, message)
                except Exception:  # one failed send must not stop the stream; gaps are refilled from the outbox
                    log.exception("group_send to %s failed", group)
            with self.lock:
                self.pending -= 1
                if not self.pending:
                    self.idle.set()


_state_lock = threading.Lock()
_server_loop: asyncio.AbstractEventLoop | None = None
_sender: _Sender | None = None
_sender_pid: int | None = None


def bind_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Called by each consumer on connect: the in-memory layer must be used from the server's loop."""
    global _server_loop
    _server_loop = loop


def _own_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="outbox-fanout", daemon=True).start()
    return loop


def _current_sender() -> _Sender | None:
    global _sender, _sender_pid
    with _state_lock:
        in_memory = isinstance(get_channel_layer(), InMemoryChannelLayer)
        if in_memory:
            if _server_loop is None or _server_loop.is_closed():
                return None  # no consumer has ever connected in this process: nobody to deliver to
            if _sender is None or _sender.loop is not _server_loop:
                _sender, _sender_pid = _Sender(_server_loop), os.getpid()
        elif _sender is None or not _sender.own_loop or _sender_pid != os.getpid():
            # A forked worker needs its own loop thread; so does a process whose layer changed (tests).
            _sender, _sender_pid = _Sender(_own_loop(), own_loop=True), os.getpid()
        return _sender


def send_batch(events: Sequence) -> None:
    """The publish subscriber: queue this committed batch's group messages."""
    items = group_messages(events)
    if not items or get_channel_layer() is None:
        return
    sender = _current_sender()
    if sender is not None:
        sender.put(items)


def wait_idle(timeout: float = 5.0) -> bool:
    """Block until every queued send has reached the layer (tests and benchmarks)."""
    sender = _sender
    return True if sender is None else sender.idle.wait(timeout)


def install() -> None:
    publish.subscribe(send_batch)
