"""Health of the Kafka relay: its lag behind the outbox."""

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from marketdata.selectors import relay_lag


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 while the oldest unrelayed event is younger than MARKETDATA["MAX_LAG_MS"]; 503 otherwise."""
    lag = relay_lag()
    limit = settings.MARKETDATA["MAX_LAG_MS"]
    if not lag.running:
        status, reason = "unhealthy", "the relay has not started"
    elif lag.oldest_unrelayed_ms > limit:
        status, reason = "unhealthy", f"oldest unrelayed event is {lag.oldest_unrelayed_ms} ms old (limit {limit})"
    else:
        status, reason = "ok", ""
    body = {
        "status": status, "reason": reason, "position": lag.position, "unrelayed": lag.unrelayed,
        "oldest_unrelayed_ms": lag.oldest_unrelayed_ms, "events_per_s": lag.events_per_s, "relayed": lag.relayed,
        "snapshots": lag.snapshots, "last_error": lag.last_error,
        "last_delivery_time": lag.last_delivery_at.isoformat() if lag.last_delivery_at else None,
    }
    return JsonResponse(body, status=200 if status == "ok" else 503)
