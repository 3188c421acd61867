"""The public order book of one market, aggregated by price level from resting orders."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum

from exchange.engine.units import ONE_DOLLAR
from exchange.models import Market, Order


@dataclass(frozen=True)
class Level:
    price: int  # in the side's own price space ($0.0001): YES price for yes, NO price for no
    count: int  # hundredths of a contract


@dataclass(frozen=True)
class OrderbookView:
    """YES bids and NO bids (YES asks seen from the NO side), each sorted by ascending price."""

    ticker: str
    yes: list[Level]
    no: list[Level]


def orderbook_get(market: Market, depth: int = 0) -> OrderbookView:
    """The book of `market`; `depth` > 0 keeps only the best `depth` levels of each side."""
    rows = (Order.objects.filter(market=market, status=Order.Status.RESTING, remaining_count__gt=0)
            .values("book_side", "price").annotate(total=Sum("remaining_count")))
    yes: list[Level] = []
    no: list[Level] = []
    for row in rows:
        if row["book_side"] == "bid":
            yes.append(Level(row["price"], row["total"]))
        else:
            # A resting YES ask is a NO bid at the complementary price.
            no.append(Level(ONE_DOLLAR - row["price"], row["total"]))
    return OrderbookView(market.ticker, _best(yes, depth), _best(no, depth))


def _best(levels: list[Level], depth: int) -> list[Level]:
    """Keep the `depth` highest bids, returned in ascending price order as Kalshi lists them."""
    levels.sort(key=lambda level: level.price)
    return levels[-depth:] if depth > 0 else levels


def orderbook_at_seq(ticker: str) -> tuple[int, dict[tuple[str, int], int]] | None:
    """(book_seq, {(book_side, yes_price): resting count}) of one market read together, or None for an
    unknown market. The levels are exactly the book at that book_seq (a resync point for feeds).

    Locking the market row serializes the read with order transactions, which lock it first and
    change the book only under that lock (on SQLite the IMMEDIATE transaction does the same).
    """
    with transaction.atomic():
        market = Market.objects.select_for_update().filter(ticker=ticker).only("id", "book_seq").first()
        if market is None:
            return None
        rows = (Order.objects.filter(market_id=market.id, status=Order.Status.RESTING, remaining_count__gt=0)
                .values("book_side", "price").annotate(count=Sum("remaining_count")))
        return market.book_seq, {(r["book_side"], r["price"]): r["count"] for r in rows}
