"""Wire form of rebuilt books, shared by REST, the WebSocket and the consistency check.

Sides are Kalshi's: `yes` lists YES bids, `no` lists NO bids (YES asks seen from the NO side at
$1 - price), each best first. Prices in $0.0001 with a dollar string, counts in hundredths with a
contract string.
"""

from exchange.engine.units import ONE_DOLLAR, count_to_fp, units_to_dollars
from exchange.wire_time import ms_rfc3339
from orderbook.book import Level
from orderbook.rebuilder import BookUpdate, BookView


def side_price(book_side: str, yes_price: int) -> tuple[str, int]:
    """(Kalshi side, price on that side) of a level in YES space."""
    return ("yes", yes_price) if book_side == "bid" else ("no", ONE_DOLLAR - yes_price)


def level_dict(price: int, level: Level) -> dict:
    return {"price": price, "price_dollars": units_to_dollars(price), "count": level.count,
            "count_fp": count_to_fp(level.count), "book_seq": level.book_seq,
            "updated_time": ms_rfc3339(level.updated_ts_ms), "update_type": level.update.value}


def book_dict(view: BookView) -> dict:
    stats = view.stats
    return {
        "ticker": view.ticker,
        "book_seq": view.book_seq,
        "synced": view.book_seq is not None,
        "updated_time": ms_rfc3339(view.updated_ts_ms) if view.updated_ts_ms else None,
        "yes": [level_dict(price, level) for price, level in view.bids],
        "no": [level_dict(ONE_DOLLAR - price, level) for price, level in view.asks],
        "stats": {"deltas": stats.deltas, "stale": stats.stale, "gaps": stats.gaps, "resyncs": stats.resyncs,
                  "drifts": stats.drifts, "snapshots_matched": stats.snapshots_matched,
                  "last_resync_reason": stats.last_resync_reason.value if stats.last_resync_reason else None,
                  "last_resync_book_seq": stats.last_resync_book_seq},
    }


def update_dict(update: BookUpdate) -> dict:
    """A WebSocket body: the touched levels (count 0 = removed), or the whole book on a snapshot."""
    levels = []
    for book_side, yes_price, level in update.levels:
        side, price = side_price(book_side, yes_price)
        body = (level_dict(price, level) if level is not None
                else {"price": price, "count": 0, "count_fp": count_to_fp(0)})  # removed
        levels.append({"side": side, **body})
    return {"ticker": update.ticker, "book_seq": update.book_seq, "levels": levels}
