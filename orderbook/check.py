"""The consistency check: every rebuilt book against the exchange's book at the same book_seq.

The exchange's book at the rebuilt book_seq X is its consistent read at S >= X minus the outbox's
book deltas X+1..S (exactly one per book_seq), so the comparison is exact while orders keep flowing.
Rebuilt books come from `orderbook.source`.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from exchange.models import Market, MarketEvent
from exchange.outbox import EventKind
from exchange.selectors import orderbook_at_seq
from orderbook.book import LevelKey, level_diff
from orderbook.source import book_dicts, levels_of

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


def rebuilt_books(url: str | None = None) -> dict[str, tuple[int | None, Levels]]:
    """{ticker: (book_seq or None, levels in YES space)} of every rebuilt book (see `orderbook.source`)."""
    return {book["ticker"]: (book["book_seq"], levels_of(book)) for book in book_dicts(url)}


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
