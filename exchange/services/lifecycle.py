"""Market lifecycle commands: initialized -> active <-> inactive -> closed -> determined -> finalized."""

from datetime import datetime

from exchange.engine import CancelReason
from exchange.engine.rejects import RejectCode
from exchange.models import ExchangeState, Market, Order, Settlement
from exchange.outbox import EventKind, LifecycleEvent
from exchange.services import payloads
from exchange.services.errors import ExchangeError
from exchange.services.market_txn import MarketTxn, cancel_across_markets

S = Market.Status


def _transition(ticker: str, allowed: set[str], to: str, event_type: LifecycleEvent, cancel: CancelReason | None = None,
                ) -> MarketTxn:
    txn = MarketTxn.lock(ticker=ticker)
    if txn.market.status not in allowed:
        raise ExchangeError(RejectCode.INVALID_PARAMETER,
                            f"market {ticker} is {txn.market.status}; cannot move it to {to}")
    if cancel is not None:
        txn.cancel_orders(txn.resting_ids(), cancel)
    txn.market.status = to
    txn.lifecycle(event_type)
    return txn


def market_open(*, ticker: str) -> Market:
    return _move(ticker, {S.INITIALIZED}, S.ACTIVE, LifecycleEvent.ACTIVATED)


def market_pause(*, ticker: str) -> Market:
    """Pause trading; resting orders are canceled, as Kalshi does when it deactivates a market."""
    return _move(ticker, {S.ACTIVE}, S.INACTIVE, LifecycleEvent.DEACTIVATED, CancelReason.MARKET_HALTED)


def market_resume(*, ticker: str) -> Market:
    return _move(ticker, {S.INACTIVE}, S.ACTIVE, LifecycleEvent.ACTIVATED)


def _move(ticker: str, allowed: set[str], to: str, event_type: LifecycleEvent,
          cancel: CancelReason | None = None) -> Market:
    """A transition with nothing else to record."""
    txn = _transition(ticker, allowed, to, event_type, cancel)
    txn.flush()
    return txn.market


def market_close(*, ticker: str) -> Market:
    txn = _transition(ticker, {S.INITIALIZED, S.ACTIVE, S.INACTIVE}, S.CLOSED, LifecycleEvent.CLOSE_DATE_UPDATED,
                      CancelReason.MARKET_CLOSED)
    if txn.market.close_time > txn.now:
        txn.market.close_time = txn.now
    txn.flush()
    return txn.market


def market_update_close_time(*, ticker: str, close_time: datetime) -> Market:
    txn = MarketTxn.lock(ticker=ticker)
    if txn.market.status in (S.CLOSED, S.DETERMINED, S.FINALIZED):
        raise ExchangeError(RejectCode.INVALID_PARAMETER, f"market {ticker} is already {txn.market.status}")
    txn.market.close_time = close_time
    txn.lifecycle(LifecycleEvent.CLOSE_DATE_UPDATED)
    txn.flush()
    return txn.market


def market_determine(*, ticker: str, result: str) -> Market:
    """Record the outcome; an open market is closed first."""
    if result not in (Market.Result.YES, Market.Result.NO):
        raise ExchangeError(RejectCode.INVALID_PARAMETER, "result must be yes or no")
    txn = _transition(ticker, {S.INITIALIZED, S.ACTIVE, S.INACTIVE, S.CLOSED}, S.DETERMINED, LifecycleEvent.DETERMINED,
                      CancelReason.MARKET_CLOSED)
    txn.market.result = result
    txn.market.determined_at = txn.now
    if txn.market.close_time > txn.now:
        txn.market.close_time = txn.now
    txn.flush()
    return txn.market


def market_settle(*, ticker: str) -> Market:
    """Pay $1 per winning contract, record each holder's settlement, and finalize the market."""
    txn = _transition(ticker, {S.DETERMINED}, S.FINALIZED, LifecycleEvent.SETTLED, CancelReason.SETTLED)
    market = txn.market
    market.settled_at = txn.now
    positions = [p for p in txn.all_positions() if p.position or p.cost]
    settlements = []
    for position in positions:
        yes, no = max(position.position, 0), max(-position.position, 0)
        cost = position.cost
        payout = txn.ledger.settle(position.user_id, position, market.result)
        settlements.append(Settlement(
            user_id=position.user_id, market=market, result=market.result, yes_count=yes, no_count=no,
            yes_total_cost=cost if yes else 0, no_total_cost=cost if no else 0,
            revenue=payout, fees_paid=position.fees_paid, settled_at=txn.now,
        ))
        position.updated_at = txn.now
    txn.batch.settlements += settlements
    for settlement in settlements:
        payload = payloads.settlement_payload(settlement, market.ticker, txn.now)
        txn.private_event(EventKind.SETTLEMENT, settlement.user_id, payload)
    txn.flush()
    return market


def market_fast_forward(*, ticker: str, result: str) -> Market:
    """Fast clock for testing bots: close (if open), determine `result` and settle now, in one step."""
    if Market.objects.filter(ticker=ticker, status__in=[S.INITIALIZED, S.ACTIVE, S.INACTIVE]).exists():
        market_close(ticker=ticker)
    market_determine(ticker=ticker, result=result)
    return market_settle(ticker=ticker)


def orders_expire(*, now: datetime) -> int:
    """Cancel resting orders whose expiration time has passed."""
    expired: dict[int, list[str]] = {}
    for order_id, market_id in (Order.objects.filter(status=Order.Status.RESTING, expiration_time__lte=now)
                                .values_list("id", "market_id")):
        expired.setdefault(market_id, []).append(str(order_id))
    count = 0
    for market_id in sorted(expired):
        txn = MarketTxn.lock(market_id=market_id)
        count += len(txn.cancel_orders(expired[market_id], CancelReason.EXPIRED))
        txn.flush()
    return count


def exchange_trading_set(*, active: bool) -> ExchangeState:
    """Pause or resume trading exchange-wide. Pausing cancels the resting orders placed with
    `cancel_order_on_pause`, as Kalshi does; the others wait for trading to resume."""
    state, _ = ExchangeState.objects.select_for_update().get_or_create(pk=1)
    state.trading_active = active
    state.save(update_fields=["trading_active", "updated_at"])
    if not active:
        cancel_across_markets(Order.objects.filter(cancel_order_on_pause=True), CancelReason.TRADING_PAUSED)
    return state
