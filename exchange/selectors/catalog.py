"""Catalog reads: markets with the day-over-day figures Kalshi's market objects carry."""

from datetime import datetime, timedelta

from django.db.models import BigIntegerField, F, JSONField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from exchange.engine.units import ONE_DOLLAR
from exchange.models import Market, MarketEvent, Order, Trade


def markets_with_day_stats(query: QuerySet[Market], *, now: datetime) -> QuerySet[Market]:
    """Annotate `volume_24h`, `day_ago` (the last ticker state a day ago, or None) and the resting
    notional on each side (`bid_value`, `ask_value`, in $0.0001 x hundredths of a contract)."""
    day_ago = now - timedelta(days=1)
    volume = (Trade.objects.filter(market=OuterRef("pk"), created_at__gt=day_ago)
              .order_by().values("market").annotate(total=Sum("count")).values("total"))
    previous = (MarketEvent.objects.filter(market=OuterRef("pk"), kind=MarketEvent.Kind.TICKER,
                                           created_at__lte=day_ago)
                .order_by("-id").values("payload")[:1])
    resting = Order.objects.filter(market=OuterRef("pk"), status=Order.Status.RESTING).order_by().values("market")
    bid_value = (resting.filter(book_side="bid")
                 .annotate(total=Sum(F("price") * F("remaining_count"))).values("total"))
    ask_value = (resting.filter(book_side="ask")
                 .annotate(total=Sum((Value(ONE_DOLLAR) - F("price")) * F("remaining_count"))).values("total"))
    big = BigIntegerField()
    return query.select_related("event__series").annotate(
        volume_24h=Coalesce(Subquery(volume, output_field=big), Value(0), output_field=big),
        day_ago=Subquery(previous, output_field=JSONField()),
        bid_value=Coalesce(Subquery(bid_value, output_field=big), Value(0), output_field=big),
        ask_value=Coalesce(Subquery(ask_value, output_field=big), Value(0), output_field=big),
    )
