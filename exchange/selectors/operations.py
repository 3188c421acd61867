"""Live figures for the operations page: order and event rates from the tables, the WebSocket feed's
counters, FIX sessions, and the Kafka relay's lag and the rebuilder's drift where those run."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from exchange.fix.embedded import sessions_logged_on
from exchange.models import ExchangeState, Market, MarketEvent, Order
from exchange.ws.metrics import metrics

RATE_WINDOW = timedelta(seconds=10)


@dataclass(frozen=True)
class Counters:
    orders_total: int
    orders_per_s: float
    events_total: int
    events_per_s: float
    ws: dict
    fix_sessions: int | None


def counters() -> Counters:
    since = timezone.now() - RATE_WINDOW
    seconds = RATE_WINDOW.total_seconds()
    return Counters(
        orders_total=Order.objects.count(),
        orders_per_s=Order.objects.filter(created_at__gte=since).count() / seconds,
        events_total=MarketEvent.objects.aggregate(last=Max("id"))["last"] or 0,
        events_per_s=MarketEvent.objects.filter(created_at__gte=since).count() / seconds,
        ws=metrics.snapshot(),
        fix_sessions=sessions_logged_on(),
    )


@dataclass(frozen=True)
class FeedHealth:
    """The Kafka relay's backlog and the rebuilder's disagreements; None where the part is not running."""

    relay_unrelayed: int | None  # committed outbox events not yet in Kafka
    relay_oldest_ms: int | None  # age of the oldest of them
    drifting_markets: int | None  # markets whose rebuilt book differs from the exchange's


def feed_health() -> FeedHealth:
    unrelayed, oldest = _relay_backlog()
    return FeedHealth(unrelayed, oldest, _drifting_markets())


def _relay_backlog() -> tuple[int | None, int | None]:
    try:
        from marketdata.selectors import relay_lag
    except ImportError:  # an installation without the relay
        return None, None
    lag = relay_lag()
    return (lag.unrelayed, lag.oldest_unrelayed_ms) if lag.running else (None, None)


def _drifting_markets() -> int | None:
    try:
        from orderbook.check import CheckStatus, RebuilderUnavailable, check_books, rebuilt_books
    except ImportError:  # an installation without the rebuilder
        return None
    try:
        results = check_books(rebuilt_books())
    except RebuilderUnavailable:
        return None
    return sum(1 for result in results if result.status == CheckStatus.DRIFT)


def exchange_state() -> ExchangeState:
    return ExchangeState.current()


def lifecycle_markets() -> list[Market]:
    """Every market not yet finalized, for the lifecycle controls."""
    return list(Market.objects.exclude(status=Market.Status.FINALIZED).select_related("event")
                .order_by("ticker"))
