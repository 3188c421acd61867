"""Kalshi's trading fees: ceil(rate x C x P x (1-P)), rounded up to the cent.

Fees accrue on a per-order basis `sum(C x P x (10000-P))` so that rounding up happens once per
order and side (taker or maker), not once per fill: the charge for a fill is the rounded fee of the
basis after it minus that of the basis before.
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

    def charge(self, basis_before: int, basis_added: int, *, taker: bool) -> int:
        return self.fee(basis_before + basis_added, taker=taker) - self.fee(basis_before, taker=taker)

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
