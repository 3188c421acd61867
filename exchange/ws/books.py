"""Reads the feed needs from the database: missed book events and ticker state (book snapshots are
the selectors' `orderbook_at_seq`).

Synchronous selectors; the consumer calls them through `database_sync_to_async`.
"""

from django.utils import timezone

from exchange.fanout import event_dict
from exchange.models import Market, MarketEvent, Trade
from exchange.services import payloads


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
