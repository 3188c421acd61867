"""A batch: the commands the sequencer commits together in one database transaction.

Commands read market rows (locked FOR UPDATE once per batch), accounts (locked once per batch) and
memory, and stage what they decided here; `write` then persists all of it with one multi-row
statement per table, so a batch of many commands costs about as many round trips as one.
"""

from collections.abc import Iterable
from contextvars import ContextVar

from django.db.models import Exists, Q

from exchange.engine.rejects import RejectCode
from exchange.models import (
    Account,
    ExchangeState,
    Fill,
    FixOrderSession,
    Market,
    MarketEvent,
    Order,
    Position,
    Settlement,
    Trade,
)
from exchange.outbox.writer import outbox_written
from exchange.rows import Writes
from exchange.sequencer.memory import MarketMemory
from exchange.services.errors import ExchangeError

ORDER_FIELDS = [
    "status", "price", "initial_count", "remaining_count", "fill_count", "priority", "reserved",
    "taker_fill_count", "maker_fill_count", "taker_fill_cost", "maker_fill_cost", "taker_fees", "maker_fees",
    "taker_fee_basis", "maker_fee_basis", "fee_accumulator", "updated_at", "last_update_reason", "client_order_id",
]
MARKET_FIELDS = [
    "status", "close_time", "result", "determined_at", "settled_at", "book_seq", "last_price", "yes_bid",
    "yes_bid_size", "yes_ask", "yes_ask_size", "volume", "open_interest", "updated_at", "version",
]
POSITION_FIELDS = ["position", "cost", "realized_pnl", "fees_paid", "total_traded", "volume", "updated_at"]
ACCOUNT_FIELDS = ["balance", "reserved", "updated_at"]

_current: ContextVar["Batch | None"] = ContextVar("sequencer_batch", default=None)


def current_batch() -> "Batch":
    batch = _current.get()
    if batch is None:
        raise RuntimeError("exchange state is written only by commands the sequencer runs")
    return batch


def _locking():
    # `exchange_paused` rides along with the lock so order entry needs no extra query for the switch.
    paused = Exists(ExchangeState.objects.filter(Q(exchange_active=False) | Q(trading_active=False)))
    return Market.objects.select_for_update(of=("self",)).select_related("event__series").annotate(
        exchange_paused=paused)


