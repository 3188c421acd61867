"""Health of the market maker: when each market last ticked, its live quotes and inventory."""

from datetime import timedelta

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from exchange.engine.units import count_to_contracts, count_to_fp
from marketmaker.models import MarketMakerConfig
from marketmaker.tasks import maker_inventory

OVERDUE_INTERVALS = 3


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 while every enabled market ticked within 3 intervals; 503 otherwise or when none is set up."""
    now = timezone.now()
    markets, overdue = [], []
    for config in MarketMakerConfig.objects.select_related("market").order_by("market__ticker"):
        limit = timedelta(milliseconds=config.interval_ms * OVERDUE_INTERVALS)
        late = config.enabled and (config.last_tick_at is None or now - config.last_tick_at > limit)
        if late:
            overdue.append(config.market.ticker)
        inventory = maker_inventory(config)
        markets.append({
            "ticker": config.market.ticker,
            "enabled": config.enabled,
            "market_status": config.market.status,
            "interval_ms": config.interval_ms,
            "last_tick_time": config.last_tick_at.isoformat() if config.last_tick_at else None,
            "overdue": late,
            "fair_value": config.fair_value_cents,
            "quotes_live": inventory["quotes_live"],
            "quoted_fp": count_to_fp(inventory["quoted_count"]),
            "inventory": count_to_contracts(inventory["position"]),
            "inventory_fp": count_to_fp(inventory["position"]),
            "last_tick": config.last_tick_note,
        })
    if not markets:
        status, reason = "unhealthy", "no market maker is configured yet"
    elif overdue:
        status, reason = "unhealthy", f"ticks overdue on {', '.join(overdue)}"
    else:
        status, reason = "ok", ""
    body = {"status": status, "reason": reason, "checked_at": now.isoformat(), "markets": markets}
    return JsonResponse(body, status=200 if status == "ok" else 503)
