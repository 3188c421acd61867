"""How the pages print the exchange's integer units."""

import pytest

from exchange.templatetags.exchange_units import cents, contracts, dollars


@pytest.mark.parametrize(("units", "text"), [
    (0, "$0.00"), (1_800, "$0.18"), (99_981_400, "$9,998.14"), (-4_500, "-$0.45"), (12_345, "$1.2345"), (None, "—"),
])
def test_dollars(units, text):
    """Whole cents print two decimals, sub-cent amounts four; thousands are grouped."""
    assert dollars(units) == text


@pytest.mark.parametrize(("price", "text"), [(4_700, "47¢"), (4_750, "47.5¢"), (4_705, "47.05¢"), (0, "—")])
def test_cents(price, text):
    """Prices in cents, with the sub-cent part only when there is one."""
    assert cents(price) == text


@pytest.mark.parametrize(("count", "text"), [(1_000, "10"), (250, "2.5"), (205, "2.05"), (-300, "-3")])
def test_contracts(count, text):
    """Hundredths of a contract as contracts."""
    assert contracts(count) == text
