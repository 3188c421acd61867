"""Rendering helpers shared by the page views: refusals in the exchange's error words."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from exchange.api.errors import STATUS_OF
from exchange.services import ExchangeError


def refusal(request: HttpRequest, error: ExchangeError, template: str = "pages/_refusal.html",
            context: dict | None = None) -> HttpResponse:
    """The exchange's error code and message, with the status the REST API gives that code."""
    return render(request, template, {**(context or {}), "error": error}, status=STATUS_OF.get(error.code, 400))
