"""FIX report flags over TCP: Logon 21026 (AlwaysEmitNewBeforeTrade) and 21012 (UseExpiredOrdStatus), at the
API dates of their production changes. kalshi-sdk's FIX client cannot send either flag, so a raw client does."""

from datetime import timedelta

import pytest
from django.utils import timezone

from exchange import services
from exchange.api_changes import ENTRIES, Change
from exchange.engine.units import price_from_cents
from exchange.fix.session import Target
from exchange.models import Order
from tests.fix.test_session_layer import order
from tests.support.factories import make_api_key, make_market, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def day_before(change: Change) -> str:
    return (ENTRIES[change].date - timedelta(days=1)).isoformat()


def taking_order_reports(raw, flags: dict[int, str]) -> list[str]:
    """ExecTypes of the first two reports for an order that takes liquidity as it arrives."""
    maker, user = make_user(), make_user()
    market = make_market()
    services.order_create(user=maker, request=services.OrderRequest(
        ticker=market.ticker, side="yes", action="sell", yes_price=price_from_cents(40), count=200))
    client = raw(Target.NR, *make_api_key(user))
    assert client.logon(options=flags).msg_type == "A"
    client.send("D", order(market.ticker, "take-1", price="45", qty="1"))
    first = client.expect("8")
    return [first.get(150), first.get(39)] + ([client.expect("8").get(150)] if first.get(150) == "0" else [])


def test_new_is_folded_into_the_first_trade_by_default(raw):
    """Without 21026 an order that takes on arrival gets its Trade (150=F, 39=2) as its first report.

    Evidence: https://docs.kalshi.com/fix/changelog 1.0.22 (2026-04-28),
    "Without 21026, the New ack continues to be folded into
    the first Trade report".
    """
    assert taking_order_reports(raw, {}) == ["F", "2"]


def test_always_emit_new_before_trade_sends_new_first(raw):
    """With 21026=Y the same order gets a standalone New (150=0) and then its Trade.

    Evidence: https://docs.kalshi.com/fix/changelog 1.0.22 (2026-04-28),
    "With Logon flag 21026=Y, the gateway always emits a
    standalone New<0> execution report before any Trade<F> report".
    """
    assert taking_order_reports(raw, {21026: "Y"}) == ["0", "0", "F"]


def test_always_emit_new_before_trade_is_unknown_before_its_date(raw, settings):
    """The day before 2026-04-28 production had no 21026: the New is folded even when the flag is sent.

    Evidence: https://docs.kalshi.com/fix/changelog 1.0.22 (2026-04-28) added the flag.
    """
    settings.KALSHI_API_DATE = day_before(Change.FIX_ALWAYS_EMIT_NEW_BEFORE_TRADE_FLAG)
    assert taking_order_reports(raw, {21026: "Y"}) == ["F", "2"]


def cancel_report(raw, flags: dict[int, str], *, expire: bool) -> tuple[str, str]:
    """(150, 39) of the report for a resting order canceled by its expiry or by its market closing."""
    user, market = make_user(), make_market()
    client = raw(Target.NR, *make_api_key(user))
    assert client.logon(options=flags).msg_type == "A"
    client.send("D", order(market.ticker, "rest-1"))
    order_id = client.expect("8").get(37)
    if expire:
        Order.objects.filter(pk=order_id).update(expiration_time=timezone.now() - timedelta(seconds=1))
        services.orders_expire(now=timezone.now())
    else:
        services.market_close(ticker=market.ticker)
    report = client.expect("8")
    return report.get(150), report.get(39)


@pytest.mark.parametrize("expire", [True, False], ids=["expiry", "close"])
def test_expiry_and_close_cancels_report_canceled_by_default(raw, expire):
    """Without 21012, an order expiring or canceled by its market closing reports Canceled (150=4, 39=4).

    Evidence: https://docs.kalshi.com/fix/changelog 1.0.20 (2026-03-01),
    "Without 21012, behavior remains Canceled<4> for
    compatibility".
    """
    assert cancel_report(raw, {}, expire=expire) == ("4", "4")


@pytest.mark.parametrize("expire", [True, False], ids=["expiry", "close"])
def test_use_expired_ord_status_reports_expired(raw, expire):
    """With 21012=Y both expiry and close cancels report Expired (150=C, 39=C).

    Evidence: https://docs.kalshi.com/fix/changelog 1.0.20 (2026-03-01),
    "With Logon flag 21012=Y, both CloseCancel and
    OrderExpiryCancel emit ExecType(150)=C and OrdStatus(39)=C".
    """
    assert cancel_report(raw, {21012: "Y"}, expire=expire) == ("C", "C")


def test_expiry_cancels_join_21012_on_their_date(raw, settings):
    """The day before 2026-03-01, 21012=Y turned close cancels into Expired but not expiry cancels.

    Evidence: https://docs.kalshi.com/fix/changelog 1.0.20 (2026-03-01),
    "Added OrderExpiryCancel support for expired status
    mapping" (close cancels had it before).
    """
    settings.KALSHI_API_DATE = day_before(Change.FIX_EXPIRY_CANCEL_EXPIRED_FLAG)
    assert cancel_report(raw, {21012: "Y"}, expire=True) == ("4", "4")
    assert cancel_report(raw, {21012: "Y"}, expire=False) == ("C", "C")
