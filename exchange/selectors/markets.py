"""Market listings for the pages: the catalog with each market's last book change and last trade."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import JSONField, OuterRef, Q, QuerySet, Subquery

from exchange.models import Fill, Market, MarketEvent, Order, Position, Trade

OPEN_STATUSES = (Market.Status.ACTIVE, Market.Status.INACTIVE)


@dataclass(frozen=True)
class BookChange:
    book_side: str  # bid (YES) or ask (shown as a NO bid)
    yes_price: int
    delta: int
    at: datetime


@dataclass(frozen=True)
class LastTrade:
    yes_price: int
    count: int
    at: datetime


@dataclass(frozen=True)
class MarketRow:
    market: Market
    last_change: BookChange | None
    last_trade: LastTrade | None


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


def market_rows(query: QuerySet[Market]) -> list[MarketRow]:
    """Each market with its latest book change and trade, read in the one query."""
    book = (MarketEvent.objects.filter(market=OuterRef("pk"), kind=MarketEvent.Kind.BOOK)
            .order_by("-book_seq").values("payload")[:1])
    trades = Trade.objects.filter(market=OuterRef("pk")).order_by("-created_at", "-id")
    query = query.annotate(
        last_book=Subquery(book, output_field=JSONField()),
        last_trade_price=Subquery(trades.values("price")[:1]),
        last_trade_count=Subquery(trades.values("count")[:1]),
        last_trade_at=Subquery(trades.values("created_at")[:1]),
    )
    return [MarketRow(m, _last_change(m.last_book) if m.last_book else None,
                      LastTrade(m.last_trade_price, m.last_trade_count, m.last_trade_at) if m.last_trade_at else None)
            for m in query]


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


def user_market_activity(user: AbstractBaseUser, market: Market, limit: int = 30) -> dict:
    """The user's resting orders, fills and position in one market."""
    return {
        "orders": list(Order.objects.filter(user=user, market=market, status=Order.Status.RESTING)
                       .order_by("-created_at")),
        "fills": list(Fill.objects.filter(user=user, market=market).order_by("-created_at", "-id")[:limit]),
        "position": Position.objects.filter(user=user, market=market).select_related("market").first(),
    }