class Batch:
    """`eager`: write each command's rows as it stages them (commands that read the tables)."""

    def __init__(self, memory: dict[int, MarketMemory], *, eager: bool = False) -> None:
        self.memory = memory
        self.eager = eager
        self.markets: dict[int, Market] = {}
        self.by_ticker: dict[str, int] = {}
        self.accounts: dict[int, Account] = {}
        self.used_client_order_ids: set[tuple[int, str]] = set()
        self.known_client_order_ids: dict[tuple[int, str], bool] = {}
        self.after_commit: list = []  # follow-up commands: (name, kwargs)
        self.staged = 0  # commands' stagings so far: a refusal must come before its command's first
        self._clear()

    def _clear(self) -> None:
        self.orders: dict[str, Order] = {}
        self.new_orders: set[str] = set()
        self.trades: list[Trade] = []
        self.fills: list[Fill] = []
        self.positions: dict[tuple[int, int], Position] = {}
        self.dirty_markets: set[int] = set()
        self.dirty_accounts: set[int] = set()
        self.settlements: list[Settlement] = []
        self.sessions: dict[str, FixOrderSession] = {}
        self.events: list[MarketEvent] = []

    def __enter__(self) -> "Batch":
        self._token = _current.set(self)
        return self

    def __exit__(self, *exc) -> None:
        _current.reset(self._token)

    # --- reading, under the batch's locks ----------------------------------------------------------
    def market(self, *, ticker: str | None = None, market_id: int | None = None) -> Market:
        if market_id is None:
            market_id = self.by_ticker.get(ticker)
        if market_id in self.markets:
            return self.markets[market_id]
        query = _locking()
        try:
            market = query.get(ticker=ticker) if market_id is None else query.get(pk=market_id)
        except Market.DoesNotExist:
            raise ExchangeError(RejectCode.MARKET_NOT_FOUND, f"market {ticker or market_id} not found") from None
        self.markets[market.pk] = market
        self.by_ticker[market.ticker] = market.pk
        return market

    def lock_markets(self, tickers: Iterable[str] = (), market_ids: Iterable[int] = ()) -> None:
        """Lock several markets in one statement, in id order (the lock order of every writer)."""
        tickers = {t for t in tickers if t not in self.by_ticker}
        market_ids = {m for m in market_ids if m not in self.markets}
        if tickers or market_ids:
            for market in _locking().filter(Q(ticker__in=tickers) | Q(pk__in=market_ids)).order_by("pk"):
                self.markets[market.pk] = market
                self.by_ticker[market.ticker] = market.pk

    def market_of_resting(self, order_id: str) -> int | None:
        """The market whose memory holds this resting order, if any."""
        return next((m for m, memory in self.memory.items() if memory.resting(order_id) is not None), None)

    def market_memory(self, market: Market) -> MarketMemory:
        memory = self.memory.get(market.pk)
        if memory is None or memory.version != market.version:
            memory = self.memory[market.pk] = MarketMemory.load(market)
        return memory

    def lock_accounts(self, user_ids: Iterable[int]) -> dict[int, Account]:
        """Lock, in user id order, the accounts of these users not yet locked by this batch."""
        missing = {u for u in user_ids if u not in self.accounts}
        if missing:
            query = Account.objects.select_for_update().filter(user_id__in=missing).order_by("user_id")
            found = {account.user_id: account for account in query}
            if len(found) < len(missing):  # first trade of a user without an account yet
                Account.objects.bulk_create([Account(user_id=u) for u in missing - found.keys()],
                                            ignore_conflicts=True)
                found = {account.user_id: account for account in query.all()}
            self.accounts.update(found)
        return self.accounts

    def client_order_id_used(self, user_id: int, client_order_id: str) -> bool:
        """A client_order_id is never freed: used by an order of this batch or of any earlier commit."""
        key = (user_id, client_order_id)
        if key in self.used_client_order_ids:
            return True
        if key not in self.known_client_order_ids:
            self.known_client_order_ids[key] = Order.objects.filter(
                user_id=user_id, client_order_id=client_order_id).exists()
        return self.known_client_order_ids[key]

    def prefetch_client_order_ids(self, pairs: Iterable[tuple[int, str]]) -> None:
        """Answer `client_order_id_used` for many orders with one query."""
        pairs = {p for p in pairs if p[1] and p not in self.known_client_order_ids}
        if not pairs:
            return
        users = {u for u, _ in pairs}
        found = set(Order.objects.filter(user_id__in=users, client_order_id__in={c for _, c in pairs})
                    .values_list("user_id", "client_order_id"))
        for pair in pairs:
            self.known_client_order_ids[pair] = pair in found

    # --- staging what a command decided ------------------------------------------------------------
    def stage_orders(self, created: list[Order], changed: list[Order]) -> None:
        self.staged += 1
        for order in created:
            self.orders[str(order.id)] = order
            self.new_orders.add(str(order.id))
            if order.client_order_id:
                self.used_client_order_ids.add((order.user_id, order.client_order_id))
        for order in changed:
            self.orders[str(order.id)] = order
            if order.client_order_id:
                self.used_client_order_ids.add((order.user_id, order.client_order_id))

    def stage_market(self, market: Market) -> None:
        self.markets[market.pk] = market
        self.dirty_markets.add(market.pk)

    def stage_positions(self, positions: Iterable[Position]) -> None:
        for position in positions:
            self.positions[(position.user_id, position.market_id)] = position

    def stage_accounts(self, user_ids: Iterable[int]) -> None:
        self.dirty_accounts.update(user_ids)

    # --- writing -----------------------------------------------------------------------------------
    def write(self) -> None:
        """Persist everything staged since the last write, one statement per table and kind (a small
        batch as one round trip)."""
        writes = Writes()
        new = [self.orders[i] for i in self.new_orders]
        writes.insert(Order, new)
        writes.update(Order, [o for i, o in self.orders.items() if i not in self.new_orders], ORDER_FIELDS)
        writes.insert(Trade, self.trades)
        writes.insert(Fill, self.fills)
        positions = [p for p in self.positions.values() if p.pk is None and (p.position or p.total_traded)]
        writes.insert(Position, positions)
        writes.update(Position, [p for p in self.positions.values() if p.pk is not None], POSITION_FIELDS)
        writes.update(Account, [self.accounts[u] for u in sorted(self.dirty_accounts)], ACCOUNT_FIELDS)
        writes.update(Market, [self.markets[m] for m in sorted(self.dirty_markets)], MARKET_FIELDS)
        writes.insert(Settlement, self.settlements)
        writes.insert(MarketEvent, self.events)
        # The transaction takes its xid before it draws outbox ids (a market or account lock has).
        has_xid = bool(self.markets or self.accounts)
        writes.run(prefix="" if has_xid or not self.events else "SELECT pg_current_xact_id()")
        if self.sessions:
            FixOrderSession.objects.bulk_create(
                list(self.sessions.values()), update_conflicts=True, unique_fields=["order_id"],
                update_fields=["key_id", "target"])
        outbox_written(self.events)
        self._clear()

