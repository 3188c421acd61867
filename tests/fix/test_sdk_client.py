"""kalshi-sdk's FIX client, unmodified, against the acceptor over TCP."""

import asyncio
from decimal import Decimal

import pytest
from kalshi.fix import (
    ExecutionReport,
    FixClient,
    FixConfig,
    FixSigner,
    NewOrderSingle,
    OrderCancelReject,
    OrderCancelReplaceRequest,
    OrderCancelRequest,
    Side,
    TimeInForce,
    decode_app_message,
)

from exchange import services
from exchange.engine.units import count_from_contracts, price_from_cents
from exchange.fix.session import Target
from exchange.models import Order
from tests.fix.keys import fix_key as make_api_key
from tests.support.factories import make_market, make_user

pytestmark = [pytest.mark.sdk, pytest.mark.django_db(transaction=True)]


class Inbox:
    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()

    async def __call__(self, raw) -> None:
        await self.queue.put(decode_app_message(raw))

    async def next(self, kind=ExecutionReport, timeout: float = 5.0):
        while True:
            message = await asyncio.wait_for(self.queue.get(), timeout)
            if isinstance(message, kind):
                return message


def sdk_client(acceptor, key, pem, target=Target.NR, **config) -> FixClient:
    port = acceptor.ports[target]
    return FixClient(FixSigner.from_pem(str(key.key_id), pem),
                     config=FixConfig.prediction(host="127.0.0.1", port=port, use_tls=False, **config))


def test_sdk_places_crosses_cancels_and_replaces(acceptor):
    """The SDK logs on, its resting order is hit by a REST-path order, and it cancels and replaces."""
    user, other = make_user(), make_user()
    market = make_market()
    key, pem = make_api_key(user)

    async def scenario():
        inbox = Inbox()
        async with sdk_client(acceptor, key, pem).order_entry(on_message=inbox) as session:
            await session.send(NewOrderSingle(cl_ord_id="sdk-1", order_qty=Decimal("10"), price=Decimal("45"),
                                              side=Side.BUY_YES, symbol=market.ticker,
                                              time_in_force=TimeInForce.GTC))
            new = await inbox.next()
            assert (new.exec_type, new.ord_status, new.cl_ord_id) == ("0", "0", "sdk-1")
            order_id = new.order_id

            await asyncio.to_thread(services.order_create, user=other, request=services.OrderRequest(
                ticker=market.ticker, side="yes", action="sell", yes_price=price_from_cents(45),
                count=count_from_contracts(4)))
            trade = await inbox.next()
            assert (trade.exec_type, trade.ord_status) == ("F", "1")
            assert (trade.last_qty, trade.cum_qty, trade.leaves_qty) == (Decimal("4"), Decimal("4"), Decimal("6"))
            assert trade.last_px == Decimal("45") and trade.aggressor_indicator is False
            assert trade.long_qty == Decimal("4") and trade.trd_match_id

            await session.send(OrderCancelReplaceRequest(cl_ord_id="sdk-2", orig_cl_ord_id="sdk-1",
                                                         order_qty=Decimal("12"), price=Decimal("44"),
                                                         side=Side.BUY_YES, symbol=market.ticker))
            replaced = await inbox.next()
            assert (replaced.exec_type, replaced.cl_ord_id, replaced.orig_cl_ord_id) == ("5", "sdk-2", "sdk-1")
            assert (replaced.price, replaced.leaves_qty, replaced.order_id) == (Decimal("44"), Decimal("8"), order_id)

            await session.send(OrderCancelRequest(cl_ord_id="sdk-3", orig_cl_ord_id="sdk-2", side=Side.BUY_YES,
                                                  symbol=market.ticker))
            canceled = await inbox.next()
            assert (canceled.exec_type, canceled.ord_status, canceled.cl_ord_id) == ("4", "4", "sdk-3")

            await session.send(OrderCancelRequest(cl_ord_id="sdk-4", orig_cl_ord_id="sdk-2", side=Side.BUY_YES,
                                                  symbol=market.ticker))
            reject = await inbox.next(OrderCancelReject)
            assert reject.cxl_rej_reason == 0 and reject.ord_status == "4"

    asyncio.run(scenario())
    order = Order.objects.get(client_order_id="sdk-2")
    assert (order.status, order.source, order.fill_count) == ("canceled", "fix", 400)


