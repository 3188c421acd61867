"""The outbox's vocabulary: event kinds, order update reasons, cancel reasons and execution types.

Every writer (the services) and every reader (WebSocket, FIX, the Kafka relay, the book rebuilder)
spells these through the enums here, never as free strings. Pure: no Django imports.
"""

from enum import StrEnum

from exchange.engine.orders import CancelReason


class EventKind(StrEnum):
    BOOK = "book"                # level changes of one market; exactly one per book_seq
    TRADE = "trade"
    TICKER = "ticker"
    LIFECYCLE = "lifecycle"
    ORDER = "order"              # an order's state after the command
    FILL = "fill"                # one user's side of a trade
    POSITION = "position"
    EXECUTION = "execution"      # one execution fact of one order (see ExecType)
    ORDER_GROUP = "order_group"
    SETTLEMENT = "settlement"


PUBLIC_KINDS = frozenset({EventKind.BOOK, EventKind.TRADE, EventKind.TICKER, EventKind.LIFECYCLE})
# Private events carry the user they belong to and reach only that user's streams.
PRIVATE_KINDS = frozenset(set(EventKind) - PUBLIC_KINDS)


class LifecycleEvent(StrEnum):
    """`event_type` of LIFECYCLE events (Kalshi's market_lifecycle_v2 words)."""

    CREATED = "created"
    ACTIVATED = "activated"
    DEACTIVATED = "deactivated"
    CLOSE_DATE_UPDATED = "close_date_updated"
    DETERMINED = "determined"
    SETTLED = "settled"


class OrderGroupEvent(StrEnum):
    """`event_type` of ORDER_GROUP events (Kalshi's order_group_updates words)."""

    CREATED = "created"
    LIMIT_UPDATED = "limit_updated"
    TRIGGERED = "triggered"
    RESET = "reset"
    DELETED = "deleted"


class UpdateReason(StrEnum):
    """Why an order changed, as stored in `Order.last_update_reason` and order payloads."""

    PLACED = "placed"
    FILL = "fill"
    AMEND = "amend"
    DECREASE = "decrease"
    # Cancellations carry their CancelReason's value.
    USER_CANCEL = CancelReason.USER.value
    IOC_REMAINDER = CancelReason.IOC_REMAINDER.value
    SELF_TRADE = CancelReason.SELF_TRADE.value
    EXPIRED = CancelReason.EXPIRED.value
    MARKET_HALTED = CancelReason.MARKET_HALTED.value
    TRADING_PAUSED = CancelReason.TRADING_PAUSED.value
    MARKET_CLOSED = CancelReason.MARKET_CLOSED.value
    SETTLED = CancelReason.SETTLED.value
    ORDER_GROUP = CancelReason.ORDER_GROUP.value

    @classmethod
    def of_cancel(cls, reason: CancelReason) -> "UpdateReason":
        return cls(reason.value)


class ExecType(StrEnum):
    """What happened to an order in one execution fact (FIX ExecType in the exchange's words)."""

    NEW = "new"
    TRADE = "trade"
    CANCELED = "canceled"
    REPLACED = "replaced"
    EXPIRED = "expired"
    REJECTED = "rejected"  # refused commands write nothing; adapters answer them directly


def exec_type_of(reason: UpdateReason) -> ExecType:
    """The execution type a change for `reason` reports as."""
    return _EXEC_TYPE_OF.get(reason, ExecType.CANCELED)


_EXEC_TYPE_OF = {
    UpdateReason.PLACED: ExecType.NEW,
    UpdateReason.FILL: ExecType.TRADE,
    UpdateReason.AMEND: ExecType.REPLACED,
    UpdateReason.DECREASE: ExecType.REPLACED,
    UpdateReason.EXPIRED: ExecType.EXPIRED,
}

__all__ = ["PRIVATE_KINDS", "PUBLIC_KINDS", "CancelReason", "EventKind", "ExecType", "LifecycleEvent",
           "OrderGroupEvent", "UpdateReason", "exec_type_of"]
