"""The only code that writes exchange state, as commands the sequencer runs (`exchange.sequencer`).

Every entry point (REST, WebSocket, FIX, Celery, admin, pages) calls these functions, which submit
the command and return once it committed; the command bodies live in this package's modules.
"""

from datetime import datetime
from typing import Any

from exchange.engine import CancelReason
from exchange.services.errors import ExchangeError
from exchange.services.orders import OrderRequest


def _execute(name: str, **kwargs: Any) -> Any:
    from exchange.sequencer import execute

    return execute(name, **kwargs)


def _user_id(user) -> int | None:
    return None if user is None else user.pk


def account_fund(*, user, amount: int):
    return _execute("account_fund", user_id=user.pk, amount=amount)


def exchange_trading_set(*, active: bool):
    return _execute("exchange_trading_set", active=active)


def market_open(*, ticker: str):
    return _execute("market_open", ticker=ticker)


def market_pause(*, ticker: str):
    return _execute("market_pause", ticker=ticker)


def market_resume(*, ticker: str):
    return _execute("market_resume", ticker=ticker)


def market_close(*, ticker: str):
    return _execute("market_close", ticker=ticker)


def market_update_close_time(*, ticker: str, close_time: datetime):
    return _execute("market_update_close_time", ticker=ticker, close_time=close_time)


def market_determine(*, ticker: str, result: str):
    return _execute("market_determine", ticker=ticker, result=result)


def market_settle(*, ticker: str):
    return _execute("market_settle", ticker=ticker)


def market_fast_forward(*, ticker: str, result: str):
    return _execute("market_fast_forward", ticker=ticker, result=result)


def orders_expire(*, now: datetime) -> int:
    return _execute("orders_expire", now=now)


def order_create(*, user, request: OrderRequest):
    return _execute("order_create", user_id=user.pk, request=request)


def order_cancel(*, user, order_id: str, reason: CancelReason = CancelReason.USER):
    return _execute("order_cancel", user_id=user.pk, order_id=order_id, reason=reason)


def order_decrease(*, user, order_id: str, reduce_by: int | None = None, reduce_to: int | None = None,
                   client_order_id: str | None = None, rt_session: str | None = None):
    return _execute("order_decrease", user_id=user.pk, order_id=order_id, reduce_by=reduce_by,
                    reduce_to=reduce_to, client_order_id=client_order_id, rt_session=rt_session)


def order_amend(*, user, order_id: str, yes_price: int, count: int, client_order_id: str | None = None,
                rt_session: str | None = None):
    return _execute("order_amend", user_id=user.pk, order_id=order_id, yes_price=yes_price, count=count,
                    client_order_id=client_order_id, rt_session=rt_session)


def orders_cancel_all(*, user=None, ticker: str | None = None, reason: CancelReason = CancelReason.USER,
                      only: list[str] | None = None):
    return _execute("orders_cancel_all", user_id=_user_id(user), ticker=ticker, reason=reason, only=only)


def orders_batch_create(*, user, requests: list[OrderRequest]) -> list:
    """Each order stands alone (one refused does not undo the others); they share one commit."""
    from exchange.sequencer import execute_many

    return execute_many([("order_create", {"user_id": user.pk, "request": r}) for r in requests])


def orders_batch_cancel(*, user, order_ids: list[str]) -> list:
    from exchange.sequencer import execute_many

    return execute_many([("order_cancel", {"user_id": user.pk, "order_id": i}) for i in order_ids])


def order_group_create(*, user, contracts_limit: int):
    return _execute("order_group_create", user_id=user.pk, contracts_limit=contracts_limit)


def order_group_update_limit(*, user, group_id: str, contracts_limit: int):
    return _execute("order_group_update_limit", user_id=user.pk, group_id=group_id,
                    contracts_limit=contracts_limit)


def order_group_trigger(*, user, group_id: str):
    return _execute("order_group_trigger", user_id=user.pk, group_id=group_id)


def order_group_reset(*, user, group_id: str):
    return _execute("order_group_reset", user_id=user.pk, group_id=group_id)


def order_group_delete(*, user, group_id: str) -> None:
    return _execute("order_group_delete", user_id=user.pk, group_id=group_id)


__all__ = [
    "ExchangeError", "OrderRequest", "account_fund", "exchange_trading_set", "market_close", "market_determine",
    "market_fast_forward", "market_open", "market_pause", "market_resume", "market_settle",
    "market_update_close_time", "order_amend", "order_cancel", "order_create", "order_decrease",
    "order_group_create", "order_group_delete", "order_group_reset", "order_group_trigger",
    "order_group_update_limit", "orders_batch_cancel", "orders_batch_create", "orders_cancel_all",
    "orders_expire",
]
