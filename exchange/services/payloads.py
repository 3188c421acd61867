"""Canonical outbox payloads, in the exchange's own units (ints) and words.

Adapters (WebSocket, FIX, Kafka) render these into their wire forms; nothing else builds event
payloads, so every stream describes a change identically.
"""

from datetime import datetime

from exchange.models import Fill, Market, Order, OrderGroup, Position, Settlement, Trade
from exchange.outbox import ExecType, LifecycleEvent, OrderGroupEvent, UpdateReason
from exchange.wire_time import ts_ms


def order_payload(order: Order, ticker: str) -> dict:
    return {
        "order_id": str(order.id),
        "user_id": order.user_id,
        "client_order_id": order.client_order_id,
        "ticker": ticker,
        "status": order.status,
        "book_side": order.book_side,
        "side": order.side,
        "action": order.action,
        "price": order.price,
        "initial_count": order.initial_count,
        "remaining_count": order.remaining_count,
        "fill_count": order.fill_count,
        "taker_fill_cost": order.taker_fill_cost,
        "maker_fill_cost": order.maker_fill_cost,
        "taker_fees": order.taker_fees,
        "maker_fees": order.maker_fees,
        "time_in_force": order.time_in_force,
        "expiration_ts_ms": ts_ms(order.expiration_time) if order.expiration_time else None,
        "order_group_id": str(order.order_group_id) if order.order_group_id else None,
        "self_trade_prevention_type": order.self_trade_prevention_type,
        "post_only": order.post_only,
        "source": order.source,
        "reason": order.last_update_reason,
        "created_ts_ms": ts_ms(order.created_at),
        "ts_ms": ts_ms(order.updated_at),
    }


def execution_payload(order: Order, ticker: str, exec_type: ExecType, reason: UpdateReason, *, cum: int,
                      leaves: int, when: datetime, fill: Fill | None = None,
                      orig_client_order_id: str | None = None) -> dict:
    """One execution fact of `order`, as the engine decided it: `cum` filled and `leaves` still open
    after it; trades carry the fill (price, size, fee, the owner's position after it), and replaces
    the client_order_id the order had before them (a replace may give it a new one)."""
    payload = {
        "order_id": str(order.id),
        "user_id": order.user_id,
        "client_order_id": order.client_order_id,
        "ticker": ticker,
        "source": order.source,
        "exec_type": exec_type.value,
        "reason": reason.value,
        "book_side": order.book_side,
        "side": order.side,
        "action": order.action,
        "price": order.price,
        "order_count": order.initial_count,
        "cum": cum,
        "leaves": leaves,
        "fill_cost": order.taker_fill_cost + order.maker_fill_cost,
        "self_trade_prevention_type": order.self_trade_prevention_type,
        "expiration_ts_ms": ts_ms(order.expiration_time) if order.expiration_time else None,
        "ts_ms": ts_ms(when),
    }
    if orig_client_order_id is not None:
        payload["orig_client_order_id"] = orig_client_order_id
    if fill is not None:
        payload.update({
            "fill_id": str(fill.id), "trade_id": str(fill.trade_id), "last_price": fill.price,
            "last_count": fill.count, "fee": fill.fee, "is_taker": fill.is_taker,
            "post_position": fill.post_position,
        })
    return payload


def fill_payload(fill: Fill, ticker: str, client_order_id: str) -> dict:
    return {
        "fill_id": str(fill.id),
        "trade_id": str(fill.trade_id),
        "order_id": str(fill.order_id),
        "user_id": fill.user_id,
        "client_order_id": client_order_id,
        "ticker": ticker,
        "is_taker": fill.is_taker,
        "book_side": fill.book_side,
        "side": fill.side,
        "action": fill.action,
        "price": fill.price,
        "count": fill.count,
        "fee": fill.fee,
        "post_position": fill.post_position,
        "ts_ms": ts_ms(fill.created_at),
    }


def trade_payload(trade: Trade, ticker: str) -> dict:
    return {
        "trade_id": str(trade.id),
        "ticker": ticker,
        "price": trade.price,
        "count": trade.count,
        "taker_book_side": trade.taker_book_side,
        "ts_ms": ts_ms(trade.created_at),
    }


def position_payload(position: Position, ticker: str) -> dict:
    return {
        "user_id": position.user_id,
        "ticker": ticker,
        "position": position.position,
        "cost": position.cost,
        "realized_pnl": position.realized_pnl,
        "fees_paid": position.fees_paid,
        "total_traded": position.total_traded,
        "volume": position.volume,
    }


def ticker_payload(market: Market, when: datetime) -> dict:
    return {
        "ticker": market.ticker,
        "last_price": market.last_price,
        "yes_bid": market.yes_bid,
        "yes_bid_size": market.yes_bid_size,
        "yes_ask": market.yes_ask,
        "yes_ask_size": market.yes_ask_size,
        "volume": market.volume,
        "open_interest": market.open_interest,
        "ts_ms": ts_ms(when),
    }


def lifecycle_payload(market: Market, event_type: LifecycleEvent) -> dict:
    return {
        "ticker": market.ticker,
        "event_type": event_type,
        "status": market.status,
        "open_ts": int(market.open_time.timestamp()),
        "close_ts": int(market.close_time.timestamp()),
        "result": market.result,
        "determination_ts": int(market.determined_at.timestamp()) if market.determined_at else None,
        "settled_ts": int(market.settled_at.timestamp()) if market.settled_at else None,
    }


def settlement_payload(settlement: Settlement, ticker: str, when: datetime) -> dict:
    return {
        "ticker": ticker,
        "result": settlement.result,
        "yes_count": settlement.yes_count,
        "no_count": settlement.no_count,
        "revenue": settlement.revenue,
        "yes_total_cost": settlement.yes_total_cost,
        "no_total_cost": settlement.no_total_cost,
        "fees_paid": settlement.fees_paid,
        "ts_ms": ts_ms(when),
    }


def order_group_payload(group: OrderGroup, event_type: OrderGroupEvent) -> dict:
    return {
        "order_group_id": str(group.pk),
        "event_type": event_type,
        "contracts_limit": group.contracts_limit,
        "is_triggered": group.is_triggered,
    }


def actor_payload(order: Order) -> dict:
    """Whose order changed the book: their own deltas carry its client_order_id and subaccount."""
    return {"user_id": order.user_id, "client_order_id": order.client_order_id, "subaccount": order.subaccount}
