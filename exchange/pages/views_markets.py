"""Markets grid and a market's page: server-rendered, then kept live by the page's WebSocket client."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from exchange.models import Market
from exchange.selectors.markets import (
    filter_choices,
    market_get,
    market_rows,
    markets_list,
    recent_trades,
    user_market_activity,
)
from exchange.selectors.orderbook import orderbook_get


@require_GET
def markets(request: HttpRequest) -> HttpResponse:
    filters = {name: request.GET.get(name, "").strip() for name in ("search", "series", "event")}
    filters["status"] = request.GET.get("status", "open")
    rows = market_rows(markets_list(**filters))
    return render(request, "pages/markets.html", {"rows": rows, "filters": filters, "choices": filter_choices(),
                                                  "tickers": [row.market.ticker for row in rows]})


def _market(ticker: str) -> Market:
    market = market_get(ticker)
    if market is None:
        raise Http404(f"market {ticker} not found")
    return market


@require_GET
def market(request: HttpRequest, ticker: str) -> HttpResponse:
    market = _market(ticker)
    context = {"market": market, "book": orderbook_get(market), "trades": recent_trades(market),
               "feed": {"ticker": market.ticker, "series": market.event.series.ticker,
                        "private": request.user.is_authenticated}}
    return render(request, "pages/market.html", context)


@require_GET
def market_mine(request: HttpRequest, ticker: str) -> HttpResponse:
    """My resting orders, fills and position in the market (refreshed when my private channels speak)."""
    market = _market(ticker)
    if not request.user.is_authenticated:
        return render(request, "pages/_mine.html", {"market": market})
    return render(request, "pages/_mine.html", {"market": market, **user_market_activity(request.user, market)})
