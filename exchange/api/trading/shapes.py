"""Kalshi wire shapes for orders, fills, positions, settlements and balances.

Each shape has the `_dollars` / `_fp` fields, plus the legacy integer fields (cents, whole contracts)
while the configured API date has them (exchange/wire_fields), so kalshi-python-sync 3.2 validates them
under an older date and 3.34 under any.
"""


from exchange.api.errors import exchange_error_body
from exchange.api_changes import Change, in_force
from exchange.engine.units import ONE_DOLLAR, count_to_contracts, price_to_cents, units_to_dollars, units_to_dollars6
from exchange.models import Fill, Order, Position, Settlement
from exchange.services.errors import ExchangeError
from exchange.wire_fields import count_fields, legacy_integers, price_fields, user_uuid
from exchange.wire_time import rfc3339

EXCHANGE_INDEX = 0


def outcome_side(book_side: str) -> str:
    """A bid is exposure to YES, an ask to NO."""
    return "yes" if book_side == "bid" else "no"



def order_shape(order: Order, ticker: str | None = None) -> dict:
    ticker = ticker or order.market.ticker
    return {
        "order_id": str(order.id),
        "user_id": user_uuid(order.user_id),
        "client_order_id": order.client_order_id,
        "ticker": ticker,
        "side": order.side,
        "action": order.action,
        "outcome_side": outcome_side(order.book_side),
        "book_side": order.book_side,
        "type": "limit",
        "status": order.status,
        **price_fields("yes_price", order.price),
        **price_fields("no_price", ONE_DOLLAR - order.price),
        **count_fields("fill_count", order.fill_count),
        **count_fields("remaining_count", order.remaining_count),
        **count_fields("initial_count", order.initial_count),
        **price_fields("taker_fees", order.taker_fees),
        **price_fields("maker_fees", order.maker_fees),
        **price_fields("taker_fill_cost", order.taker_fill_cost),
        **price_fields("maker_fill_cost", order.maker_fill_cost),
        "queue_position": 0,
        "expiration_time": rfc3339(order.expiration_time),
        "created_time": rfc3339(order.created_at),
        "last_update_time": rfc3339(order.updated_at),
        "self_trade_prevention_type": order.self_trade_prevention_type,
        "order_group_id": str(order.order_group_id) if order.order_group_id else None,
        "cancel_order_on_pause": order.cancel_order_on_pause,
        "subaccount_number": order.subaccount,
        "exchange_index": EXCHANGE_INDEX,
    }


def fill_shape(fill: Fill, ticker: str, client_order_id: str = "") -> dict:
    yes_price, no_price = fill.price, ONE_DOLLAR - fill.price
    shape = {
        "fill_id": str(fill.id),
        "trade_id": str(fill.trade_id),
        "order_id": str(fill.order_id),
        "exchange_index": EXCHANGE_INDEX,
        "ticker": ticker,
        "market_ticker": ticker,
        "side": fill.side,
        "action": fill.action,
        "outcome_side": outcome_side(fill.book_side),
        "book_side": fill.book_side,
        **count_fields("count", fill.count),
        **price_fields("yes_price", yes_price),
        **price_fields("no_price", no_price),
        "yes_price_fixed": units_to_dollars(yes_price),
        "no_price_fixed": units_to_dollars(no_price),
        "is_taker": fill.is_taker,
        "fee_cost": units_to_dollars6(fill.fee),
        "created_time": rfc3339(fill.created_at),
        "ts": int(fill.created_at.timestamp()),
        "subaccount_number": 0,
    }
    if legacy_integers():
        shape["price"] = price_to_cents(yes_price if fill.side == "yes" else no_price)
    if not in_force(Change.FILL_CLIENT_ORDER_ID_REMOVED):
        shape["client_order_id"] = client_order_id
    return shape


def market_position_shape(position: Position, ticker: str, resting_count: int) -> dict:
    shape = {
        "ticker": ticker,
        "exchange_index": EXCHANGE_INDEX,
        **price_fields("total_traded", position.total_traded),
        **count_fields("position", position.position),
        **price_fields("market_exposure", position.cost),
        **price_fields("realized_pnl", position.realized_pnl),
        **price_fields("fees_paid", position.fees_paid),
        "last_updated_ts": rfc3339(position.updated_at),
    }
    if not in_force(Change.MARKET_DEPRECATED_FIELDS_REMOVED):
        shape["resting_orders_count"] = count_to_contracts(resting_count)
    return shape


def event_position_shape(event_ticker: str, positions: list[Position]) -> dict:
    cost = sum(p.cost for p in positions)
    return {
        "event_ticker": event_ticker,
        **price_fields("total_cost", sum(p.total_traded for p in positions)),
        **count_fields("total_cost_shares", sum(abs(p.position) for p in positions)),
        **price_fields("event_exposure", cost),
        **price_fields("realized_pnl", sum(p.realized_pnl for p in positions)),
        **price_fields("fees_paid", sum(p.fees_paid for p in positions)),
    }


def settlement_shape(settlement: Settlement, ticker: str, event_ticker: str) -> dict:
    return {
        "ticker": ticker,
        "exchange_index": EXCHANGE_INDEX,
        "event_ticker": event_ticker,
        "market_result": settlement.result,
        **count_fields("yes_count", settlement.yes_count),
        **price_fields("yes_total_cost", settlement.yes_total_cost),
        **count_fields("no_count", settlement.no_count),
        **price_fields("no_total_cost", settlement.no_total_cost),
        "revenue": price_to_cents(settlement.revenue),
        "revenue_dollars": units_to_dollars(settlement.revenue),
        "settled_time": rfc3339(settlement.settled_at),
        "fee_cost": units_to_dollars(settlement.fees_paid),
        "value": price_to_cents(ONE_DOLLAR) if settlement.result == "yes" else 0,
    }


def item_error_shape(error: ExchangeError) -> dict:
    """The error of one item of a batch."""
    return exchange_error_body(error)
