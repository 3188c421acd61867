"""A trader's account read for the REST portfolio endpoints and the pages: valuation, queue position,
resting collateral."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Sum

from exchange.engine.units import notional
from exchange.models import Account, Fill, Order, Position, Settlement


def position_value(position: Position) -> int:
    """Marked at the last traded price; a market without trades is held at cost."""
    last = position.market.last_price
    return notional(position.position > 0, last, abs(position.position)) if last else position.cost


def portfolio_value(user: AbstractBaseUser) -> int:
    """What the user's open positions are worth ($0.0001)."""
    positions = Position.objects.filter(user=user).exclude(position=0).select_related("market")
    return sum(position_value(p) for p in positions)


def queue_ahead(order: Order) -> int:
    """Contracts (hundredths) resting before `order` at its price level."""
    if order.status != Order.Status.RESTING:
        return 0
    return Order.objects.filter(
        market_id=order.market_id, book_side=order.book_side, price=order.price, status=Order.Status.RESTING,
        priority__lt=order.priority,
    ).aggregate(total=Sum("remaining_count"))["total"] or 0


def resting_counts(user: AbstractBaseUser, market_ids: list[int]) -> dict[int, int]:
    """Contracts (hundredths) the user has resting in each of `market_ids` that has any."""
    resting = Order.objects.filter(user=user, status=Order.Status.RESTING, market_id__in=market_ids)
    return dict(resting.values("market_id").annotate(total=Sum("remaining_count")).values_list("market_id", "total"))


def resting_order_value(user: AbstractBaseUser) -> int:
    """Notional of the user's resting orders ($0.0001)."""
    resting = Order.objects.filter(user=user, status=Order.Status.RESTING)
    return sum(notional(o.book_side == "bid", o.price, o.remaining_count)
               for o in resting.only("book_side", "price", "remaining_count"))


@dataclass(frozen=True)
class AccountSummary:
    balance: int  # cash, including the reserved part
    reserved: int  # collateral held for resting orders
    available: int
    portfolio_value: int


def account_summary(user: AbstractBaseUser) -> AccountSummary:
    account = Account.objects.filter(user=user).first()
    balance, reserved = (account.balance, account.reserved) if account else (0, 0)
    return AccountSummary(balance, reserved, balance - reserved, portfolio_value(user))


@dataclass(frozen=True)
class PositionRow:
    position: Position
    value: int  # marked at the last traded price
    unrealized_pnl: int  # value minus cost


def positions_overview(user: AbstractBaseUser) -> list[PositionRow]:
    """Open positions, each valued and with its unrealized P&L, by market ticker."""
    positions = (Position.objects.filter(user=user).exclude(position=0).select_related("market")
                 .order_by("market__ticker"))
    return [PositionRow(p, value, value - p.cost) for p in positions for value in (position_value(p),)]


def portfolio_activity(user: AbstractBaseUser, limit: int = 50) -> dict:
    """Resting orders across markets, recent fills and settlements."""
    return {
        "orders": list(Order.objects.filter(user=user, status=Order.Status.RESTING).select_related("market")
                       .order_by("market__ticker", "-created_at")),
        "fills": list(Fill.objects.filter(user=user).select_related("market").order_by("-created_at", "-id")[:limit]),
        "settlements": list(Settlement.objects.filter(user=user).select_related("market")
                            .order_by("-settled_at", "-id")[:limit]),
    }
