"""One market's part of a sequencer batch.

`MarketTxn` builds a `Book` from memory holding only the resting orders a command can touch, runs the
pure engine and the ledger on private copies of the orders, positions and market row, and on success
stages all of it in the batch (rows, outbox events, memory); a refused command leaves nothing behind.
Lock order is markets (by id) then accounts (by user id), which keeps concurrent writers free of
deadlocks.
"""

import uuid
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from exchange.engine import Book, CancelReason, LevelChanged, RestingOrder, Result, Side, matching
from exchange.engine.fees import FeeSchedule
from exchange.engine.ledger import Ledger
from exchange.engine.orders import OrderStatus
from exchange.engine.rejects import RejectCode
from exchange.engine.units import units_to_dollars
from exchange.ids import new_id
from exchange.models import Fill, Market, MarketEvent, Order, Position, Trade
from exchange.outbox import EventKind, ExecType, LifecycleEvent, UpdateReason
from exchange.rows import build
from exchange.sequencer.batch import Batch, current_batch
from exchange.sequencer.memory import clone
from exchange.services import payloads
from exchange.services.errors import ExchangeError

_OPENING = (UpdateReason.PLACED, UpdateReason.AMEND, UpdateReason.DECREASE)


def market_of_order(batch: Batch, user_id: int, order_id: str) -> Market:
    """Lock the market of one of this user's orders; anyone else's order is not found."""
    try:
        key = str(uuid.UUID(str(order_id)))
    except ValueError:
        raise ExchangeError(RejectCode.ORDER_NOT_FOUND, f"order {order_id} not found") from None
    staged = batch.orders.get(key)
    if staged is not None:
        market_id = staged.market_id if staged.user_id == user_id else None
    else:
        market_id = batch.market_of_resting(key)
        if market_id is not None and batch.memory[market_id].resting(key).user_id != user_id:
            market_id = None
        if market_id is None:
            market_id = (Order.objects.filter(pk=key, user_id=user_id).values_list("market_id", flat=True)
                         .first())
    if market_id is None:
        raise ExchangeError(RejectCode.ORDER_NOT_FOUND, f"order {order_id} not found")
    return batch.market(market_id=market_id)


def cancel_across_markets(orders: QuerySet[Order], reason: CancelReason) -> list[Order]:
    """Cancel the resting orders among these, in any number of markets, as one command.

    Every market is locked (in id order) and then every owner's account before the first change,
    keeping the lock order of single-market commands: markets, then accounts. Commands that cancel
    across markets run alone in their batch, so the tables are current for the query.
    """
    batch = current_batch()
    by_market: dict[int, list[str]] = {}
    for order_id, market_id in orders.filter(status=Order.Status.RESTING).values_list("id", "market_id"):
        by_market.setdefault(market_id, []).append(str(order_id))
    txns = [MarketTxn(batch.market(market_id=market_id)) for market_id in sorted(by_market)]
    batch.lock_accounts(sorted({o.user_id for txn in txns for i in by_market[txn.market.pk]
                                if (o := txn.memory.resting(i)) is not None}))
    canceled: list[Order] = []
    for txn in txns:
        canceled += txn.cancel_orders(by_market[txn.market.pk], reason)
        txn.flush()
    return canceled


