"""Order entry over FIX: NewOrderSingle, OrderCancelRequest, OrderCancelReplaceRequest and
OrderMassCancelRequest parsed into the same `exchange.services` calls REST makes.

Commands go to the sequencer (`aexecute`); the reads here are synchronous (the transport runs them
in worker threads). Successful changes are reported from their committed events like every other change; only refusals
are answered here.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError
from django.utils import timezone

from exchange import sequencer
from exchange.engine.rejects import RejectCode
from exchange.engine.units import UnitError, cents_to_price, dollars_to_units, fp_to_count
from exchange.fix import codec
from exchange.fix.codec import Message
from exchange.models import Order
from exchange.sequencer import EngineUnavailable
from exchange.services import ExchangeError, OrderRequest

TIME_IN_FORCE = {"1": "good_till_canceled", "3": "immediate_or_cancel", "4": "fill_or_kill",
                 "0": "good_till_canceled", "6": "good_till_canceled"}
STP = {"0": "taker_at_cross", "1": "taker_at_cross", "2": "maker"}
TRADING_DAY_TZ = ZoneInfo("America/New_York")
# The same bounds as REST's subaccount and client_order_id (the column's length on every database).
MAX_SUBACCOUNT = 63
MAX_CL_ORD_ID = Order._meta.get_field("client_order_id").max_length


@dataclass(frozen=True)
class Refused:
    """The exchange refused the request; `code` goes through the one FIX reject table."""

    code: RejectCode
    text: str
    order_id: str = "NONE"
    ord_status: str = "8"


def parse_price(text: str, dollars: bool) -> int:
    """Price (44) in cents, or in dollars with UseDollars, to $0.0001 units."""
    return dollars_to_units(text) if dollars else cents_to_price(text)


def cl_ord_id(msg: Message) -> str:
    """ClOrdID (11), which becomes the order's client_order_id."""
    value = msg.get(11) or ""
    if len(value) > MAX_CL_ORD_ID:
        raise ExchangeError(RejectCode.INVALID_PARAMETER, f"ClOrdID (11) is longer than {MAX_CL_ORD_ID} characters")
    return value


def end_of_trading_day(now: datetime) -> datetime:
    local = now.astimezone(TRADING_DAY_TZ)
    return datetime.combine(local.date() + timedelta(days=1), time(0), TRADING_DAY_TZ)


def order_request(msg: Message, dollars: bool, *, now: datetime | None = None,
                  rt_session: str | None = None) -> OrderRequest:
    """A NewOrderSingle as an OrderRequest (`rt_session`: the retransmission session that owns its
    reports); raises ExchangeError for values the exchange cannot take."""
    now = now or timezone.now()
    if msg.get(40) != "2":
        raise ExchangeError(RejectCode.INVALID_PARAMETER, "OrdType (40) must be 2 (limit)")
    side = msg.get(54)
    if side not in ("1", "2"):
        raise ExchangeError(RejectCode.INVALID_PARAMETER, "Side (54) must be 1 (buy yes) or 2 (sell yes)")
    tif = msg.get(59) or "1"
    if tif not in TIME_IN_FORCE:
        raise ExchangeError(RejectCode.INVALID_PARAMETER, f"TimeInForce (59) {tif} is not supported")
    try:
        count = fp_to_count(msg.get(38))
        price = parse_price(msg.get(44), dollars)
        max_cost = parse_price(msg.get(21009), dollars) if msg.get(21009) else None
    except (UnitError, ValueError) as exc:
        raise ExchangeError(RejectCode.INVALID_PARAMETER, str(exc)) from None
    subaccount = msg.get(79) or "0"
    if not (subaccount.isascii() and subaccount.isdigit() and int(subaccount) <= MAX_SUBACCOUNT):
        raise ExchangeError(RejectCode.INVALID_PARAMETER,
                            f"Account (79) must be a subaccount from 0 to {MAX_SUBACCOUNT}")
    expiration = None
    if tif == "0":
        expiration = end_of_trading_day(now)
    elif tif == "6":
        if not msg.get(126):
            raise ExchangeError(RejectCode.INVALID_PARAMETER, "ExpireTime (126) is required with TimeInForce 6")
        try:
            expiration = codec.parse_time(msg.get(126))
        except ValueError:
            raise ExchangeError(RejectCode.INVALID_PARAMETER, "ExpireTime (126) is not a UTCTimestamp") from None
    stp = STP.get(msg.get(2964) or "0")
    if stp is None:
        raise ExchangeError(RejectCode.INVALID_PARAMETER, "SelfTradePreventionType (2964) must be 0, 1 or 2")
    return OrderRequest(
        ticker=msg.get(55), side="yes", action="buy" if side == "1" else "sell", yes_price=price, count=count,
        time_in_force=TIME_IN_FORCE[tif], expiration_time=expiration, post_only="6" in (msg.get(18) or "").split(),
        self_trade_prevention_type=stp, max_cost=max_cost, client_order_id=cl_ord_id(msg),
        order_group_id=msg.get(20130), cancel_order_on_pause=msg.get(21006) == "Y", subaccount=int(subaccount),
        source="fix", rt_session=rt_session,
    )


