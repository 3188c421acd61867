"""Price level structures (which prices are valid) and count granularity."""

from exchange.engine.units import CENT, ONE_CONTRACT, ONE_DOLLAR

# Each structure: a list of (start, end, tick) ranges, in $0.0001, end inclusive.
PRICE_LEVEL_STRUCTURES: dict[str, tuple[tuple[int, int, int], ...]] = {
    "linear_cent": ((CENT, ONE_DOLLAR - CENT, CENT),),
    "deci_cent": ((10, ONE_DOLLAR - 10, 10),),
    "tapered_deci_cent": (
        (10, 1000, 10),
        (1000, 9000, CENT),
        (9000, ONE_DOLLAR - 10, 10),
    ),
}


def price_ranges(structure: str) -> tuple[tuple[int, int, int], ...]:
    return PRICE_LEVEL_STRUCTURES[structure]


# Every valid price of each structure, built once: checking an order is then one set lookup.
VALID_PRICES: dict[str, frozenset[int]] = {
    name: frozenset(price for start, end, tick in ranges for price in range(start, end + 1, tick))
    for name, ranges in PRICE_LEVEL_STRUCTURES.items()
}


def is_valid_price(structure: str, price: int) -> bool:
    return price in VALID_PRICES[structure]


def is_valid_count(count: int, fractional: bool) -> bool:
    if count <= 0:
        return False
    return fractional or count % ONE_CONTRACT == 0