class MarketTxn:
    def __init__(self, market: Market) -> None:
        self.batch = current_batch()
        self.memory = self.batch.market_memory(market)
        self.market = clone(market)
        self.now = timezone.now()
        series = market.event.series
        self.fees = FeeSchedule.for_series(series.fee_type, series.fee_multiplier)
        self.ledger = Ledger(self.fees)  # decides every money change; flush stages them
        self.orders: dict[str, Order] = {}  # private copies of the orders the command loaded
        # client_order_id of each loaded order as it was before the command: a replace reports it.
        self._client_order_ids: dict[str, str] = {}
        self._created: list[Order] = []
        self._touched: dict[str, Order] = {}
        self._positions: dict[int, Position] = {}
        self._trades: list[Trade] = []
        self._fills: list[Fill] = []
        self._levels: dict[tuple[str, int], int] = {}
        self._private: list[tuple[EventKind, int, dict]] = []
        self._executions: list[tuple[int, dict]] = []  # (owner, execution fact), in the order they happened
        self._leaves: dict[str, int] = {}  # what each order the command touched still has open
        self._lifecycle: list[LifecycleEvent] = []
        self._traded = False
        # The orders whose command changed the book; one makes its owner's deltas carry its client_order_id.
        self._subjects: dict[str, Order] = {}

    @classmethod
    def lock(cls, *, ticker: str | None = None, market_id: int | None = None) -> "MarketTxn":
        return cls(current_batch().market(ticker=ticker, market_id=market_id))

    @classmethod
    def lock_for_order(cls, user_id: int, order_id: str) -> "MarketTxn":
        batch = current_batch()
        return cls(market_of_order(batch, user_id, order_id))

    # --- loading -------------------------------------------------------------------------------------
    def resting_order(self, order_id: str) -> Order:
        """This market's resting order, as a private copy; one that filled or was canceled is refused."""
        key = str(order_id)
        if key in self.orders:
            order = self.orders[key]
        else:
            found = self.memory.resting(key)
            if found is None:
                staged = self.batch.orders.get(key)
                status = staged.status if staged is not None else (
                    Order.objects.filter(pk=key).values_list("status", flat=True).first() or "unknown")
                raise ExchangeError(RejectCode.ORDER_NOT_RESTING, f"order {order_id} is {status}")
            order = self._own(found)
        if order.status != Order.Status.RESTING:
            raise ExchangeError(RejectCode.ORDER_NOT_RESTING, f"order {order_id} is {order.status}")
        return order

    def _own(self, order: Order) -> Order:
        key = str(order.id)
        if key not in self.orders:
            self.orders[key] = clone(order)
            self._client_order_ids.setdefault(key, order.client_order_id)
        return self.orders[key]

    def crossing_window(self, side: Side, limit: int, *, owner: int, count: int) -> Book:
        """The resting orders an order of `owner` for `count` on `side` at `limit` can execute against,
        in priority order: only as many as could fill it."""
        book = Book()
        for order in self.memory.crossing(side.value, limit):
            self.book_of([self._own(order)], book)
            if order.user_id != owner:
                count -= order.remaining_count
                if count <= 0:
                    break
        return book

    def book_of(self, orders: Iterable[Order], book: Book | None = None) -> Book:
        book = Book() if book is None else book
        for order in orders:
            order = self._own(order)
            if book.get(str(order.id)) is None:
                book.add(RestingOrder(str(order.id), order.user_id, Side(order.book_side), order.price,
                                      order.remaining_count, order.priority))
        return book

    def resting_ids(self) -> list[str]:
        """Every resting order of the market, in priority order."""
        return sorted(self.memory.orders, key=lambda i: self.memory.orders[i].priority)

    def cancel_orders(self, order_ids: Iterable[str], reason: CancelReason) -> list[Order]:
        """Cancel those of these orders still resting in this market."""
        loaded = [self._own(o) for i in order_ids if (o := self.memory.resting(str(i))) is not None]
        loaded.sort(key=lambda o: o.priority)
        book = self.book_of(loaded)
        for order in loaded:
            self.apply(matching.cancel(book, str(order.id), reason=reason), reason=UpdateReason.of_cancel(reason))
        return loaded

    def position(self, user_id: int) -> Position:
        if user_id not in self._positions:
            self.load_positions([user_id])
        return self._positions[user_id]

    def load_positions(self, user_ids: Iterable[int]) -> None:
        missing = {u for u in user_ids if u not in self._positions}
        if not missing:
            return
        known = self.memory.positions
        unread = {u for u in missing if u not in known}
        if unread:
            for position in Position.objects.filter(market_id=self.market.pk, user_id__in=unread):
                known[position.user_id] = position
        for user_id in missing:
            held = known.get(user_id)
            self._positions[user_id] = (clone(held) if held is not None
                                        else Position(user_id=user_id, market_id=self.market.pk))

    def all_positions(self) -> list[Position]:
        """Every position held in this market (private copies), read from the tables, which are current
        for the commands that ask (they run alone in their batch)."""
        for position in Position.objects.filter(market_id=self.market.pk).order_by("user_id"):
            self.memory.positions[position.user_id] = position
            self._positions[position.user_id] = clone(position)
        return list(self._positions.values())

    def require_funds(self, user_id: int) -> None:
        """Refuse the whole command if this user's available balance would end below zero."""
        self.ledger.require_funds(user_id)

    def new_priority(self) -> int:
        """Priority for an order taking its place now: the book_seq this command will publish."""
        return self.market.book_seq + 1

    # --- recording engine results ----------------------------------------------------------------
    def add_order(self, order: Order) -> None:
        self.orders[str(order.id)] = order
        self._created.append(order)

    def touch(self, order: Order, reason: UpdateReason) -> None:
        order.last_update_reason = reason
        order.updated_at = self.now
        if order not in self._created:
            self._touched[str(order.id)] = order

    def apply(self, result: Result, *, reason: UpdateReason) -> None:
        """Write an engine result into the orders, positions and accounts it concerns, and record its
        execution facts: the subject's new/replaced, each fill for both sides, each cancellation."""
        subject = self.orders.get(result.order_id)
        self.load_positions({f.maker_owner for f in result.fills} | {f.taker_owner for f in result.fills})
        # The service has set the subject's open size; a decrease to nothing is reported as its cancel.
        emptied = reason is UpdateReason.DECREASE and result.status is OrderStatus.CANCELED
        if subject is not None and reason in _OPENING and not emptied:
            exec_type = ExecType.NEW if reason is UpdateReason.PLACED else ExecType.REPLACED
            leaves = result.resting if reason is UpdateReason.DECREASE else subject.remaining_count
            orig = self._client_order_ids.get(result.order_id) if exec_type is ExecType.REPLACED else None
            self._execute(subject, exec_type, reason, leaves, orig_client_order_id=orig)
        for fill in result.fills:
            trade = build(Trade, id=new_id(), market=self.market, price=fill.price, count=fill.count,
                          taker_book_side=fill.taker_side.value, book_seq=0, created_at=self.now)
            self._trades.append(trade)
            taker, maker = self.orders[fill.taker_order_id], self.orders[fill.maker_order_id]
            self._fill(taker, trade, fill.price, fill.count, is_taker=True)
            self._execute(taker, ExecType.TRADE, UpdateReason.FILL, self._open(taker) - fill.count, self._fills[-1])
            self._fill(maker, trade, fill.price, fill.count, is_taker=False)
            self._execute(maker, ExecType.TRADE, UpdateReason.FILL, maker.remaining_count, self._fills[-1])
            self.market.last_price = fill.price
            self.market.volume += fill.count
            self._traded = True
        for canceled in result.canceled:
            order = self.orders[canceled.order_id]
            order.remaining_count = 0
            order.status = Order.Status.CANCELED
            why = UpdateReason.of_cancel(canceled.reason)
            if order is subject and reason is UpdateReason.DECREASE:
                why = UpdateReason.DECREASE
            self.touch(order, why)
            self._execute(order, ExecType.EXPIRED if why is UpdateReason.EXPIRED else ExecType.CANCELED, why, 0)
        if subject is not None and result.status is not OrderStatus.REJECTED:
            self._subjects[str(subject.id)] = subject
            if result.status is not OrderStatus.CANCELED:  # a canceled subject keeps its cancel's reason
                self.touch(subject, reason)
            subject.status = result.status.value
            subject.remaining_count = result.resting
        for f in result.fills:
            self.touch(self.orders[f.maker_order_id], UpdateReason.FILL)
        for level in result.levels:
            self.level(level)

    def _open(self, order: Order) -> int:
        return self._leaves.get(str(order.id), order.remaining_count)

    def _execute(self, order: Order, exec_type: ExecType, reason: UpdateReason, leaves: int,
                 fill: Fill | None = None, *, orig_client_order_id: str | None = None) -> None:
        self._leaves[str(order.id)] = leaves
        fact = payloads.execution_payload(order, self.market.ticker, exec_type, reason, cum=order.fill_count,
                                          leaves=leaves, when=self.now, fill=fill,
                                          orig_client_order_id=orig_client_order_id)
        self._executions.append((order.user_id, fact))

    def level(self, change: LevelChanged) -> None:
        key = (change.side.value, change.price)
        self._levels[key] = self._levels.get(key, 0) + change.delta

    def _fill(self, order: Order, trade: Trade, price: int, count: int, *, is_taker: bool) -> None:
        if not is_taker:
            order.remaining_count -= count
            if order.remaining_count == 0:
                order.status = Order.Status.EXECUTED
        position = self.position(order.user_id)
        money = self.ledger.fill(order, position, price=price, count=count, taker=is_taker)
        position.updated_at = self.now
        self._fills.append(build(
            Fill, id=new_id(), trade=trade, order=order, user_id=order.user_id, market=self.market,
            is_taker=is_taker, book_side=order.book_side, side=order.side, action=order.action,
            price=price, count=count, fee=money.fee, post_position=position.position, created_at=self.now,
        ))

    def lifecycle(self, event_type: LifecycleEvent) -> None:
        self._lifecycle.append(event_type)

    def private_event(self, kind: EventKind, user_id: int, payload: dict) -> None:
        self._private.append((kind, user_id, payload))

    # --- staging -----------------------------------------------------------------------------------
    def flush(self) -> list[MarketEvent]:
        """Stage everything recorded in the batch, or refuse the whole command leaving nothing behind."""
        ledger, batch = self.ledger, self.batch
        for order in self._created + list(self._touched.values()):
            ledger.reserve(order)
        users = ledger.users()
        accounts = batch.lock_accounts(users)
        funds = {u: clone(accounts[u]) for u in users}
        short = ledger.post(funds)
        if short is not None:
            raise ExchangeError(RejectCode.INSUFFICIENT_BALANCE, "insufficient balance for this order",
                                f"short by ${units_to_dollars(short.amount)}")
        # Decided: from here on nothing refuses, and the command's copies become the batch's state.
        for user_id, account in funds.items():
            account.updated_at = self.now
            accounts[user_id] = account
        batch.stage_accounts(users)
        market = self.market
        market.open_interest += ledger.open_interest
        levels = [(side, price, delta) for (side, price), delta in sorted(self._levels.items()) if delta]
        # A command changes the book when it moves a level or trades; each such command takes the next
        # book_seq and writes exactly one BOOK event for it (its levels may net out to none).
        book_changed = bool(levels) or self._traded
        if book_changed:
            market.book_seq += 1
        for trade in self._trades:
            trade.book_seq = market.book_seq
        if levels:
            self._refresh_top_of_book(levels)
        market.version += 1
        market.updated_at = self.now
        changed = list(self._touched.values())
        positions = list(self._positions.values())
        batch.stage_orders(self._created, changed)
        batch.trades += self._trades
        batch.fills += self._fills
        batch.stage_positions(positions)
        batch.stage_market(market)
        self.memory.keep(self._created + changed, positions, market.version)
        events = self._events(levels, book_changed)
        batch.events += events
        if batch.eager:
            batch.write()
        return events

    def _refresh_top_of_book(self, levels: list[tuple[str, int, int]]) -> None:
        """Keep the market's best bid/ask current, reading memory only when a best level emptied."""
        market = self.market
        for side in ("bid", "ask"):
            old = (market.yes_bid, market.yes_bid_size) if side == "bid" else (market.yes_ask, market.yes_ask_size)
            changes = [(price, delta) for s, price, delta in levels if s == side]
            top = best_after(side, old, changes)
            if top is None:
                deltas: dict[int, int] = {}
                for price, delta in changes:
                    deltas[price] = deltas.get(price, 0) + delta
                top = self.memory.best(side, deltas)
            if side == "bid":
                market.yes_bid, market.yes_bid_size = top
            else:
                market.yes_ask, market.yes_ask_size = top

    def _events(self, levels: list[tuple[str, int, int]], book_changed: bool) -> list[MarketEvent]:
        market, seq, ticker, ts = self.market, self.market.book_seq, self.market.ticker, payloads.ts_ms(self.now)

        def event(kind: EventKind, payload: dict, user_id: int | None = None) -> MarketEvent:
            return build(MarketEvent, market=market, book_seq=seq, kind=kind, user_id=user_id, payload=payload,
                               created_at=self.now)

        out = []
        if book_changed:
            book = {"ticker": ticker, "levels": levels, "ts_ms": ts}
            if len(self._subjects) == 1:
                book["actor"] = payloads.actor_payload(next(iter(self._subjects.values())))
            out.append(event(EventKind.BOOK, book))
        out += [event(EventKind.TRADE, payloads.trade_payload(t, ticker)) for t in self._trades]
        if book_changed:
            out.append(event(EventKind.TICKER, payloads.ticker_payload(market, self.now)))
        for order in self._created + list(self._touched.values()):
            out.append(event(EventKind.ORDER, payloads.order_payload(order, ticker), order.user_id))
        for fill in self._fills:
            payload = payloads.fill_payload(fill, ticker, fill.order.client_order_id)
            out.append(event(EventKind.FILL, payload, fill.user_id))
        for user_id in dict.fromkeys(f.user_id for f in self._fills):
            position = self._positions[user_id]
            out.append(event(EventKind.POSITION, payloads.position_payload(position, ticker), user_id))
        out += [event(EventKind.EXECUTION, fact, user_id) for user_id, fact in self._executions]
        for kind, user_id, payload in self._private:
            out.append(event(kind, payload, user_id))
        for event_type in self._lifecycle:
            out.append(event(EventKind.LIFECYCLE, payloads.lifecycle_payload(market, event_type)))
        return out




def best_after(side: str, old: tuple[int, int], changes: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The best (price, size) of one side after net level changes, from the best before them.

    Levels better than the old best were empty, so their new size is their change; levels worse than
    it cannot surface unless the old best emptied, and then only the database knows (None).
    """
    old_price, old_size = old
    better = (lambda a, b: a > b) if side == "bid" else (lambda a, b: a < b)
    sizes = {} if not old_size else {old_price: old_size}
    for price, delta in changes:
        if not old_size or price == old_price or better(price, old_price):
            sizes[price] = sizes.get(price, 0) + delta
    live = [price for price, size in sizes.items() if size > 0]
    if not live:
        return (0, 0) if not old_size else None
    best = max(live) if side == "bid" else min(live)
    return best, sizes[best]
