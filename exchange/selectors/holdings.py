"""What one user holds in one market, read in a single round trip: resting orders, position, cash.

The market maker reads this every tick, so the statement is written once in SQL rather than built by
the ORM each time: building the equivalent queryset cost five times the query itself.
"""

from dataclasses import dataclass
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection

from exchange.models import Account, Order, Position


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


@cache
def _sql() -> str:
    # The user row, left-joined to its account and to its resting orders in the market (one row per
    # order, or one row of nulls), with the position as a subquery. Order columns in RestingOrder's order.
    q = connection.ops.quote_name
    users, accounts, positions, orders = (q(m._meta.db_table) for m in (get_user_model(), Account, Position, Order))
    return (
        f"SELECT a.balance, a.reserved,"
        f" (SELECT p.position FROM {positions} p WHERE p.user_id = u.id AND p.market_id = %s),"
        f" o.id, o.book_side, o.price, o.remaining_count, o.fill_count, o.reserved"
        f" FROM {users} u"
        f" LEFT JOIN {accounts} a ON a.user_id = u.id"
        f" LEFT JOIN {orders} o ON o.user_id = u.id AND o.market_id = %s AND o.status = %s"
        f" WHERE u.id = %s ORDER BY o.priority"
    )


def market_holdings_get(*, user_id: int, market_id: int) -> MarketHoldings:
    """The user's resting orders, position and account in `market_id`; all zero for a user with none."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [market_id, market_id, Order.Status.RESTING.value, user_id])
        rows = cursor.fetchall()
    if not rows:
        return MarketHoldings([], 0, 0, 0)
    balance, reserved, position = rows[0][:3]
    to_uuid = Order._meta.pk.to_python  # SQLite returns the id as hex text
    orders = [RestingOrder(str(to_uuid(row[3])), *row[4:]) for row in rows if row[3] is not None]
    return MarketHoldings(orders, position or 0, balance or 0, reserved or 0)
