"""Reads the feed needs from the database: consistent book snapshots, missed book events, ticker state.

Synchronous selectors; the consumer calls them through `database_sync_to_async`.
"""

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from exchange.fanout import event_dict
from exchange.models import Market, MarketEvent, Order, Trade
from exchange.services import payloads


def book_snapshot(ticker: str) -> tuple[int, dict[tuple[str, int], int]] | None:
    """(book_seq, {(book_side, yes_price): resting count}) read together, or None for an unknown market.

    Locking the market row serializes the read with order transactions (which lock it first), so the
    levels are exactly the book at that book_seq.
    """
    with transaction.atomic():
        market = Market.objects.select_for_update().filter(ticker=ticker).only("id", "book_seq").first()
        if market is None:
            return None
        rows = (Order.objects.filter(market_id=market.id, status=Order.Status.RESTING)
                .values("book_side", "price").annotate(count=Sum("remaining_count")))
        return market.book_seq, {(r["book_side"], r["price"]): r["count"] for r in rows}


def book_events_between(ticker: str, after: int, upto: int) -> list[dict]:
    """Committed book events of `ticker` with after < book_seq <= upto, in book_seq order."""
    rows = (MarketEvent.objects.filter(market__ticker=ticker, kind=MarketEvent.Kind.BOOK,
                                       book_seq__gt=after, book_seq__lte=upto)
            .select_related("market").order_by("book_seq"))
    return [event_dict(row) for row in rows]


def book_seqs(tickers: list[str]) -> list[tuple[str, int]]:
    """(ticker, book_seq) of each existing market among `tickers`."""
    return list(Market.objects.filter(ticker__in=tickers).values_list("ticker", "book_seq"))


def existing_tickers(tickers: list[str]) -> set[str]:
    return set(Market.objects.filter(ticker__in=tickers).values_list("ticker", flat=True))


def all_tickers() -> list[str]:
    return list(Market.objects.order_by("id").values_list("ticker", flat=True))


def ticker_states(tickers: list[str]) -> list[tuple[dict, int]]:
    """(ticker payload, last trade count) per market, for `send_initial_snapshot` on `ticker`."""
    now = timezone.now()
    out = []
    for market in Market.objects.filter(ticker__in=tickers).order_by("id"):
        last = Trade.objects.filter(market=market).order_by("-created_at").values_list("count", flat=True).first()
        out.append((payloads.ticker_payload(market, now), last or 0))
    return out
