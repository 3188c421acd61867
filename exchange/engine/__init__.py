"""The matching engine: pure Python, standard library only.

A command goes in (submit, cancel, decrease, amend); a `Result` with fills and events comes out.
The `ledger` decides what those fills, orders and settlements do to money. Prices are integers in
$0.0001, counts in hundredths of a contract (see `units`).
"""

from exchange.engine.book import Book, RestingOrder
from exchange.engine.events import (
    Fill,
    LevelChanged,
    OrderCanceled,
    OrderRested,
    Result,
)
from exchange.engine.matching import amend, cancel, decrease, submit, validate
from exchange.engine.orders import CancelReason, NewOrder, OrderStatus, SelfTradePrevention, Side, TimeInForce
from exchange.engine.rejects import RejectCode

__all__ = [
    "Book",
    "CancelReason",
    "Fill",
    "LevelChanged",
    "NewOrder",
    "OrderCanceled",
    "OrderRested",
    "OrderStatus",
    "RejectCode",
    "RestingOrder",
    "Result",
    "SelfTradePrevention",
    "Side",
    "TimeInForce",
    "amend",
    "cancel",
    "decrease",
    "submit",
    "validate",
]
