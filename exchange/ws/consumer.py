"""The trade API WebSocket (`/trade-api/ws/v2`): Kalshi's commands and channels over committed outbox events.

Commands and channel-layer batches are handled one at a time (Channels dispatches them sequentially),
so a snapshot read after joining a market's group is followed by exactly the batches it does not yet
contain; each sid drops book events at or below its snapshot's book_seq and refills any gap from the
outbox table.
"""

import asyncio
import contextlib
import logging
from collections import Counter, OrderedDict

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings

from exchange import fanout
from exchange.outbox import PUBLIC_KINDS, EventKind
from exchange.selectors.orderbook import orderbook_at_seq
from exchange.ws import books, protocol, render
from exchange.ws.auth import AuthError, authenticate
from exchange.ws.frames import bodies, data_frame, dumps
from exchange.ws.hub import RESYNC, hub_for
from exchange.ws.limits import ConnectionLimits, Limits
from exchange.ws.metrics import metrics
from exchange.ws.protocol import CommandError
from exchange.ws.subscriptions import Subscription

log = logging.getLogger(__name__)

PRIVATE_CHANNEL_OF_KIND = {EventKind.FILL: "fill", EventKind.ORDER: "user_orders",
                           EventKind.POSITION: "market_positions", EventKind.ORDER_GROUP: "order_group_updates"}


