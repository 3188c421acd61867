"""What an order would cost before it is sent: the order ticket's preview."""

from dataclasses import dataclass

from exchange.engine.fees import FeeSchedule, fee_basis
from exchange.engine.units import ONE_CONTRACT, ONE_DOLLAR, notional
from exchange.models import Market
from exchange.services import OrderRequest


@dataclass(frozen=True)
class OrderQuote:
    price: int  # in the order's own side ($0.0001): the NO price for a NO order
    notional: int  # what a buy pays, or a sell receives, at the limit price
    taker_fee: int  # the fee if all of it executes at the limit price as a taker
    payout: int | None  # what a buy's contracts pay if its side wins; None for a sell

    @property
    def total(self) -> int:
        """A buy's cost with the fee; a sell's proceeds after it."""
        return self.notional + self.taker_fee if self.payout is not None else self.notional - self.taker_fee


def order_quote(market: Market, request: OrderRequest) -> OrderQuote:
    price = request.yes_price if request.side == "yes" else ONE_DOLLAR - request.yes_price
    series = market.event.series
    schedule = FeeSchedule.for_series(series.fee_type, series.fee_multiplier)
    cost = notional(request.side == "yes", request.yes_price, request.count)
    fee = schedule.fee(fee_basis(request.yes_price, request.count), taker=True)
    payout = request.count * ONE_DOLLAR // ONE_CONTRACT if request.action == "buy" else None
    return OrderQuote(price, cost, fee, payout)
