"""Factories for the objects most tests need: funded users, API keys, active markets."""

import itertools
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone

from exchange.engine.units import ONE_DOLLAR
from exchange.models import ApiKey, Event, Market, Series
from exchange.services import account_fund, market_open
from exchange.services.api_keys import api_key_generate

_seq = itertools.count(1)


def make_user(username: str | None = None, *, dollars: int = 10_000, password: str = "pw-for-tests"):
    user = get_user_model().objects.create_user(username=username or f"user{next(_seq)}", password=password)
    if dollars:
        account_fund(user=user, amount=dollars * ONE_DOLLAR)
    return user


def make_api_key(user, *, scopes: list[str] | None = None, directory: Path | None = None) -> tuple[ApiKey, str]:
    """An API key and its private PEM; also written to `directory` when given (for SDKs that read files)."""
    key, private_pem = api_key_generate(user=user, name="test key", scopes=scopes)
    if directory is not None:
        (directory / f"{key.key_id}.pem").write_text(private_pem)
    return key, private_pem


def make_market(ticker: str | None = None, *, series: str = "TEST", fee_type: str = "quadratic",
                status: str = Market.Status.ACTIVE, structure: str = "linear_cent", fractional: bool = False,
                close_in: timedelta = timedelta(days=30)) -> Market:
    ticker = ticker or f"TEST-M{next(_seq)}"
    series_obj, _ = Series.objects.get_or_create(ticker=series, defaults={"title": f"{series} series",
                                                                         "fee_type": fee_type, "category": "Test"})
    event, _ = Event.objects.get_or_create(event_ticker=f"{series}-EV", defaults={"series": series_obj,
                                                                                  "title": "Test event"})
    now = timezone.now()
    market = Market.objects.create(
        ticker=ticker, event=event, title=f"Market {ticker}", open_time=now, close_time=now + close_in,
        expiration_time=now + close_in + timedelta(days=1), price_level_structure=structure,
        fractional_trading_enabled=fractional,
    )
    if status != Market.Status.INITIALIZED:
        market_open(ticker=ticker)
        market.refresh_from_db()
    if status not in (Market.Status.INITIALIZED, Market.Status.ACTIVE):
        Market.objects.filter(pk=market.pk).update(status=status)
        market.refresh_from_db()
    return market
