"""Kalshi WebSocket message bodies (`msg`) from outbox payloads, in the newest and legacy field sets.

Prices and money come from engine/units: `price_dollars` always has four decimals so clients can key
levels by the string; legacy integer fields (cents, whole contracts) sit beside the `_fp`/`_dollars` ones
while the configured API date has them (exchange/wire_fields).
"""

import uuid

from exchange.engine.units import (
    ONE_DOLLAR,
    count_to_contracts,
    count_to_fp,
    price_to_cents,
    units_to_dollars,
    units_to_dollars6,
)
from exchange.outbox import LifecycleEvent, OrderGroupEvent, UpdateReason
from exchange.wire_fields import user_uuid, ws_body
from exchange.wire_time import ms_rfc3339

# Kalshi's `lastUpdateReason` for each of ours; None where Kalshi leaves the field out.
UPDATE_REASONS: dict[UpdateReason, str | None] = {
    UpdateReason.PLACED: None, UpdateReason.FILL: "Trade", UpdateReason.AMEND: "Amend",
    UpdateReason.DECREASE: "Decrease", UpdateReason.USER_CANCEL: None, UpdateReason.IOC_REMAINDER: None,
    UpdateReason.SELF_TRADE: "SelfTradeCancel", UpdateReason.EXPIRED: "ExpiryCancel",
    UpdateReason.MARKET_HALTED: "HaltCancel", UpdateReason.TRADING_PAUSED: "HaltCancel",
    UpdateReason.MARKET_CLOSED: "CloseCancel", UpdateReason.SETTLED: "CloseCancel", UpdateReason.ORDER_GROUP: None,
}


