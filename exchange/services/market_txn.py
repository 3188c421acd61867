"""One locked market inside one database transaction.

`MarketTxn` loads into a `Book` only the resting orders a command can touch, runs the pure engine,
then writes orders, trades, fills, positions, balances, the market row and outbox events together.
Lock order is markets (by id) then accounts (by user id), which keeps concurrent commands free of
deadlocks.
"""

import uuid
from collections.abc import Iterable

from django.db.models import Exists, Q, QuerySet, Sum
from django.utils import timezone

from exchange.engine import Book, CancelReason, LevelChanged, RestingOrder, Result, Side, matching
from exchange.engine.fees import FeeSchedule
from exchange.engine.ledger import Ledger
from exchange.engine.orders import OrderStatus
from exchange.engine.rejects import RejectCode
from exchange.engine.units import units_to_dollars
from exchange.models import Account, ExchangeState, Fill, Market, MarketEvent, Order, Position, Trade
from exchange.outbox import EventKind, ExecType, LifecycleEvent, UpdateReason, outbox_write
from exchange.services import payloads
from exchange.services.errors import ExchangeError

ORDER_UPDATE_FIELDS = [
    "status", "price", "initial_count", "remaining_count", "fill_count", "priority", "reserved",
    "taker_fill_count", "maker_fill_count", "taker_fill_cost", "maker_fill_cost", "taker_fees", "maker_fees",
    "taker_fee_basis", "maker_fee_basis", "fee_accumulator", "updated_at", "last_update_reason", "client_order_id",
]
WINDOW_BATCH = 32
MARKET_STATE_FIELDS = [
    "status", "close_time", "result", "determined_at", "settled_at", "book_seq", "last_price", "yes_bid",
    "yes_bid_size", "yes_ask", "yes_ask_size", "volume", "open_interest", "updated_at",
]
_OPENING = (UpdateReason.PLACED, UpdateReason.AMEND, UpdateReason.DECREASE)
POSITION_FIELDS = ["position", "cost", "realized_pnl", "fees_paid", "total_traded", "volume", "updated_at"]


def _locking() -> QuerySet[Market]:
    # `exchange_paused` rides along with the lock so order entry needs no extra query for the switch.
    paused = Exists(ExchangeState.objects.filter(Q(exchange_active=False) | Q(trading_active=False)))
    return Market.objects.select_for_update(of=("self",)).select_related("event__series").annotate(
        exchange_paused=paused)


def lock_market(*, ticker: str | None = None, market_id: int | None = None) -> Market:
    query = _locking()
    try:
        return query.get(ticker=ticker) if ticker is not None else query.get(pk=market_id)
    except Market.DoesNotExist:
        raise ExchangeError(RejectCode.MARKET_NOT_FOUND, f"market {ticker or market_id} not found") from None


def lock_market_of_order(user_id: int, order_id: str) -> Market:
    """Lock the market of one of this user's orders; anyone else's order is not found."""
    try:
        return _locking().get(orders__id=uuid.UUID(str(order_id)), orders__user_id=user_id)
    except (Market.DoesNotExist, ValueError):
        raise ExchangeError(RejectCode.ORDER_NOT_FOUND, f"order {order_id} not found") from None


def cancel_across_markets(orders: QuerySet[Order], reason: CancelReason) -> list[Order]:
    """Cancel resting orders in any number of markets.

    Every market is locked (in id order) and then every owner's account (one sorted query) before the
    first change, keeping the lock order of single-market commands: markets, then accounts.
    """
    resting = orders.filter(status=Order.Status.RESTING)
    market_ids = sorted(set(resting.values_list("market_id", flat=True)))
    txns = [MarketTxn(lock_market(market_id=market_id)) for market_id in market_ids]
    MarketTxn._lock_accounts(set(resting.values_list("user_id", flat=True)))
    canceled: list[Order] = []
    for txn in txns:
        canceled += txn.cancel_orders(orders.filter(market_id=txn.market.pk), reason)
        txn.flush()
    return canceled


