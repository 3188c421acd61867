"""Template filters that show the exchange's integer units the way Kalshi's pages do."""

from django import template

from exchange.engine.units import ONE_CONTRACT, ONE_DOLLAR, count_to_fp, units_to_dollars

register = template.Library()


@register.filter
def dollars(units: int | None) -> str:
    """$0.0001 units as "$1,234.56" (four decimals kept only when they are not zero)."""
    if units is None:
        return "—"
    whole, fraction = units_to_dollars(abs(units)).split(".")
    fraction = fraction[:2] if fraction.endswith("00") else fraction
    return f"{'-' if units < 0 else ''}${int(whole):,}.{fraction}"


@register.filter
def cents(price: int | None) -> str:
    """A price as "47¢" (sub-cent prices keep their decimals)."""
    if not price:
        return "—"
    whole, part = divmod(price, 100)
    return f"{whole}¢" if not part else f"{whole}.{part:02d}".rstrip("0") + "¢"


@register.filter
def no_price(yes_price: int) -> int:
    return ONE_DOLLAR - yes_price


@register.filter
def contracts(count: int | None) -> str:
    """Hundredths of a contract as "10" or "2.5"."""
    if count is None:
        return "—"
    if count % ONE_CONTRACT == 0:
        return str(count // ONE_CONTRACT)
    return count_to_fp(count).rstrip("0")


@register.filter
def side_price(order, side: str | None = None) -> int:
    """An order's or fill's price in its own side's terms (a NO order's NO price)."""
    return order.price if (side or order.side) == "yes" else ONE_DOLLAR - order.price