def market_uuid(ticker: str) -> str:
    """A stable UUID per market (Kalshi's `market_id`); the model keys markets by ticker."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kalshi-sim/market/{ticker}"))


def book_level(book_side: str, yes_price: int, use_yes_price: bool) -> tuple[str, int]:
    """(Kalshi side, price) of a book level: bids are YES bids; asks are NO bids at 1 - yes price."""
    if book_side == "bid":
        return "yes", yes_price
    return "no", yes_price if use_yes_price else ONE_DOLLAR - yes_price


def orderbook_snapshot(ticker: str, levels: dict[tuple[str, int], int], use_yes_price: bool) -> dict:
    """`levels` maps (book_side, yes_price) -> resting count."""
    sides: dict[str, list[tuple[int, int]]] = {"yes": [], "no": []}
    for (book_side, yes_price), count in levels.items():
        if count:
            side, price = book_level(book_side, yes_price, use_yes_price)
            sides[side].append((price, count))
    msg = {"market_ticker": ticker, "market_id": market_uuid(ticker)}
    for side in ("yes", "no"):
        rows = sorted(sides[side])
        msg[side] = [[price_to_cents(p), count_to_contracts(c)] for p, c in rows]
        msg[f"{side}_dollars"] = [[units_to_dollars(p), count_to_contracts(c)] for p, c in rows]
        msg[f"{side}_dollars_fp"] = [[units_to_dollars(p), count_to_fp(c)] for p, c in rows]
    return ws_body("orderbook_snapshot", msg)


def orderbook_delta(ticker: str, book_side: str, yes_price: int, delta: int, ts_ms: int, use_yes_price: bool,
                    actor: dict | None = None) -> dict:
    """A level change; `actor` (the subscriber's own order that caused it) adds its client_order_id and
    subaccount, as Kalshi tags a user's own deltas and nobody else's."""
    side, price = book_level(book_side, yes_price, use_yes_price)
    msg = {
        "market_ticker": ticker, "market_id": market_uuid(ticker), "price": price_to_cents(price),
        "price_dollars": units_to_dollars(price), "delta": count_to_contracts(delta), "delta_fp": count_to_fp(delta),
        "side": side, "ts": ms_rfc3339(ts_ms), "ts_ms": ts_ms,
    }
    if actor is not None:
        if actor["client_order_id"]:
            msg["client_order_id"] = actor["client_order_id"]
        msg["subaccount"] = actor["subaccount"]
    return ws_body("orderbook_delta", msg)


def ticker(p: dict, last_trade_count: int) -> dict:
    """`p` is the ticker payload; an empty ask side shows as $1, an empty bid side as $0."""
    yes_ask = p["yes_ask"] or ONE_DOLLAR
    ts_ms = p["ts_ms"]
    return ws_body("ticker", {
        "market_ticker": p["ticker"], "market_id": market_uuid(p["ticker"]),
        "price": price_to_cents(p["last_price"]), "yes_bid": price_to_cents(p["yes_bid"]),
        "yes_ask": price_to_cents(yes_ask), "price_dollars": units_to_dollars(p["last_price"]),
        "yes_bid_dollars": units_to_dollars(p["yes_bid"]), "yes_ask_dollars": units_to_dollars(yes_ask),
        "volume": count_to_contracts(p["volume"]), "volume_fp": count_to_fp(p["volume"]),
        "open_interest": count_to_contracts(p["open_interest"]), "open_interest_fp": count_to_fp(p["open_interest"]),
        # Each contract pays $1, so whole contracts are the whole-dollar notionals.
        "dollar_volume": count_to_contracts(p["volume"]),
        "dollar_open_interest": count_to_contracts(p["open_interest"]),
        "yes_bid_size_fp": count_to_fp(p["yes_bid_size"]), "yes_ask_size_fp": count_to_fp(p["yes_ask_size"]),
        "last_trade_size_fp": count_to_fp(last_trade_count),
        "ts": ts_ms // 1000, "ts_ms": ts_ms, "time": ms_rfc3339(ts_ms),
    })


def trade(p: dict) -> dict:
    outcome = "yes" if p["taker_book_side"] == "bid" else "no"
    no_price = ONE_DOLLAR - p["price"]
    return ws_body("trade", {
        "trade_id": p["trade_id"], "market_ticker": p["ticker"],
        "yes_price": price_to_cents(p["price"]), "yes_price_dollars": units_to_dollars(p["price"]),
        "no_price": price_to_cents(no_price), "no_price_dollars": units_to_dollars(no_price),
        "count": count_to_contracts(p["count"]), "count_fp": count_to_fp(p["count"]),
        "taker_side": outcome, "taker_outcome_side": outcome, "taker_book_side": p["taker_book_side"],
        "is_block_trade": False, "ts": p["ts_ms"] // 1000, "ts_ms": p["ts_ms"],
    })


def fill(p: dict) -> dict:
    outcome = "yes" if p["book_side"] == "bid" else "no"
    msg = {
        "trade_id": p["trade_id"], "order_id": p["order_id"], "market_ticker": p["ticker"], "exchange_index": 0,
        "is_taker": p["is_taker"], "side": p["side"], "action": p["action"],
        "yes_price": price_to_cents(p["price"]), "yes_price_dollars": units_to_dollars(p["price"]),
        "count": count_to_contracts(p["count"]), "count_fp": count_to_fp(p["count"]),
        "fee_cost": units_to_dollars6(p["fee"]),
        "post_position": count_to_contracts(p["post_position"]), "post_position_fp": count_to_fp(p["post_position"]),
        "purchased_side": outcome, "outcome_side": outcome, "book_side": p["book_side"],
        "ts": p["ts_ms"] // 1000, "ts_ms": p["ts_ms"],
    }
    if p.get("client_order_id"):
        msg["client_order_id"] = p["client_order_id"]
    return ws_body("fill", msg)


def market_position(p: dict) -> dict:
    msg = {"user_id": user_uuid(p["user_id"]), "market_ticker": p["ticker"],
           "position": count_to_contracts(p["position"]), "position_fp": count_to_fp(p["position"]),
           "volume": count_to_contracts(p["volume"]), "volume_fp": count_to_fp(p["volume"])}
    for ours, theirs in (("cost", "position_cost"), ("realized_pnl", "realized_pnl"), ("fees_paid", "fees_paid"),
                         ("fees_paid", "position_fee_cost")):
        msg[theirs] = p[ours]
        msg[f"{theirs}_dollars"] = units_to_dollars(p[ours])
    return ws_body("market_position", msg)


def user_order(p: dict) -> dict:
    outcome = "yes" if p["book_side"] == "bid" else "no"
    msg = {
        "order_id": p["order_id"], "user_id": user_uuid(p["user_id"]), "ticker": p["ticker"], "exchange_index": 0,
        "status": p["status"], "side": p["side"], "is_yes": p["side"] == "yes", "action": p["action"],
        "outcome_side": outcome, "book_side": p["book_side"],
        "yes_price": price_to_cents(p["price"]), "yes_price_dollars": units_to_dollars(p["price"]),
        "client_order_id": p["client_order_id"] or "",
        "self_trade_prevention_type": p["self_trade_prevention_type"] or "taker_at_cross",
        "created_time": ms_rfc3339(p["created_ts_ms"]), "created_ts_ms": p["created_ts_ms"],
        "last_update_time": ms_rfc3339(p["ts_ms"]), "last_updated_ts_ms": p["ts_ms"], "subaccount_number": 0,
    }
    for name in ("fill_count", "remaining_count", "initial_count"):
        msg[name] = count_to_contracts(p[name])
        msg[f"{name}_fp"] = count_to_fp(p[name])
    for name in ("taker_fill_cost", "maker_fill_cost", "taker_fees", "maker_fees"):
        msg[f"{name}_dollars"] = units_to_dollars6(p[name])
    if p.get("order_group_id"):
        msg["order_group_id"] = p["order_group_id"]
    if p.get("expiration_ts_ms"):
        msg["expiration_ts_ms"] = p["expiration_ts_ms"]
        msg["expiration_time"] = ms_rfc3339(p["expiration_ts_ms"])
    reason = UPDATE_REASONS.get(p.get("reason") or "")  # StrEnum keys match their stored strings
    if reason:
        msg["last_update_reason"] = reason
    return ws_body("user_order", msg)


def order_group_update(p: dict, ts_ms: int) -> dict:
    msg = {"event_type": p["event_type"], "order_group_id": p["order_group_id"], "ts_ms": ts_ms}
    with_limit = p["event_type"] in (OrderGroupEvent.CREATED, OrderGroupEvent.LIMIT_UPDATED)
    if with_limit and p.get("contracts_limit") is not None:
        msg["contracts_limit_fp"] = count_to_fp(p["contracts_limit"])
        msg["contracts_limit"] = count_to_contracts(p["contracts_limit"])
    return ws_body("order_group_updates", msg)


def market_lifecycle(p: dict) -> dict:
    event_type = p["event_type"]
    msg = {"market_ticker": p["ticker"], "event_type": event_type}
    if event_type in (LifecycleEvent.CREATED, LifecycleEvent.ACTIVATED):
        msg["open_ts"] = p["open_ts"]
    if event_type in (LifecycleEvent.CREATED, LifecycleEvent.ACTIVATED, LifecycleEvent.CLOSE_DATE_UPDATED):
        msg["close_ts"] = p["close_ts"]
    if event_type in (LifecycleEvent.ACTIVATED, LifecycleEvent.DEACTIVATED):
        msg["is_deactivated"] = event_type == LifecycleEvent.DEACTIVATED
    if event_type == LifecycleEvent.DETERMINED:
        msg["result"] = p["result"]
        msg["determination_ts"] = p["determination_ts"]
        msg["settlement_value"] = units_to_dollars(ONE_DOLLAR if p["result"] == "yes" else 0)
    if event_type == LifecycleEvent.SETTLED:
        msg["settled_ts"] = p["settled_ts"]
        msg["result"] = p["result"]
    return msg
