"""The process's one subscription to each channel-layer group, shared by every feed connection in it.

With a network layer a group message is copied once per member channel and each copy is read back
separately, so 100 subscribers of one market in one process cost 100 copies per batch. Instead the
process joins each group once, on one channel, and hands every batch to the inboxes of the local
connections in that group; each connection dispatches its inbox in turn with its client's frames.

A network layer can go away: a Redis restart forgets every group membership, and while it is down
nothing is delivered. A watchdog notices (an error, or a new Redis run_id), and until the layer is
back it has every market's subscribers read their missed book events from the outbox by book_seq
(a `RESYNC` marker carrying the market's current book_seq); once the layer answers again it re-joins
every group and resyncs once more, so no subscriber's book misses a change.
"""

import asyncio
import logging

from channels.db import database_sync_to_async

from exchange import fanout
from exchange.ws import books

log = logging.getLogger(__name__)

# The kind of the marker event that sends a market's subscribers to the outbox for book events up to
# its book_seq (not an outbox kind: it is made here, never stored).
RESYNC = "book_resync"
# How often the watchdog looks at the layer while it is healthy, and how often subscribers read the
# outbox while it is not.
WATCH_INTERVAL_S = 1.0
OUTAGE_POLL_S = 0.25

# Batches a connection may have waiting; past it the batch is dropped for that connection only (as the
# channel layer drops for a full channel): book gaps are refilled from the outbox on the next batch.
INBOX_CAPACITY = 5000


class Hub:
    """Group memberships of one channel layer on one event loop."""

    def __init__(self, layer, loop: asyncio.AbstractEventLoop) -> None:
        self.layer = layer
        self.loop = loop
        self.channel: str | None = None
        self.members: dict[str, set[asyncio.Queue]] = {}
        self.locks: dict[str, asyncio.Lock] = {}
        self.task: asyncio.Task | None = None
        self.watchdog: asyncio.Task | None = None
        self.healthy = True
        self.run_ids: list[str] | None = None

    async def join(self, group: str, inbox: asyncio.Queue) -> None:
        """Deliver `group`'s batches to `inbox` from now on (the layer membership is in place on return)."""
        async with self.locks.setdefault(group, asyncio.Lock()):
            if not self.members.get(group):
                channel = await self._channel()
                try:
                    await self.layer.group_add(group, channel)
                except Exception as exc:  # the layer is down: the watchdog joins once it is back
                    log.warning("joining %s failed (%s); the outbox serves it meanwhile", group, exc)
                    self.healthy = False
            self.members.setdefault(group, set()).add(inbox)

    async def leave(self, group: str, inbox: asyncio.Queue) -> None:
        async with self.locks.setdefault(group, asyncio.Lock()):
            members = self.members.get(group)
            if not members or inbox not in members:
                return
            members.discard(inbox)
            if not members:
                del self.members[group]
                try:
                    await self.layer.group_discard(group, self.channel)
                except Exception as exc:  # the layer is down; a lost membership expires on its own
                    log.warning("leaving %s failed (%s)", group, exc)

    async def _channel(self) -> str:
        if self.channel is None:
            self.channel = await self.layer.new_channel()
            self.task = self.loop.create_task(self._run())
            if hasattr(self.layer, "connection"):  # a Redis layer; the in-memory one cannot lose members
                self.watchdog = self.loop.create_task(self._watch())
        return self.channel

    def cancel(self) -> None:
        for task in (self.task, self.watchdog):
            if task is not None:
                task.cancel()

    # --- outages ----------------------------------------------------------------------------------
    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(WATCH_INTERVAL_S if self.healthy else OUTAGE_POLL_S)
            try:
                await self._check()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("checking the channel layer failed")

    async def _check(self) -> None:
        try:
            run_ids = [(await self.layer.connection(i).info("server"))["run_id"] for i in range(self.layer.ring_size)]
        except Exception as exc:  # Redis is unreachable: serve book changes from the outbox meanwhile
            if self.healthy:
                log.warning("channel layer unavailable (%s); reading book events from the outbox", exc)
            self.healthy = False
            await self.resync()
            return
        if self.healthy and run_ids == self.run_ids:
            # The layer also drops messages when a channel is full; a book that missed its last change
            # would otherwise wait for the market's next one, and so would a book whose change committed in
            # a process that died before publishing it.
            await self.resync()
            return
        if self.run_ids is not None or not self.healthy:
            await self._reconnect()
        self.run_ids, self.healthy = run_ids, True

    async def _reconnect(self) -> None:
        """The layer is back, or restarted (a new run_id) and forgot every group membership: join again."""
        for group in list(self.members):
            await self.layer.group_add(group, self.channel)
        log.warning("channel layer back; re-joined %d groups", len(self.members))
        await self.resync()

    async def resync(self) -> None:
        """Send every local subscriber of a market a RESYNC marker at the market's current book_seq."""
        prefix = fanout.market_group("")
        tickers = [g.removeprefix(prefix) for g in self.members if g.startswith(prefix)]
        if not tickers:
            return
        for ticker, book_seq in await database_sync_to_async(books.book_seqs)(tickers):
            group = fanout.market_group(ticker)
            marker = {"id": None, "ticker": ticker, "book_seq": book_seq, "kind": RESYNC, "user_id": None,
                      "payload": {}, "ts_ms": 0}
            self._deliver({"type": fanout.BATCH_TYPE, "group": group, "events": [marker]})

    async def _run(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # a lost connection to the layer: keep serving once it is back
                log.exception("channel layer receive failed")
                await asyncio.sleep(0.5)
                continue
            self._deliver(message)

    def _deliver(self, message: dict) -> None:
        for inbox in list(self.members.get(message.get("group"), ())):
            if inbox.qsize() < INBOX_CAPACITY:
                inbox.put_nowait(message)


_hub: Hub | None = None


def hub_for(layer) -> Hub:
    """This process's hub for `layer` on the running loop (a new one when either changed, as in tests)."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.layer is not layer or _hub.loop is not loop:
        if _hub is not None and _hub.loop is loop:
            _hub.cancel()
        _hub = Hub(layer, loop)
    return _hub