class MarketTxn:
    def __init__(self, market: Market) -> None:
        self.market = market
        self.now = timezone.now()
        series = market.event.series
        self.fees = FeeSchedule.for_series(series.fee_type, series.fee_multiplier)
        self.ledger = Ledger(self.fees)  # decides every money change; flush persists them
        self.orders: dict[str, Order] = {}
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
        return cls(lock_market(ticker=ticker, market_id=market_id))

    @classmethod
    def lock_for_order(cls, user_id: int, order_id: str) -> "MarketTxn":
        return cls(lock_market_of_order(user_id, order_id))

    # --- loading -------------------------------------------------------------------------------------
    def resting(self) -> QuerySet[Order]:
        return Order.objects.filter(market=self.market, status=Order.Status.RESTING)

    def crossing_window(self, side: Side, limit: int, *, owner: int, count: int) -> Book:
        """The resting orders an order of `owner` for `count` on `side` at `limit` can execute against,
        in priority order: only as many as could fill it, read in batches so a deep book costs no more
        than the orders actually reached."""
        opposite = side.opposite.value
        if side is Side.BID:
            query = self.resting().filter(book_side=opposite, price__lte=limit).order_by("price", "priority")
        else:
            query = self.resting().filter(book_side=opposite, price__gte=limit).order_by("-price", "priority")
        book, start = Book(), 0
        while True:
            batch = list(query[start:start + WINDOW_BATCH])
            self.book_of(batch, book)
            count -= sum(o.remaining_count for o in batch if o.user_id != owner)
            if count <= 0 or len(batch) < WINDOW_BATCH:
                return book
            start += WINDOW_BATCH

    def book_of(self, orders: Iterable[Order], book: Book | None = None) -> Book:
        book = Book() if book is None else book
        for order in orders:
            self.orders[str(order.id)] = order
            self._client_order_ids.setdefault(str(order.id), order.client_order_id)
            book.add(RestingOrder(str(order.id), order.user_id, Side(order.book_side), order.price,
                                  order.remaining_count, order.priority))
        return book

    def cancel_orders(self, orders: QuerySet[Order], reason: CancelReason) -> list[Order]:
        """Cancel these resting orders of the locked market."""
        loaded = list(orders.filter(market=self.market, status=Order.Status.RESTING).order_by("priority"))
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
        for position in Position.objects.filter(market=self.market, user_id__in=missing):
            self._positions[position.user_id] = position
        for user_id in missing - self._positions.keys():
            self._positions[user_id] = Position(user_id=user_id, market=self.market)

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
            trade = Trade(id=uuid.uuid4(), market=self.market, price=fill.price, count=fill.count,
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
        self._fills.append(Fill(
            id=uuid.uuid4(), trade=trade, order=order, user_id=order.user_id, market=self.market,
            is_taker=is_taker, book_side=order.book_side, side=order.side, action=order.action,
            price=price, count=count, fee=money.fee, post_position=position.position, created_at=self.now,
        ))

    def lifecycle(self, event_type: LifecycleEvent) -> None:
        self._lifecycle.append(event_type)

    def private_event(self, kind: EventKind, user_id: int, payload: dict) -> None:
        self._private.append((kind, user_id, payload))

    # --- writing -----------------------------------------------------------------------------------
    def flush(self) -> list[MarketEvent]:
        """Persist everything recorded and queue the outbox events for publication after commit."""
        ledger = self.ledger
        for order in self._created + list(self._touched.values()):
            ledger.reserve(order)
        accounts = self._lock_accounts(ledger.users())
        short = ledger.post(accounts)
        if short is not None:
            raise ExchangeError(RejectCode.INSUFFICIENT_BALANCE, "insufficient balance for this order",
                                f"short by ${units_to_dollars(short.amount)}")
        self.market.open_interest += ledger.open_interest
        if self._created:
            Order.objects.bulk_create(self._created)
        if self._touched:
            save_rows(Order, list(self._touched.values()), ORDER_UPDATE_FIELDS)
        levels = [(side, price, delta) for (side, price), delta in sorted(self._levels.items()) if delta]
        # A command changes the book when it moves a level or trades; each such command takes the next
        # book_seq and writes exactly one BOOK event for it (its levels may net out to none).
        book_changed = bool(levels) or self._traded
        if book_changed:
            self.market.book_seq += 1
        for trade in self._trades:
            trade.book_seq = self.market.book_seq
        Trade.objects.bulk_create(self._trades)
        Fill.objects.bulk_create(self._fills)
        self._save_positions()
        if accounts:
            for account in accounts.values():
                account.updated_at = self.now
            save_rows(Account, list(accounts.values()), ["balance", "reserved", "updated_at"])
        if levels:
            self._refresh_top_of_book(levels)
        self.market.save(update_fields=MARKET_STATE_FIELDS)
        events = self._events(levels, book_changed)
        outbox_write(events, has_xid=True)  # the market row is locked FOR UPDATE
        return events

    @staticmethod
    def _lock_accounts(user_ids: set[int]) -> dict[int, Account]:
        """Lock every account the command touches in one query, in user id order (no deadlocks)."""
        if not user_ids:
            return {}
        query = Account.objects.select_for_update().filter(user_id__in=user_ids).order_by("user_id")
        accounts = {account.user_id: account for account in query}
        if len(accounts) < len(user_ids):  # first trade of a user without an account yet
            Account.objects.bulk_create([Account(user_id=u) for u in user_ids - accounts.keys()],
                                        ignore_conflicts=True)
            accounts = {account.user_id: account for account in query.all()}
        return accounts

    def _save_positions(self) -> None:
        new = [p for p in self._positions.values() if p.pk is None and (p.position or p.total_traded)]
        old = [p for p in self._positions.values() if p.pk is not None]
        Position.objects.bulk_create(new)
        if old:
            save_rows(Position, old, POSITION_FIELDS)

    def _refresh_top_of_book(self, levels: list[tuple[str, int, int]]) -> None:
        """Keep the market's best bid/ask current, asking the database only when a best level emptied."""
        market = self.market
        for side, ordering in (("bid", "-price"), ("ask", "price")):
            old = (market.yes_bid, market.yes_bid_size) if side == "bid" else (market.yes_ask, market.yes_ask_size)
            top = best_after(side, old, [(price, delta) for s, price, delta in levels if s == side])
            if top is None:
                row = (self.resting().filter(book_side=side).values("price")
                       .annotate(size=Sum("remaining_count")).order_by(ordering).first())
                top = (row["price"], row["size"]) if row else (0, 0)
            if side == "bid":
                market.yes_bid, market.yes_bid_size = top
            else:
                market.yes_ask, market.yes_ask_size = top

    def _events(self, levels: list[tuple[str, int, int]], book_changed: bool) -> list[MarketEvent]:
        market, seq, ticker, ts = self.market, self.market.book_seq, self.market.ticker, payloads.ts_ms(self.now)

        def event(kind: EventKind, payload: dict, user_id: int | None = None) -> MarketEvent:
            return MarketEvent(market=market, book_seq=seq, kind=kind, user_id=user_id, payload=payload,
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


def save_rows(model: type, rows: list, fields: list[str]) -> None:
    """Write changed columns back. A few rows take one plain UPDATE each, which is far cheaper than
    bulk_update's CASE expressions; a sweep through many resting orders takes one bulk_update."""
    if len(rows) > 3:
        model.objects.bulk_update(rows, fields)
        return
    for row in rows:
        model.objects.filter(pk=row.pk).update(**{field: getattr(row, field) for field in fields})
