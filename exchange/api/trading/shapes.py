"""Kalshi wire shapes for orders, fills, positions, settlements and balances.

Each shape is the union of the legacy integer fields (cents, whole contracts) and the `_dollars` /
`_fp` fields, so both SDK generations (3.2 and 3.34) validate every response strictly.
"""


from exchange.engine.units import (
    ONE_DOLLAR,
    count_to_contracts,
    count_to_fp,
    price_to_cents,
    units_to_dollars,
)
from exchange.models import Fill, Order, Position, Settlement
from exchange.services.errors import ExchangeError
from exchange.wire_time import rfc3339

EXCHANGE_INDEX = 0


def outcome_side(book_side: str) -> str:
    """A bid is exposure to YES, an ask to NO."""
    return "yes" if book_side == "bid" else "no"


def money(prefix: str, units: int) -> dict:
    """`prefix` in cents and `prefix_dollars`."""
    return {prefix: price_to_cents(units), f"{prefix}_dollars": units_to_dollars(units)}


def count(prefix: str, hundredths: int) -> dict:
    """`prefix` in whole contracts and `prefix_fp`."""
    return {prefix: count_to_contracts(hundredths), f"{prefix}_fp": count_to_fp(hundredths)}


def order_shape(order: Order, ticker: str | None = None) -> dict:
    ticker = ticker or order.market.ticker
    return {
        "order_id": str(order.id),
        "user_id": str(order.user_id),
        "client_order_id": order.client_order_id,
        "ticker": ticker,
        "side": order.side,
        "action": order.action,
        "outcome_side": outcome_side(order.book_side),
        "book_side": order.book_side,
        "type": "limit",
        "status": order.status,
        **money("yes_price", order.price),
        **money("no_price", ONE_DOLLAR - order.price),
        **count("fill_count", order.fill_count),
        **count("remaining_count", order.remaining_count),
        **count("initial_count", order.initial_count),
        **money("taker_fees", order.taker_fees),
        **money("maker_fees", order.maker_fees),
        **money("taker_fill_cost", order.taker_fill_cost),
        **money("maker_fill_cost", order.maker_fill_cost),
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
    return {
        "fill_id": str(fill.id),
        "trade_id": str(fill.trade_id),
        "order_id": str(fill.order_id),
        "client_order_id": client_order_id,
        "exchange_index": EXCHANGE_INDEX,
        "ticker": ticker,
        "market_ticker": ticker,
        "side": fill.side,
        "action": fill.action,
        "outcome_side": outcome_side(fill.book_side),
        "book_side": fill.book_side,
        **count("count", fill.count),
        "price": price_to_cents(yes_price if fill.side == "yes" else no_price),
        **money("yes_price", yes_price),
        **money("no_price", no_price),
        "yes_price_fixed": units_to_dollars(yes_price),
        "no_price_fixed": units_to_dollars(no_price),
        "is_taker": fill.is_taker,
        "fee_cost": units_to_dollars(fill.fee),
        "created_time": rfc3339(fill.created_at),
        "ts": int(fill.created_at.timestamp()),
        "subaccount_number": 0,
    }


def market_position_shape(position: Position, ticker: str, resting_count: int = 0) -> dict:
    return {
        "ticker": ticker,
        "exchange_index": EXCHANGE_INDEX,
        **money("total_traded", position.total_traded),
        **count("position", position.position),
        **money("market_exposure", position.cost),
        **money("realized_pnl", position.realized_pnl),
        **money("fees_paid", position.fees_paid),
        "resting_orders_count": count_to_contracts(resting_count),
        "last_updated_ts": rfc3339(position.updated_at),
    }


def event_position_shape(event_ticker: str, positions: list[Position]) -> dict:
    cost = sum(p.cost for p in positions)
    return {
        "event_ticker": event_ticker,
        **money("total_cost", sum(p.total_traded for p in positions)),
        **count("total_cost_shares", sum(abs(p.position) for p in positions)),
        **money("event_exposure", cost),
        **money("realized_pnl", sum(p.realized_pnl for p in positions)),
        **money("fees_paid", sum(p.fees_paid for p in positions)),
    }


def settlement_shape(settlement: Settlement, ticker: str, event_ticker: str) -> dict:
    return {
        "ticker": ticker,
        "exchange_index": EXCHANGE_INDEX,
        "event_ticker": event_ticker,
        "market_result": settlement.result,
        **count("yes_count", settlement.yes_count),
        **money("yes_total_cost", settlement.yes_total_cost),
        **count("no_count", settlement.no_count),
        **money("no_total_cost", settlement.no_total_cost),
        "revenue": price_to_cents(settlement.revenue),
        "revenue_dollars": units_to_dollars(settlement.revenue),
        "settled_time": rfc3339(settlement.settled_at),
        "fee_cost": units_to_dollars(settlement.fees_paid),
        "value": price_to_cents(ONE_DOLLAR) if settlement.result == "yes" else 0,
    }


def error_shape(code: str, message: str, details: str = "") -> dict:
    return {"code": code, "message": message, "details": details, "service": "exchange"}


def item_error_shape(error: ExchangeError) -> dict:
    """The error of one item of a batch."""
    return error_shape(error.code.value, error.message, error.details)
