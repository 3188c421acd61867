"""What one user holds in one market, read in a single round trip: resting orders, position, cash."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import FilteredRelation, OuterRef, Q, Subquery

from exchange.models import Order, Position


@dataclass(frozen=True, slots=True)
class RestingOrder:
    order_id: str
    book_side: str
    price: int  # YES price ($0.0001)
    remaining: int  # hundredths of a contract
    filled: int
    reserved: int  # collateral still held for it ($0.0001)


@dataclass(frozen=True, slots=True)
class MarketHoldings:
    orders: list[RestingOrder]  # in time priority
    position: int  # hundredths of a contract, +YES / -NO
    balance: int  # the account's cash, including what is reserved
    reserved: int  # the account's collateral for resting orders in every market

    @property
    def resting_count(self) -> int:
        """Contracts (hundredths) resting in this market."""
        return sum(o.remaining for o in self.orders)


_ORDER_FIELDS = ("resting__id", "resting__book_side", "resting__price", "resting__remaining_count",
                 "resting__fill_count", "resting__reserved")


def market_holdings_get(*, user_id: int, market_id: int) -> MarketHoldings:
    """The user's resting orders, position and account in `market_id`; all zero for a user with none.

    One query: the user row, left-joined to its account and to its resting orders here (one row per
    order, or one row of nulls), with the position as a subquery.
    """
    position = Position.objects.filter(user_id=OuterRef("pk"), market_id=market_id).values("position")[:1]
    resting = FilteredRelation("orders", condition=Q(orders__market_id=market_id, orders__status=Order.Status.RESTING))
    rows = list(get_user_model().objects.filter(pk=user_id)
                .annotate(resting=resting, held=Subquery(position))
                .order_by("resting__priority")
                .values_list("account__balance", "account__reserved", "held", *_ORDER_FIELDS))
    if not rows:
        return MarketHoldings([], 0, 0, 0)
    balance, reserved, held = rows[0][:3]
    # Fields in _ORDER_FIELDS order, which is RestingOrder's.
    orders = [RestingOrder(str(row[3]), *row[4:]) for row in rows if row[3] is not None]
    return MarketHoldings(orders, held or 0, balance or 0, reserved or 0)
