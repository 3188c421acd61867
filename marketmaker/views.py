"""Health of the market maker: when each market last ticked, its live quotes and inventory."""

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from exchange.engine.units import count_to_contracts, count_to_fp
from marketmaker.selectors import maker_statuses


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 while every enabled market ticked within 3 intervals; 503 otherwise or when none is set up."""
    now = timezone.now()
    markets = []
    for status in maker_statuses(now=now):
        config = status.config
        markets.append({
            "ticker": config.market.ticker,
            "enabled": config.enabled,
            "market_status": config.market.status,
            "interval_ms": config.interval_ms,
            "last_tick_time": config.last_tick_at.isoformat() if config.last_tick_at else None,
            "overdue": status.overdue,
            "fair_value": config.fair_value_cents,
            "quotes_live": status.quotes_live,
            "quoted_fp": count_to_fp(status.quoted_count),
            "inventory": count_to_contracts(status.position),
            "inventory_fp": count_to_fp(status.position),
            "last_tick": config.last_tick_note,
        })
    overdue = [m["ticker"] for m in markets if m["overdue"]]
    if not markets:
        status, reason = "unhealthy", "no market maker is configured yet"
    elif overdue:
        status, reason = "unhealthy", f"ticks overdue on {', '.join(overdue)}"
    else:
        status, reason = "ok", ""
    body = {"status": status, "reason": reason, "checked_at": now.isoformat(), "markets": markets}
    return JsonResponse(body, status=200 if status == "ok" else 503)
