"""The commands the sequencer runs: each is a service function that takes `user_id`, not a user.

Order entry shares batches. The others run alone in their batch, writing as they go, because they
read the tables (cancel-all, lifecycle, settlement) or rows memory does not hold (groups, the pause).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CommandKind:
    run: Callable[..., Any]
    alone: bool


def _registry() -> dict[str, CommandKind]:
    from exchange.services import accounts, lifecycle, order_groups, orders

    shared = {f.__name__: f for f in (orders.order_create, orders.order_cancel, orders.order_amend,
                                      orders.order_decrease)}
    alone = {f.__name__: f for f in (
        orders.orders_cancel_all, accounts.account_fund,
        lifecycle.market_open, lifecycle.market_pause, lifecycle.market_resume, lifecycle.market_close,
        lifecycle.market_update_close_time, lifecycle.market_determine, lifecycle.market_settle,
        lifecycle.market_fast_forward, lifecycle.orders_expire, lifecycle.exchange_trading_set,
        order_groups.order_group_create, order_groups.order_group_update_limit,
        order_groups.order_group_trigger, order_groups.order_group_reset, order_groups.order_group_delete,
        order_groups.order_groups_check,
    )}
    return {**{n: CommandKind(f, False) for n, f in shared.items()},
            **{n: CommandKind(f, True) for n, f in alone.items()}}


_kinds: dict[str, CommandKind] | None = None


def kind_of(name: str) -> CommandKind:
    global _kinds
    if _kinds is None:
        _kinds = _registry()
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"no command {name!r}") from None
