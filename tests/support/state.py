"""A comparable picture of the exchange's durable state (resting orders, positions, balances)."""

from exchange.models import Account, Order, Position


def exchange_state() -> dict:
    return {
        "orders": sorted([str(o.id), o.status, o.price, o.remaining_count, o.fill_count, o.priority]
                         for o in Order.objects.filter(status="resting")),
        "positions": sorted([p.user_id, p.market_id, p.position, p.cost, p.realized_pnl, p.fees_paid]
                            for p in Position.objects.all()),
        "accounts": sorted([a.user_id, a.balance, a.reserved] for a in Account.objects.all()),
    }
