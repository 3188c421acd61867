"""The exchange's durable invariants, checked from the tables after concurrent or interrupted trading."""

from django.db.models import Count, Max, Min, Q, Sum

from exchange.engine.fees import FeeSchedule
from exchange.engine.ledger import required_reserve
from exchange.models import Account, Fill, Market, MarketEvent, Order, Position, Trade


def total_money() -> int:
    """Cash + $1 per outstanding YES/NO pair + fees collected: constant except for deposits."""
    cash = Account.objects.aggregate(total=Sum("balance"))["total"] or 0
    pairs = Position.objects.filter(position__gt=0).aggregate(total=Sum("position"))["total"] or 0
    fees = Fill.objects.aggregate(total=Sum("fee"))["total"] or 0
    return cash + pairs * 100 + fees


def assert_invariants(tickers: list[str], *, money: int) -> None:
    """No crossed book, market counters add up, book_seq contiguous, no half-applied order, fills pair
    with trades, reservations equal the resting orders' reserves, and money conserved to $0.0001."""
    for market in Market.objects.filter(ticker__in=tickers):
        resting = Order.objects.filter(market=market, status="resting")
        best_bid = resting.filter(book_side="bid").aggregate(p=Max("price"))["p"]
        best_ask = resting.filter(book_side="ask").aggregate(p=Min("price"))["p"]
        assert best_bid is None or best_ask is None or best_bid < best_ask, market.ticker
        volume = Trade.objects.filter(market=market).aggregate(v=Sum("count"))["v"] or 0
        assert market.volume == volume, market.ticker
        long = Position.objects.filter(market=market, position__gt=0).aggregate(s=Sum("position"))["s"] or 0
        short = Position.objects.filter(market=market, position__lt=0).aggregate(s=Sum("position"))["s"] or 0
        assert market.open_interest == long == -short, market.ticker
        seqs = sorted(MarketEvent.objects.filter(market=market, kind="book").values_list("book_seq", flat=True))
        assert seqs == list(range(1, market.book_seq + 1)), f"{market.ticker}: book_seq not contiguous"

    filled = dict(Fill.objects.values("order_id").annotate(n=Sum("count")).values_list("order_id", "n"))
    for order in Order.objects.all():
        assert order.fill_count == filled.get(order.id, 0), order.id
        if order.status == "canceled":
            assert order.remaining_count == 0 and order.fill_count <= order.initial_count, order.id
        else:
            assert order.fill_count + order.remaining_count == order.initial_count, order.id
        assert (order.status == "resting") == (order.remaining_count > 0), order.id

    takers = Count("id", filter=Q(is_taker=True))
    pairs = Fill.objects.values("trade_id").annotate(n=Count("id"), takers=takers, total=Sum("count"))
    counts = dict(Trade.objects.values_list("id", "count"))
    for row in pairs:
        assert row["n"] == 2 and row["takers"] == 1 and row["total"] == 2 * counts[row["trade_id"]], row
    assert len(pairs) == len(counts)

    assert total_money() == money
    for account in Account.objects.all():
        resting = Order.objects.filter(user=account.user, status="resting").select_related("market__event__series")
        expected = sum(required_reserve(o, _fees(o.market)) for o in resting)
        assert account.reserved == expected, account.user_id


def _fees(market: Market) -> FeeSchedule:
    series = market.event.series
    return FeeSchedule.for_series(series.fee_type, series.fee_multiplier)