async def new_order(user: AbstractBaseUser, msg: Message, dollars: bool, rt_session: str | None,
                    ) -> Order | Refused:
    """Place the order; `rt_session` names the retransmission session that owns its reports (recorded
    in the order's own commit)."""
    try:
        request = order_request(msg, dollars, rt_session=rt_session)
        return await sequencer.aexecute("order_create", user_id=user.pk, request=request)
    except ExchangeError as error:
        # A killed fill-or-kill is refused too, but keeps its canceled record (its ClOrdID stays used).
        return Refused(error.code, error.message)
    except UNAVAILABLE as error:
        return _unavailable(error)


def find_order(user: AbstractBaseUser, msg: Message, aliases: dict[str, str]) -> Order | None:
    """The order a cancel or replace names: OrderID (37), else OrigClOrdID (41) as this session or
    the user's open orders know it."""
    order_id = msg.get(37) or aliases.get(msg.get(41) or "")
    orders = Order.objects.filter(user=user)
    if order_id:
        try:
            return orders.filter(pk=uuid.UUID(order_id)).first()
        except ValueError:
            return None
    orig = msg.get(41) or ""
    return (orders.filter(client_order_id=orig, status=Order.Status.RESTING).first()
            or orders.filter(client_order_id=orig).order_by("-created_at").first())


async def cancel(user: AbstractBaseUser, order: Order) -> Order | Refused:
    try:
        return await sequencer.aexecute("order_cancel", user_id=user.pk, order_id=str(order.id))
    except ExchangeError as error:
        return Refused(error.code, error.message, str(order.id), _ord_status(order))
    except UNAVAILABLE as error:
        return _unavailable(error, order)


async def replace(user: AbstractBaseUser, order: Order, msg: Message, dollars: bool, rt_session: str | None,
                  ) -> Order | Refused:
    """Price and/or quantity change; a pure size decrease keeps the order's place (order_decrease). The
    replacing session, if a retransmission one, owns the order's reports from then on."""
    try:
        name, kwargs = replace_command(order, msg, dollars)
        result = await sequencer.aexecute(name, user_id=user.pk, rt_session=rt_session, **kwargs)
    except ExchangeError as error:
        return Refused(error.code, error.message, str(order.id), _ord_status(order))
    except UNAVAILABLE as error:
        return _unavailable(error, order)
    return result[1] if isinstance(result, tuple) else result  # order_amend answers (before, after)


def replace_command(order: Order, msg: Message, dollars: bool) -> tuple[str, dict]:
    """The service call an OrderCancelReplaceRequest makes of `order`: (name, kwargs without the user)."""
    try:
        total = fp_to_count(msg.get(38))
        price = parse_price(msg.get(44), dollars) if msg.get(44) else order.price
    except (UnitError, ValueError) as exc:
        raise ExchangeError(RejectCode.INVALID_PARAMETER, str(exc)) from None
    if order.status != Order.Status.RESTING:
        raise ExchangeError(RejectCode.ORDER_NOT_RESTING, f"order is {order.status}")
    if price == order.price and order.fill_count < total < order.fill_count + order.remaining_count:
        return "order_decrease", {"order_id": str(order.id), "reduce_to": total - order.fill_count,
                                  "client_order_id": cl_ord_id(msg)}
    return "order_amend", {"order_id": str(order.id), "yes_price": price, "count": total,
                           "client_order_id": cl_ord_id(msg)}


def fix_resting_ids(user: AbstractBaseUser) -> list[str]:
    """The user's resting orders placed over FIX (what an OrderMassCancelRequest cancels)."""
    return [str(i) for i in Order.objects.filter(user=user, status=Order.Status.RESTING, source="fix")
            .values_list("id", flat=True)]


async def cancel_orders(user: AbstractBaseUser, order_ids: list[str]) -> list[Order]:
    """Cancel these orders of the user's that still rest (mass cancel, CancelOrdersOnDisconnect)."""
    if not order_ids:
        return []
    return await sequencer.aexecute("orders_cancel_all", user_id=user.pk, only=order_ids)


def _ord_status(order: Order) -> str:
    if order.status == Order.Status.EXECUTED:
        return "2"
    if order.status == Order.Status.CANCELED:
        return "4"
    return "1" if order.fill_count else "0"


# The engine or its database could not take a command: the session gets a reject, not a Logout.
UNAVAILABLE = (EngineUnavailable, DatabaseError)


def _unavailable(error: Exception, order: Order | None = None) -> Refused:
    maybe = getattr(error, "maybe_applied", True)
    message = ("the exchange did not confirm the command and may have carried it out; ask for the order's "
               "status before sending it again" if maybe else "the exchange is unavailable; send it again")
    if order is None:
        return Refused(RejectCode.EXCHANGE_PAUSED, message)
    return Refused(RejectCode.EXCHANGE_PAUSED, message, str(order.id), _ord_status(order))
