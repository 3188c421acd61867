"""The operations page (staff only): exchange status, market lifecycle, market makers, live counters."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from exchange import services
from exchange.engine.rejects import RejectCode
from exchange.pages.access import staff_required
from exchange.pages.responses import refusal
from exchange.selectors.operations import counters, exchange_state, feed_health, lifecycle_markets
from exchange.services import ExchangeError
from marketmaker.selectors import maker_statuses

# Lifecycle buttons: what each does to a market. "fast" closes, determines and settles at once.
LIFECYCLE_ACTIONS = {
    "pause": lambda ticker, result: services.market_pause(ticker=ticker),
    "resume": lambda ticker, result: services.market_resume(ticker=ticker),
    "close": lambda ticker, result: services.market_close(ticker=ticker),
    "determine": lambda ticker, result: services.market_determine(ticker=ticker, result=result),
    "settle": lambda ticker, result: services.market_settle(ticker=ticker),
    "fast": lambda ticker, result: services.market_fast_forward(ticker=ticker, result=result),
}


def _context() -> dict:
    return {"state": exchange_state(), "markets": lifecycle_markets(), "makers": maker_statuses(now=timezone.now()),
            "counters": counters()}


@staff_required
@require_GET
def operations(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/operations.html", _context())


@staff_required
@require_GET
def operations_counters(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/_counters.html", {"counters": counters(), "state": exchange_state()})


@staff_required
@require_GET
def operations_feed(request: HttpRequest) -> HttpResponse:
    """The Kafka relay and rebuilder figures, polled less often: checking drift reads every book."""
    return render(request, "pages/_feed_health.html", {"feed": feed_health()})


@staff_required
@require_POST
def exchange_trading(request: HttpRequest) -> HttpResponse:
    services.exchange_trading_set(active=request.POST.get("active") == "true")
    return redirect("pages:operations")


@staff_required
@require_POST
def market_lifecycle(request: HttpRequest, ticker: str) -> HttpResponse:
    action = LIFECYCLE_ACTIONS.get(request.POST.get("action", ""))
    result = request.POST.get("result", "")
    try:
        if action is None:
            raise ExchangeError(RejectCode.INVALID_PARAMETER, "unknown lifecycle action")
        action(ticker, result)
    except ExchangeError as error:
        return refusal(request, error, "pages/operations.html", _context())
    return redirect("pages:operations")
