"""`/orderbook/ws`: rebuilt books streamed to clients from this process's rebuilder.

Commands (Kalshi's shape): `{"id": 1, "cmd": "subscribe", "params": {"market_tickers": [...]}}` (no
tickers: every market) and `unsubscribe` with the tickers to drop. The server sends `book_snapshot`
(a whole book, on subscribe and after every resync) and `book_delta` (the levels one book_seq
touched, count 0 = removed), each with a consecutive `seq` per connection. A client too slow to keep
up gets fresh snapshots instead of a backlog.
"""

import asyncio
import json

from channels.generic.websocket import AsyncWebsocketConsumer

from exchange.ws.protocol import CommandError
from orderbook.rebuilder import BookUpdate, Rebuilder
from orderbook.render import update_dict
from orderbook.runtime import local_rebuilder

BACKLOG = 10_000
COMMANDS = ("subscribe", "unsubscribe")


class RebuiltBookConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()
        self.rebuilder: Rebuilder | None = local_rebuilder()
        if self.rebuilder is None:
            await self._send("error", {"code": 1, "msg": "this process runs no order-book rebuilder"})
            await self.close()
            return
        self.markets: set[str] | None = set()  # None: every market
        self.last_seq: dict[str, int] = {}
        self.seq = 0
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[BookUpdate] = asyncio.Queue(BACKLOG)
        self.overflowed = False
        self.rebuilder.subscribe(self._on_update)
        self.sender = asyncio.create_task(self._drain())

    async def disconnect(self, code: int) -> None:
        if getattr(self, "rebuilder", None) is not None:
            self.rebuilder.unsubscribe(self._on_update)
            self.sender.cancel()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        cmd_id = None
        try:
            data = json.loads(text_data or "")
            if not isinstance(data, dict):
                raise CommandError(1, "Unable to process message: expected a JSON object")
            cmd_id = data.get("id")
            if data.get("cmd") not in COMMANDS:
                raise CommandError(5)
            tickers = (data.get("params") or {}).get("market_tickers")
            if tickers is not None and (not isinstance(tickers, list) or not all(isinstance(t, str) for t in tickers)):
                raise CommandError(11, "market_tickers must be a list of strings")
            if data["cmd"] == "unsubscribe" and tickers is None:
                raise CommandError(14)
            added = self._subscribe(tickers) if data["cmd"] == "subscribe" else self._unsubscribe(tickers)
            await self._send("subscribed" if data["cmd"] == "subscribe" else "unsubscribed",
                             {"market_tickers": None if self.markets is None else sorted(self.markets)}, cmd_id)
            for ticker in added:
                await self._send_whole(ticker)
        except ValueError:
            await self._send("error", CommandError(1, "Unable to process message: invalid JSON").body(), cmd_id)
        except CommandError as error:
            await self._send("error", error.body(), cmd_id)

    def _subscribe(self, tickers: list[str] | None) -> list[str]:
        """The markets whose snapshot the client now needs."""
        if tickers is None:
            self.markets = None
            return [t for t in self.rebuilder.tickers() if t not in self.last_seq]
        if self.markets is not None:
            self.markets.update(tickers)
        return [t for t in dict.fromkeys(tickers) if t not in self.last_seq]

    def _unsubscribe(self, tickers: list[str]) -> list[str]:
        if self.markets is None:
            self.markets = set(self.rebuilder.tickers())
        self.markets.difference_update(tickers)
        for ticker in tickers:
            self.last_seq.pop(ticker, None)
        return []

    # --- the stream ----------------------------------------------------------------------------------
    def _on_update(self, update: BookUpdate) -> None:
        """Called by the feed thread: hand the update to this connection's loop, never blocking."""
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._enqueue, update)

    def _enqueue(self, update: BookUpdate) -> None:
        try:
            self.queue.put_nowait(update)
        except asyncio.QueueFull:
            self.overflowed = True

    async def _drain(self) -> None:
        while True:
            update = await self.queue.get()
            if self.overflowed:  # too far behind: start the subscribed books over from snapshots
                self.overflowed = False
                while not self.queue.empty():
                    self.queue.get_nowait()
                for ticker in list(self.last_seq):
                    await self._send_whole(ticker)
                continue
            if not self._wanted(update.ticker):
                continue
            if update.is_snapshot:
                self.last_seq[update.ticker] = update.book_seq
                await self._send("book_snapshot", update_dict(update))
            elif update.ticker in self.last_seq and update.book_seq > self.last_seq[update.ticker]:
                self.last_seq[update.ticker] = update.book_seq
                await self._send("book_delta", update_dict(update))

    def _wanted(self, ticker: str) -> bool:
        return self.markets is None or ticker in self.markets

    async def _send_whole(self, ticker: str) -> None:
        update = self.rebuilder.whole(ticker)
        if update is None:
            self.last_seq.pop(ticker, None)  # its next snapshot (on resync) starts the stream
            return
        self.last_seq[ticker] = update.book_seq
        await self._send("book_snapshot", update_dict(update))

    async def _send(self, msg_type: str, body: dict, cmd_id: int | None = None) -> None:
        frame: dict = {"type": msg_type}
        if cmd_id is not None:
            frame["id"] = cmd_id
        if msg_type in ("book_snapshot", "book_delta"):
            self.seq += 1
            frame["seq"] = self.seq
        frame["msg"] = body
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))
