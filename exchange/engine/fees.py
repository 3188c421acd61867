"""Kalshi's trading fees: rate x C x P x (1-P), and how each fill's fee is rounded.

`FeeSchedule.fee` is the fee of a whole order's basis rounded up to the cent (what a single fill
would cost; reservations use it). Each fill is charged as Kalshi's fee-rounding rules say: its trade
fee rounded up to $0.0001, plus the rounding fee that keeps the balance a whole cent, less a one-cent
rebate whenever the order's accumulated rounding exceeds a cent; so an order's fees converge to the
fee of a single equivalent fill.
"""

from dataclasses import dataclass

from exchange.engine.units import CENT

# Rates in parts per million: taker 7%, maker 1.75%; "flat" series use Kalshi's specific 3.5% table.
TAKER_PPM = 70_000
MAKER_PPM = 17_500
SPECIFIC_TAKER_PPM = 35_000
MULTIPLIER_ONE = 10_000  # fee_multiplier is stored in 1/10,000
# basis = count x P x (1-P) in (1/100) x (1/1e4) x (1/1e4) = 1e-10 dollars = 1e-8 cents.
_DENOMINATOR = 10**6 * MULTIPLIER_ONE * 10**8  # ppm x multiplier x basis -> cents
_UNIT_DENOMINATOR = _DENOMINATOR // CENT  # ... -> $0.0001


@dataclass(frozen=True, slots=True)
class FillFee:
    """One fill's fee in Kalshi's three components ($0.0001) and the order's accumulator after it."""

    trade: int
    rounding: int
    rebate: int
    accumulator: int

    @property
    def net(self) -> int:
        return self.trade + self.rounding - self.rebate


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    taker_ppm: int
    maker_ppm: int
    multiplier: int = MULTIPLIER_ONE

    @classmethod
    def for_series(cls, fee_type: str, multiplier: int = MULTIPLIER_ONE) -> "FeeSchedule":
        if fee_type == "flat":
            return cls(SPECIFIC_TAKER_PPM, 0, multiplier)
        maker = MAKER_PPM if fee_type.startswith("quadratic_with") else 0
        return cls(TAKER_PPM, maker, multiplier)

    def fee(self, basis: int, *, taker: bool) -> int:
        """Fee in $0.0001 for an accumulated basis, rounded up to the cent."""
        ppm = self.taker_ppm if taker else self.maker_ppm
        numerator = ppm * self.multiplier * basis
        cents = -(-numerator // _DENOMINATOR)
        return cents * CENT

    def trade_fee(self, basis: int, *, taker: bool) -> int:
        """A fill's trade fee in $0.0001, rounded up to the centicent."""
        ppm = self.taker_ppm if taker else self.maker_ppm
        return -(-(ppm * self.multiplier * basis) // _UNIT_DENOMINATOR)

    def fill_fee(self, basis: int, *, taker: bool, revenue: int, accumulator: int,
                 precision: int = CENT) -> FillFee:
        """The fee of one fill whose cash `revenue` (negative when paying) is in $0.0001, given the order's
        rounding accumulator; `precision` is the account's balance precision (a cent unless direct member)."""
        trade = self.trade_fee(basis, taker=taker)
        change = revenue - trade
        rounding = change - (change // precision) * precision
        accumulator += rounding
        # A whole-cent rebate once a full cent has been overpaid (so the order's total converges to a single
        # fill's fee), never making a fill's net fee negative.
        rebate = CENT if accumulator >= CENT and trade + rounding >= CENT else 0
        return FillFee(trade, rounding, rebate, accumulator - rebate)

    def worst_case(self, price: int, count: int, *, side_is_bid: bool) -> int:
        """Most an order could pay in fees at any price it can execute at.

        Taking everything costs the most; an order that partly takes and partly makes pays
        ceil(taker part) + ceil(maker part), which is at most one cent more than that.
        """
        worst_price = min(price, 5_000) if side_is_bid else max(price, 5_000)
        taker = self.fee(fee_basis(worst_price, count), taker=True)
        return taker + (CENT if self.maker_ppm and taker else 0)


def fee_basis(price: int, count: int) -> int:
    return count * price * (10_000 - price)
