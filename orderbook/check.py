"""The consistency check: every rebuilt book against the exchange's book at the same book_seq.

The exchange's book at the rebuilt book_seq X is its consistent read at S >= X minus the outbox's
book deltas X+1..S (exactly one per book_seq), so the comparison is exact while orders keep flowing.
Rebuilt books come from this process's rebuilder, or over HTTP from ORDERBOOK["REBUILDER_URL"].
"""

import json
import urllib.request
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings

from exchange.engine.units import ONE_DOLLAR
from exchange.models import Market, MarketEvent
from exchange.outbox import EventKind
from exchange.selectors import orderbook_at_seq
from orderbook.book import LevelKey, level_diff
from orderbook.render import book_dict
from orderbook.runtime import local_rebuilder

Levels = dict[LevelKey, int]


class CheckStatus(StrEnum):
    OK = "ok"
    DRIFT = "drift"  # the rebuilt book differs from the exchange's at its book_seq
    UNSYNCED = "unsynced"  # the rebuilder holds no state for the market (resync pending)
    MISSING = "missing"  # the exchange has the market; the rebuilder has never seen it
    UNKNOWN = "unknown"  # the rebuilder has a market the exchange does not
    INCOMPLETE = "incomplete"  # the outbox lacks a book event between the two book_seqs


@dataclass(frozen=True)
class MarketCheck:
    ticker: str
    status: CheckStatus
    rebuilt_seq: int | None = None
    exchange_seq: int | None = None
    diff: dict[LevelKey, tuple[int, int]] = field(default_factory=dict)  # level: (exchange, rebuilt)


class RebuilderUnavailable(Exception):
    """No rebuilder in this process and none reachable at ORDERBOOK["REBUILDER_URL"]."""


def rebuilt_books(url: str | None = None) -> dict[str, tuple[int | None, Levels]]:
    """{ticker: (book_seq or None, levels in YES space)} from the local rebuilder or the one at `url`."""
    rebuilder = local_rebuilder()
    if rebuilder is not None and not url:
        books = [book_dict(view) for ticker in rebuilder.tickers() if (view := rebuilder.view(ticker))]
    else:
        url = url or settings.ORDERBOOK["REBUILDER_URL"]
        if not url:
            raise RebuilderUnavailable("this process runs no rebuilder and ORDERBOOK_REBUILDER_URL is not set")
        try:
            with urllib.request.urlopen(f"{url.rstrip('/')}/orderbook/api/all", timeout=30) as response:
                books = json.load(response)["books"]
        except (OSError, ValueError, KeyError) as error:
            raise RebuilderUnavailable(f"cannot read rebuilt books from {url}: {error}") from None
    return {book["ticker"]: (book["book_seq"], _levels(book)) for book in books}


def _levels(book: dict) -> Levels:
    levels = {("bid", level["price"]): level["count"] for level in book["yes"]}
    levels.update({("ask", ONE_DOLLAR - level["price"]): level["count"] for level in book["no"]})
    return levels


def exchange_book_at(ticker: str, book_seq: int) -> tuple[int, Levels] | None:
    """(the exchange's current book_seq, its levels as they were at `book_seq`), or None when the outbox
    cannot take it back that far."""
    read = orderbook_at_seq(ticker)
    if read is None:
        return None
    seq, levels = read
    deltas = list(MarketEvent.objects.filter(market__ticker=ticker, kind=EventKind.BOOK.value, book_seq__gt=book_seq,
                                             book_seq__lte=seq).order_by("book_seq").values_list("book_seq", "payload"))
    if [s for s, _ in deltas] != list(range(book_seq + 1, seq + 1)):
        return None
    levels = dict(levels)
    for _, payload in deltas:
        for side, price, delta in payload["levels"]:
            levels[(side, price)] = levels.get((side, price), 0) - delta
    return seq, {key: count for key, count in levels.items() if count}


def check_books(rebuilt: dict[str, tuple[int | None, Levels]]) -> list[MarketCheck]:
    """One result per market known to either side."""
    results = []
    # Markets whose book never changed, or that are over, need no rebuilt book (but may have one).
    exchange = set(Market.objects.filter(book_seq__gt=0).exclude(status=Market.Status.FINALIZED)
                   .values_list("ticker", flat=True))
    known = set(Market.objects.filter(ticker__in=rebuilt).values_list("ticker", flat=True))
    for ticker in sorted(exchange | set(rebuilt)):
        if ticker not in known and ticker not in exchange:
            results.append(MarketCheck(ticker, CheckStatus.UNKNOWN, rebuilt_seq=rebuilt[ticker][0]))
            continue
        if ticker not in rebuilt:
            results.append(MarketCheck(ticker, CheckStatus.MISSING))
            continue
        seq, levels = rebuilt[ticker]
        if seq is None:
            results.append(MarketCheck(ticker, CheckStatus.UNSYNCED))
            continue
        at = exchange_book_at(ticker, seq)
        if at is None:
            results.append(MarketCheck(ticker, CheckStatus.INCOMPLETE, rebuilt_seq=seq))
            continue
        diff = level_diff(at[1], levels)
        results.append(MarketCheck(ticker, CheckStatus.DRIFT if diff else CheckStatus.OK, seq, at[0], diff))
    return results