def test_sdk_order_crosses_with_dollars(acceptor):
    """With UseDollars the SDK's prices are dollars; its aggressive order fills at once, and (without Logon
    21026) its first report is that Trade, which also acknowledges it: no standalone New.

    Evidence: https://docs.kalshi.com/fix/changelog version 1.0.22 (2026-04-28): "Without 21026, the New ack
    continues to be folded into the first Trade report when both events arrive in the same batch".
    """
    maker, taker = make_user(), make_user()
    market = make_market()
    services.order_create(user=maker, request=services.OrderRequest(
        ticker=market.ticker, side="yes", action="sell", yes_price=price_from_cents(60), count=500))
    key, pem = make_api_key(taker)

    async def scenario():
        inbox = Inbox()
        async with sdk_client(acceptor, key, pem, use_dollars=True).order_entry(on_message=inbox) as session:
            await session.send(NewOrderSingle(cl_ord_id="d-1", order_qty=Decimal("5"), price=Decimal("0.65"),
                                              side=Side.BUY_YES, symbol=market.ticker,
                                              time_in_force=TimeInForce.IMMEDIATE_OR_CANCEL
                                              if hasattr(TimeInForce, "IMMEDIATE_OR_CANCEL") else TimeInForce.IOC))
            trade = await inbox.next()
            assert (trade.exec_type, trade.ord_status, trade.last_px) == ("F", "2", Decimal("0.6000"))
            assert trade.aggressor_indicator is True and trade.misc_fees[0].misc_fee_amt > 0

    asyncio.run(scenario())


def test_sdk_rejected_order_reports_reason(acceptor):
    """An order the exchange refuses comes back as ExecType 8 with OrdRejReason and text."""
    user = make_user()
    key, pem = make_api_key(user)

    async def scenario():
        inbox = Inbox()
        async with sdk_client(acceptor, key, pem).order_entry(on_message=inbox) as session:
            await session.send(NewOrderSingle(cl_ord_id="x-1", order_qty=Decimal("1"), price=Decimal("45"),
                                              side=Side.BUY_YES, symbol="NO-SUCH-MARKET"))
            report = await inbox.next()
            assert (report.exec_type, report.ord_status, report.ord_rej_reason) == ("8", "8", 1)
            assert "market_not_found" in report.text

    asyncio.run(scenario())


def test_sdk_retransmission_session_resumes_sequence(acceptor):
    """On KalshiRT the SDK's second logon continues both sequences instead of resetting them."""
    user = make_user()
    market = make_market()
    key, pem = make_api_key(user)

    async def scenario():
        inbox = Inbox()
        session = sdk_client(acceptor, key, pem, Target.RT).order_entry(retransmission=True, on_message=inbox)
        await session.start()
        await session.send(NewOrderSingle(cl_ord_id="rt-1", order_qty=Decimal("1"), price=Decimal("30"),
                                          side=Side.BUY_YES, symbol=market.ticker))
        assert (await inbox.next()).exec_type == "0"
        await session.close()
        before = (session.inbound_seq_num, session.outbound_seq_num)
        in_before = before[0]
        await session.start()  # no ResetSeqNumFlag this time: the acceptor must continue the sequence
        for _ in range(100):  # the client asks for the Logout reply it missed; a gap fill covers it
            if session.inbound_seq_num > in_before + 1:
                break
            await asyncio.sleep(0.02)
        after = (session.inbound_seq_num, session.outbound_seq_num)
        await session.close()
        return before, after

    (in_before, out_before), (in_after, out_after) = asyncio.run(scenario())
    # Acceptor: Logon 1, report 2, Logout reply 3, Logon 4: nothing restarts at 1. Whether the client
    # saw the Logout reply before closing (else it asks for it again, and a gap fill covers it) is a race.
    assert in_before == 3 and in_after == 5
    assert out_after in (out_before + 1, out_before + 2)  # its Logon, and perhaps a ResendRequest
