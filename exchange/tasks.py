"""The market clock: beat tasks that move markets and orders along by time, through the lifecycle
services (so every transition writes its outbox events). Each market is its own transaction; one
that another process moved meanwhile is skipped."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from celery import shared_task
from django.utils import timezone

from exchange import services
from exchange.models import Market

log = logging.getLogger(__name__)
S = Market.Status


@shared_task(ignore_result=True)
def markets_open(now: datetime | None = None) -> list[str]:
    """initialized -> active once open_time has come (and close_time has not)."""
    now = now or timezone.now()
    due = Market.objects.filter(status=S.INITIALIZED, open_time__lte=now, close_time__gt=now)
    return _each(due, lambda ticker: services.market_open(ticker=ticker))


@shared_task(ignore_result=True)
def markets_close(now: datetime | None = None) -> list[str]:
    """Close markets whose close_time has passed; closing cancels their resting orders."""
    now = now or timezone.now()
    due = Market.objects.filter(status__in=[S.INITIALIZED, S.ACTIVE, S.INACTIVE], close_time__lte=now)
    return _each(due, lambda ticker: services.market_close(ticker=ticker))


@shared_task(ignore_result=True)
def orders_expire(now: datetime | None = None) -> int:
    """Cancel resting orders (good-till-time, Day) whose expiration_time has passed."""
    return services.orders_expire(now=now or timezone.now())


@shared_task(ignore_result=True)
def markets_settle(now: datetime | None = None) -> list[str]:
    """Settle determined markets once settlement_timer_seconds have passed since determination."""
    now = now or timezone.now()
    determined = Market.objects.filter(status=S.DETERMINED, determined_at__isnull=False)
    due = [m for m in determined.only("ticker", "determined_at", "settlement_timer_seconds")
           if m.determined_at + timedelta(seconds=m.settlement_timer_seconds) <= now]
    return _each(due, lambda ticker: services.market_settle(ticker=ticker))


def _each(markets, transition: Callable[[str], Market]) -> list[str]:
    done = []
    for ticker in [m.ticker for m in markets]:
        try:
            transition(ticker)
            done.append(ticker)
        except services.ExchangeError as error:
            log.info("market clock: %s skipped: %s", ticker, error)
    return done
