"""Market listings for the pages: the catalog with each market's last book change and last trade."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q, QuerySet

from exchange.models import Fill, Market, MarketEvent, Order, Position, Trade

OPEN_STATUSES = (Market.Status.ACTIVE, Market.Status.INACTIVE)


@dataclass(frozen=True)
class BookChange:
    book_side: str  # bid (YES) or ask (shown as a NO bid)
    yes_price: int
    delta: int
    at: datetime


@dataclass(frozen=True)
class MarketRow:
    market: Market
    last_change: BookChange | None
    last_trade: Trade | None


def markets_list(*, search: str = "", series: str = "", event: str = "", status: str = "open") -> QuerySet[Market]:
    """Markets matching the filters; status "open" (the default) means active or paused."""
    query = Market.objects.select_related("event__series").order_by("event__series__ticker", "ticker")
    if status == "open":
        query = query.filter(status__in=OPEN_STATUSES)
    elif status:
        query = query.filter(status=status)
    if series:
        query = query.filter(event__series__ticker=series)
    if event:
        query = query.filter(event__event_ticker=event)
    if search:
        query = query.filter(Q(ticker__icontains=search) | Q(title__icontains=search))
    return query


def market_rows(markets: list[Market]) -> list[MarketRow]:
    """Each market with its latest book change and trade (one outbox row and one trade per market)."""
    rows = []
    for market in markets:
        event = (MarketEvent.objects.filter(market=market, kind=MarketEvent.Kind.BOOK)
                 .order_by("-book_seq").values("payload").first())
        trade = Trade.objects.filter(market=market).order_by("-created_at").first()
        rows.append(MarketRow(market, _last_change(event["payload"]) if event else None, trade))
    return rows


def _last_change(payload: dict) -> BookChange | None:
    if not payload.get("levels"):
        return None
    side, price, delta = payload["levels"][-1]
    return BookChange(side, price, delta, datetime.fromtimestamp(payload["ts_ms"] / 1000, tz=UTC))


def filter_choices() -> dict[str, list[str]]:
    """Series and event tickers for the markets page's filters."""
    return {
        "series": list(Market.objects.values_list("event__series__ticker", flat=True).distinct().order_by(
            "event__series__ticker")),
        "events": list(Market.objects.values_list("event__event_ticker", flat=True).distinct().order_by(
            "event__event_ticker")),
        "statuses": ["open", *Market.Status.values],
    }


def market_get(ticker: str) -> Market | None:
    return Market.objects.select_related("event__series").filter(ticker=ticker).first()


def recent_trades(market: Market, limit: int = 30) -> list[Trade]:
    return list(Trade.objects.filter(market=market).order_by("-created_at", "-id")[:limit])


def user_market_activity(user, market: Market, limit: int = 30) -> dict:
    """The user's resting orders, fills and position in one market."""
    return {
        "orders": list(Order.objects.filter(user=user, market=market, status=Order.Status.RESTING)
                       .order_by("-created_at")),
        "fills": list(Fill.objects.filter(user=user, market=market).order_by("-created_at", "-id")[:limit]),
        "position": Position.objects.filter(user=user, market=market).select_related("market").first(),
    }
