"""Live figures for the operations page: order and event rates from the tables, the WebSocket feed's
counters, FIX sessions, and the Kafka relay's lag and the rebuilder's drift where those run."""

from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.db.models import Max
from django.utils import timezone

from exchange.fix.embedded import sessions_logged_on
from exchange.models import ExchangeState, Market, MarketEvent, Order
from exchange.ws.metrics import metrics

RATE_WINDOW = timedelta(seconds=10)
# Optional probes of the market-data parts: a module path and a function returning a number or None.
FEED_PROBES = {"relay_lag": ("marketdata.selectors", "relay_lag"),
               "rebuilder_drift": ("orderbook.selectors", "rebuilder_drift")}


@dataclass(frozen=True)
class Counters:
    orders_total: int
    orders_per_s: float
    events_total: int
    events_per_s: float
    ws: dict
    fix_sessions: int | None
    relay_lag: int | None
    rebuilder_drift: int | None


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
        relay_lag=_probe("relay_lag"),
        rebuilder_drift=_probe("rebuilder_drift"),
    )


def _probe(name: str) -> int | None:
    """The figure from its part when that part is installed and reports one."""
    module_name, function = FEED_PROBES[name]
    try:
        module = import_module(module_name)
    except ModuleNotFoundError:
        return None
    probe = getattr(module, function, None)
    return probe() if callable(probe) else None


def exchange_state() -> ExchangeState:
    return ExchangeState.current()


def lifecycle_markets() -> list[Market]:
    """Every market not yet finalized, for the lifecycle controls."""
    return list(Market.objects.exclude(status=Market.Status.FINALIZED).select_related("event")
                .order_by("ticker"))
