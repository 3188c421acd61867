"""The only code that writes exchange state. Every entry point (REST, WebSocket, FIX, Celery, admin,
pages) calls these functions; each is one transaction and publishes its outbox events after commit."""

from exchange.services.accounts import account_fund
from exchange.services.errors import ExchangeError
from exchange.services.lifecycle import (
    exchange_trading_set,
    market_close,
    market_determine,
    market_fast_forward,
    market_open,
    market_pause,
    market_resume,
    market_settle,
    market_update_close_time,
    orders_expire,
)
from exchange.services.order_groups import (
    order_group_create,
    order_group_delete,
    order_group_reset,
    order_group_trigger,
    order_group_update_limit,
)
from exchange.services.orders import (
    OrderRequest,
    order_amend,
    order_cancel,
    order_create,
    order_decrease,
    orders_batch_cancel,
    orders_batch_create,
    orders_cancel_all,
)

__all__ = [
    "ExchangeError",
    "OrderRequest",
    "account_fund",
    "exchange_trading_set",
    "market_close",
    "market_determine",
    "market_fast_forward",
    "market_open",
    "market_pause",
    "market_resume",
    "market_settle",
    "market_update_close_time",
    "order_amend",
    "order_cancel",
    "order_create",
    "order_decrease",
    "order_group_create",
    "order_group_delete",
    "order_group_reset",
    "order_group_trigger",
    "order_group_update_limit",
    "orders_batch_cancel",
    "orders_batch_create",
    "orders_cancel_all",
    "orders_expire",
]