class FeedConsumer(AsyncWebsocketConsumer):
    async def __call__(self, scope, receive, send) -> None:
        """As Channels' consumer, but layer batches come through the process's hub into `self.inbox`,
        dispatched one at a time in turn with the client's frames."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.hub = hub_for(self.channel_layer)
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.base_send = send
        with contextlib.suppress(StopConsumer):
            await await_many_dispatch([receive, self.inbox.get], self.dispatch)

    async def connect(self) -> None:
        fanout.bind_server_loop(asyncio.get_running_loop())
        try:
            self.user = await authenticate(self.scope)
        except AuthError as exc:
            await self._refuse(str(exc))
            return
        if self.user is None and settings.EXCHANGE["WS_REQUIRE_AUTH"]:
            await self._refuse("authentication required")
            return
        self.subs: dict[int, Subscription] = {}
        self.limits = ConnectionLimits(Limits.from_settings())
        self.last_sid = 0
        self.joined: Counter[str] = Counter()
        self.all_market_groups: set[str] = set()  # joined for ticker/trade subscriptions to every market
        self.last_trade_count: dict[str, int] = {}
        self.seen_lifecycle: OrderedDict[int, None] = OrderedDict()
        self.skipped_markets: set[str] = set()
        await self.accept()
        metrics.connected()

    async def _refuse(self, reason: str) -> None:
        """401 where the server offers the denial-response extension; otherwise close before accept (403)."""
        metrics.refused()
        if "websocket.http.response" in self.scope.get("extensions", {}):
            await self.base_send({"type": "websocket.http.response.start", "status": 401,
                             "headers": [(b"content-type", b"text/plain")]})
            await self.base_send({"type": "websocket.http.response.body", "body": reason.encode()})
        else:
            await self.close()

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "joined"):
            return  # refused before accept
        metrics.disconnected()
        for group in list(self.joined):
            await self.hub.leave(group, self.inbox)
        self.joined.clear()

    async def dispatch(self, message: dict) -> None:
        # Channels closes stale database connections before every handler, through a hop to the one
        # thread-sensitive sync thread; with hundreds of subscribers those hops serialize the process.
        # Batches touch the database only through database_sync_to_async, which closes them itself.
        if message["type"] == fanout.BATCH_TYPE:
            await self.outbox_batch(message)
        else:
            await super().dispatch(message)

    # --- frames ---------------------------------------------------------------------------------
    async def _send_json(self, frame: dict) -> None:
        await self.send(text_data=dumps(frame))
        metrics.message_sent(frame["type"])

    async def _send_data(self, sub: Subscription, msg_type: str, msg: dict, cmd_id: int | None = None) -> None:
        await self._send_body(sub, msg_type, dumps(msg), cmd_id)

    async def _send_body(self, sub: Subscription, msg_type: str, body: str, cmd_id: int | None = None) -> None:
        """A data frame around `body`, the JSON text of its `msg` (shared by every subscriber of the event)."""
        await self.send(text_data=data_frame(msg_type, sub.sid, sub.next_seq(), body, cmd_id))
        metrics.message_sent(msg_type)

    async def _send_error(self, error: CommandError, cmd_id: int | None) -> None:
        frame = {"type": "error", "msg": error.body()}
        if cmd_id:
            frame["id"] = cmd_id
        await self._send_json(frame)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        cmd_id = None
        try:
            command = protocol.parse_frame(text_data if text_data is not None else bytes_data)
            cmd_id = command.id
            self.limits.take_command()
            await getattr(self, f"cmd_{command.cmd}")(command)
        except CommandError as error:
            await self._send_error(error, error.cmd_id or cmd_id)

    # --- groups ---------------------------------------------------------------------------------
    async def _join(self, group: str) -> None:
        if not self.joined[group]:
            await self.hub.join(group, self.inbox)
        self.joined[group] += 1

    async def _leave(self, group: str) -> None:
        self.joined[group] -= 1
        if self.joined[group] <= 0:
            del self.joined[group]
            await self.hub.leave(group, self.inbox)

    def _groups_of(self, channel: str, markets: set[str] | None) -> list[str]:
        if channel in protocol.PRIVATE_CHANNELS:
            return [fanout.user_group(self.user.pk)]
        if channel == "market_lifecycle_v2":
            return [fanout.LIFECYCLE_GROUP]
        if markets is None:  # every market: the lifecycle group tells us about markets created later
            return [fanout.LIFECYCLE_GROUP]
        return [fanout.market_group(t) for t in markets]

    async def _join_every_market(self) -> None:
        for ticker in await database_sync_to_async(books.all_tickers)():
            await self._join_market_for_all(ticker)

    async def _join_market_for_all(self, ticker: str) -> None:
        group = fanout.market_group(ticker)
        if group not in self.all_market_groups:
            self.all_market_groups.add(group)
            await self._join(group)

    # --- commands -------------------------------------------------------------------------------
    async def cmd_subscribe(self, command: protocol.Command) -> None:
        params = command.params
        channels = protocol.channels(params)
        if self.user is None and any(c in protocol.PRIVATE_CHANNELS for c in channels):
            raise CommandError(9)
        tickers = protocol.market_tickers(params, required="orderbook_delta" in channels)
        self.limits.check_subscriptions(len(self.subs), len(channels))
        self.limits.check_markets(0, len(tickers or ()))
        options = {name: protocol.flag(params, name)
                   for name in ("send_initial_snapshot", "skip_ticker_ack", "use_yes_price")}
        if tickers:
            known = await database_sync_to_async(books.existing_tickers)(tickers)
            missing = [t for t in tickers if t not in known]
            if missing:
                raise CommandError(11, f"Market not found: {missing[0]}", market_tickers=missing)
        for channel in channels:
            markets = set(tickers) if tickers and channel in protocol.MARKET_FILTERED else None
            self.last_sid += 1
            sub = Subscription(self.last_sid, channel, markets, **options)
            self.subs[sub.sid] = sub
            for group in self._groups_of(channel, markets):
                await self._join(group)
            if markets is None and channel in ("ticker", "trade"):
                await self._join_every_market()
            frame = {"type": "subscribed", "msg": {"channel": channel, "sid": sub.sid}}
            if command.id:
                frame["id"] = command.id
            await self._send_json(frame)
            await self._initial_messages(sub, sub.market_list() if markets else None)

    async def _initial_messages(self, sub: Subscription, tickers: list[str] | None, cmd_id: int | None = None) -> None:
        if sub.channel == "orderbook_delta":
            for ticker in tickers or ():
                await self._send_snapshot(sub, ticker, cmd_id)
        elif sub.channel == "ticker" and sub.send_initial_snapshot:
            if tickers is None:
                tickers = await database_sync_to_async(books.all_tickers)()
            for payload, last_count in await database_sync_to_async(books.ticker_states)(tickers):
                await self._send_data(sub, "ticker", render.ticker(payload, last_count))

    async def _send_snapshot(self, sub: Subscription, ticker: str, cmd_id: int | None = None) -> None:
        snapshot = await database_sync_to_async(orderbook_at_seq)(ticker)
        if snapshot is None:
            return
        book_seq, levels = snapshot
        sub.book_seq[ticker] = max(book_seq, sub.book_seq.get(ticker, 0))
        sub.since_snapshot[ticker] = 0
        await self._send_data(sub, "orderbook_snapshot", render.orderbook_snapshot(ticker, levels, sub.use_yes_price),
                              cmd_id)

    async def cmd_unsubscribe(self, command: protocol.Command) -> None:
        for sid in protocol.sids_to_unsubscribe(command.params):
            sub = self.subs.pop(sid, None)
            if sub is None:
                await self._send_error(CommandError(7), command.id)
                continue
            for group in self._groups_of(sub.channel, sub.markets):
                await self._leave(group)
            frame = {"type": "unsubscribed", "sid": sid, "seq": sub.seq}
            if command.id:
                frame["id"] = command.id
            await self._send_json(frame)
        if not any(s.markets is None and s.channel in ("ticker", "trade") for s in self.subs.values()):
            for group in self.all_market_groups:
                await self._leave(group)
            self.all_market_groups.clear()

    async def cmd_list_subscriptions(self, command: protocol.Command) -> None:
        frame = {"type": "ok", "msg": [{"channel": s.channel, "sid": s.sid} for s in self.subs.values()]}
        if command.id:
            frame["id"] = command.id
        await self._send_json(frame)

    async def cmd_update_subscription(self, command: protocol.Command) -> None:
        params = command.params
        sid = protocol.single_sid(params)
        action = protocol.action(params)
        sub = self.subs.get(sid)
        if sub is None:
            raise CommandError(7)
        if action == "get_snapshot":
            if sub.channel != "orderbook_delta":
                raise CommandError(13, "get_snapshot is only supported on orderbook_delta")
            tickers = protocol.market_tickers(params, required=False) or sub.market_list()
            outside = [t for t in tickers if not sub.covers(t)]
            if outside:
                raise CommandError(11, f"Market not in subscription: {outside[0]}", market_tickers=outside)
            for ticker in tickers:
                await self._send_snapshot(sub, ticker, command.id)
            return
        if sub.channel not in protocol.MARKET_FILTERED:
            raise CommandError(13, f"{action} is not supported on {sub.channel}")
        tickers = protocol.market_tickers(params, required=True)
        if sub.markets is None:
            raise CommandError(11, "the subscription already covers every market")
        if action == "add_markets":
            added = [t for t in tickers if t not in sub.markets]
            self.limits.check_markets(len(sub.markets), len(added))
            known = await database_sync_to_async(books.existing_tickers)(added)
            missing = [t for t in added if t not in known]
            if missing:
                raise CommandError(11, f"Market not found: {missing[0]}", market_tickers=missing)
            sub.markets.update(added)
            for ticker in added:
                await self._join(fanout.market_group(ticker))
            await self._send_ok(sub, command.id)
            await self._initial_messages(sub, added)
        else:
            removed = [t for t in tickers if t in sub.markets]
            for ticker in removed:
                sub.markets.discard(ticker)
                sub.book_seq.pop(ticker, None)
                sub.since_snapshot.pop(ticker, None)
                await self._leave(fanout.market_group(ticker))
            await self._send_ok(sub, command.id)

    async def _send_ok(self, sub: Subscription, cmd_id: int | None) -> None:
        frame = {"type": "ok", "sid": sub.sid, "seq": sub.seq, "msg": {}}
        if not sub.skip_ticker_ack:
            frame["msg"]["market_tickers"] = sub.market_list()
        if cmd_id:
            frame["id"] = cmd_id
        await self._send_json(frame)

    # --- committed events -----------------------------------------------------------------------
    async def outbox_batch(self, message: dict) -> None:
        public: dict[str, list[dict]] = {}
        for event in message["events"]:
            if event["kind"] in PUBLIC_KINDS or event["kind"] == RESYNC:
                public.setdefault(event["ticker"], []).append(event)
            elif self.user is not None and event["user_id"] == self.user.pk:
                await self._private_event(event)
        for ticker, events in public.items():
            await self._market_events(ticker, events)

    async def _market_events(self, ticker: str, events: list[dict]) -> None:
        subs = [s for s in self.subs.values() if s.covers(ticker)]
        lifecycle = [e for e in events if e["kind"] == "lifecycle" and self._first_sight(e["id"])]
        if lifecycle and any(s.markets is None and s.channel in ("ticker", "trade") for s in self.subs.values()):
            await self._join_market_for_all(ticker)
        for sub in subs:
            if sub.channel == "orderbook_delta" and ticker in sub.book_seq:
                await self._advance_book(sub, ticker, events)
            elif sub.channel == "market_lifecycle_v2":
                for event in lifecycle:
                    body = bodies.get((event["id"], event["ts_ms"], "market_lifecycle_v2"), render.market_lifecycle,
                                      event["payload"])
                    await self._send_body(sub, "market_lifecycle_v2", body)
        trades = [e for e in events if e["kind"] == "trade"]
        if trades:
            self.last_trade_count[ticker] = trades[-1]["payload"]["count"]
        for sub in subs:
            if sub.channel == "trade":
                for event in trades:
                    body = bodies.get((event["id"], event["ts_ms"], "trade"), render.trade, event["payload"])
                    await self._send_body(sub, "trade", body)
            elif sub.channel == "ticker":
                for event in events:
                    if event["kind"] == "ticker":
                        last_count = self.last_trade_count.get(ticker, 0)
                        body = bodies.get((event["id"], event["ts_ms"], "ticker", last_count), render.ticker,
                                          event["payload"], last_count)
                        await self._send_body(sub, "ticker", body)

    def _first_sight(self, event_id: int) -> bool:
        """Lifecycle events reach us through both the market's group and the lifecycle group."""
        if event_id in self.seen_lifecycle:
            return False
        self.seen_lifecycle[event_id] = None
        if len(self.seen_lifecycle) > 1000:
            self.seen_lifecycle.popitem(last=False)
        return True

    async def _advance_book(self, sub: Subscription, ticker: str, events: list[dict]) -> None:
        """Send the book events after the sid's book_seq, refilling any missed ones from the outbox."""
        last = sub.book_seq[ticker]
        newest = max(e["book_seq"] for e in events)
        if newest <= last:
            return
        book = {e["book_seq"]: e for e in events if e["kind"] == "book" and e["book_seq"] > last}
        if len(book) < newest - last:
            # A lost or reordered batch (or a book change without level changes): read what we have not seen.
            found = await database_sync_to_async(books.book_events_between)(ticker, last, newest)
            metrics.gap_filled(sum(1 for e in found if e["book_seq"] not in book))
            book.update({e["book_seq"]: e for e in found})
        every = settings.EXCHANGE["WS_PERIODIC_SNAPSHOT_EVERY"]
        for seq in sorted(book):
            if seq <= sub.book_seq[ticker]:
                continue  # a periodic snapshot below already contained it
            sub.book_seq[ticker] = seq
            event = book[seq]
            for book_side, yes_price, delta in event["payload"]["levels"]:
                if self._inject_skip(ticker):
                    sub.next_seq()  # the fault: this delta and its seq are lost
                    continue
                # The key is every argument of the rendering: the body is right even if an id were reused.
                args = (ticker, book_side, yes_price, delta, event["ts_ms"], sub.use_yes_price)
                body = bodies.get(("orderbook_delta", *args), render.orderbook_delta, *args)
                await self._send_body(sub, "orderbook_delta", body)
            sub.since_snapshot[ticker] = sub.since_snapshot.get(ticker, 0) + 1
            if every and sub.since_snapshot[ticker] >= every:
                await self._send_snapshot(sub, ticker)
        sub.book_seq[ticker] = max(sub.book_seq[ticker], newest)

    def _inject_skip(self, ticker: str) -> bool:
        """Fault injection: lose one delta (and its seq) per connection on WS_SKIP_SEQ_MARKET."""
        if ticker != settings.EXCHANGE["WS_SKIP_SEQ_MARKET"] or ticker in self.skipped_markets:
            return False
        self.skipped_markets.add(ticker)
        return True

    async def _private_event(self, event: dict) -> None:
        channel = PRIVATE_CHANNEL_OF_KIND.get(event["kind"])
        if channel is None:
            return
        payload = event["payload"]
        for sub in list(self.subs.values()):
            if sub.channel != channel:
                continue
            if channel == "order_group_updates":
                await self._send_data(sub, "order_group_updates", render.order_group_update(payload, event["ts_ms"]))
            elif sub.covers(event["ticker"]):
                if channel == "fill":
                    await self._send_data(sub, "fill", render.fill(payload))
                elif channel == "user_orders":
                    await self._send_data(sub, "user_order", render.user_order(payload))
                else:
                    await self._send_data(sub, "market_position", render.market_position(payload))
