"""Rendering helpers shared by the page views: refusals in the exchange's error words."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from exchange.api.errors import STATUS_OF
from exchange.services import ExchangeError


def refusal(request: HttpRequest, error: ExchangeError, template: str = "pages/_refusal.html",
            context: dict | None = None) -> HttpResponse:
    """The exchange's error code and message. A full page answers with the status the REST API gives
    that code; an htmx fragment answers 200 (carrying that status in the markup), so htmx swaps it in
    and the browser does not log a failed request."""
    status = STATUS_OF.get(error.code, 400)
    context = {**(context or {}), "error": error, "error_status": status}
    return render(request, template, context, status=200 if request.headers.get("HX-Request") else status)


def orders_changed(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    """A rendered answer that also tells the page (htmx's HX-Trigger) to reload what shows my orders."""
    response = render(request, template, context, status=status)
    response["HX-Trigger"] = "orders-changed"
    return response
