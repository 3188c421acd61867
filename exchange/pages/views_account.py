"""The trader's own pages: portfolio and API keys."""

import uuid

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from exchange.api.trading.account import requested_scopes
from exchange.api.trading.parse import Body
from exchange.pages.responses import refusal
from exchange.selectors.api_keys import api_keys_of
from exchange.selectors.portfolio import account_summary, portfolio_activity, positions_overview
from exchange.services import ExchangeError
from exchange.services.api_keys import api_key_delete, api_key_generate

# The key page's scope choice, as the REST API's `scopes` list.
SCOPE_CHOICES = {"read": ["read"], "write": ["read", "write"]}


def _portfolio_context(user: AbstractBaseUser) -> dict:
    return {"account": account_summary(user), "positions": positions_overview(user), **portfolio_activity(user)}


@login_required
@require_GET
def portfolio(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/portfolio.html", _portfolio_context(request.user))


@login_required
@require_GET
def portfolio_body(request: HttpRequest) -> HttpResponse:
    """The portfolio's tables alone, reloaded when my private channels report a change."""
    return render(request, "pages/_portfolio_body.html", _portfolio_context(request.user))


@login_required
@require_GET
def api_keys(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/api_keys.html", {"keys": api_keys_of(request.user)})


@login_required
@require_POST
def api_key_create(request: HttpRequest) -> HttpResponse:
    """A new RSA key; its private half is shown on this one response and never stored."""
    body = Body({"name": request.POST.get("name", "").strip() or None,
                 "scopes": SCOPE_CHOICES.get(request.POST.get("scope", ""), [request.POST.get("scope", "")])})
    try:
        key, private_pem = api_key_generate(user=request.user, name=body.text("name", required=True, max_length=128),
                                            scopes=requested_scopes(body))
    except ExchangeError as error:
        return refusal(request, error, "pages/api_keys.html", {"keys": api_keys_of(request.user)})
    return render(request, "pages/api_keys.html", {"keys": api_keys_of(request.user), "created": key,
                                                   "private_pem": private_pem})


@login_required
@require_POST
def api_key_revoke(request: HttpRequest, key_id: uuid.UUID) -> HttpResponse:
    api_key_delete(user=request.user, key_id=str(key_id))
    return redirect("pages:api-keys")
