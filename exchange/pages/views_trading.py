"""Order entry from the pages: the ticket, its preview, amend, cancel and cancel-all. Every change goes
through the same services as REST, FIX and the market maker."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from exchange import services
from exchange.api.trading.selectors import own_order
from exchange.engine.rejects import RejectCode
from exchange.pages.responses import orders_changed, refusal
from exchange.pages.ticket import ticket_amend, ticket_request
from exchange.selectors.markets import market_get
from exchange.selectors.quotes import order_quote
from exchange.services import ExchangeError


@require_GET
def ticket_preview(request: HttpRequest, ticker: str) -> HttpResponse:
    """Cost, fee and payout of the order the ticket describes, before it is sent."""
    market = market_get(ticker)
    try:
        if market is None:
            raise ExchangeError(RejectCode.MARKET_NOT_FOUND, f"market {ticker} not found")
        quote = order_quote(market, ticket_request(request.GET, ticker, now=timezone.now()))
    except ExchangeError as error:
        return render(request, "pages/_preview.html", {"error": error})
    return render(request, "pages/_preview.html", {"quote": quote})


@login_required
@require_POST
def order_place(request: HttpRequest, ticker: str) -> HttpResponse:
    try:
        order = services.order_create(user=request.user,
                                      request=ticket_request(request.POST, ticker, now=timezone.now()))
    except ExchangeError as error:
        return refusal(request, error)
    return orders_changed(request, "pages/_placed.html", {"order": order}, status=201)


@login_required
def order_amend(request: HttpRequest, order_id: str) -> HttpResponse:
    """GET: the amend form for one of my resting orders; POST: its new price and total count."""
    try:
        order = own_order(request.user, order_id)
        if request.method != "POST":
            return render(request, "pages/_amend.html", {"order": order})
        yes_price, total, _ = ticket_amend(request.POST, order)
        _, order = services.order_amend(user=request.user, order_id=order_id, yes_price=yes_price, count=total)
    except ExchangeError as error:
        return refusal(request, error)
    return orders_changed(request, "pages/_placed.html", {"order": order, "amended": True})


@login_required
@require_POST
def order_cancel(request: HttpRequest, order_id: str) -> HttpResponse:
    try:
        order = services.order_cancel(user=request.user, order_id=str(own_order(request.user, order_id).id))
    except ExchangeError as error:
        return refusal(request, error)
    return orders_changed(request, "pages/_placed.html", {"order": order, "canceled": True})


@login_required
@require_POST
def orders_cancel_all(request: HttpRequest) -> HttpResponse:
    canceled = services.orders_cancel_all(user=request.user)
    return orders_changed(request, "pages/_canceled_all.html", {"canceled": canceled})
