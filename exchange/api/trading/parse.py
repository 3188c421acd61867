"""Reading request bodies and query strings strictly: wrong types and out-of-range values become
Kalshi-shaped 400s (never a 500), unknown fields are ignored."""

from datetime import UTC, datetime

from exchange.engine.rejects import RejectCode
from exchange.engine.units import (
    ONE_DOLLAR,
    UnitError,
    count_from_contracts,
    dollars_to_units,
    fp_to_count,
    parse_integer,
    price_from_cents,
)
from exchange.services.errors import ExchangeError

# Bounds that keep every value inside the database's 64-bit columns.
MAX_CONTRACTS = 1_000_000_000
MAX_CENTS = 10**12
MAX_TS = 253_402_300_799  # 9999-12-31T23:59:59Z


def invalid(message: str, code: RejectCode = RejectCode.INVALID_PARAMETER) -> ExchangeError:
    return ExchangeError(code, message)


class Body:
    """A JSON object from a request, read field by field."""

    def __init__(self, data: object, where: str = "request body") -> None:
        if not isinstance(data, dict):
            raise invalid(f"{where} must be a JSON object")
        self.data = data

    def has(self, name: str) -> bool:
        return self.data.get(name) is not None

    def text(self, name: str, *, required: bool = False, default: str = "", max_length: int = 256) -> str:
        value = self.data.get(name)
        if value is None:
            if required:
                raise invalid(f"{name} is required")
            return default
        if not isinstance(value, str):
            raise invalid(f"{name} must be a string")
        if len(value) > max_length:
            raise invalid(f"{name} is longer than {max_length} characters")
        return value

    def choice(self, name: str, choices: tuple[str, ...], *, required: bool = False, default: str = "") -> str:
        value = self.text(name, required=required, default=default)
        if value not in choices and not (value == default and not required):
            raise invalid(f"{name} must be one of {', '.join(choices)}")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise invalid(f"{name} must be a boolean")
        return value

    def integer(self, name: str, *, low: int = 0, high: int = MAX_CENTS, code: RejectCode = RejectCode.INVALID_PARAMETER
            ) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(f"{name} must be an integer", code)
        if not low <= value <= high:
            raise invalid(f"{name} must be between {low} and {high}", code)
        return value

    def count_fp(self, name: str) -> int | None:
        """A count given as a fixed-point string ("10.00"); integers are accepted too."""
        value = self.data.get(name)
        if value is None:
            return None
        return parse_count_fp(value, name)

    def dollars(self, name: str, code: RejectCode = RejectCode.INVALID_PRICE) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise invalid(f"{name} must be a dollar string such as \"0.4500\"", code)
        try:
            units = dollars_to_units(value)
        except UnitError:
            raise invalid(f"{name} is not a dollar amount with at most 4 decimals", code) from None
        if abs(units) > MAX_CENTS * 100:
            raise invalid(f"{name} is out of range", code)
        return units

    def items(self, name: str, *, required: bool = False, max_items: int = 1000) -> list:
        value = self.data.get(name)
        if value is None:
            if required:
                raise invalid(f"{name} is required")
            return []
        if not isinstance(value, list):
            raise invalid(f"{name} must be a list")
        if len(value) > max_items:
            raise invalid(f"{name} may hold at most {max_items} items")
        return value


def parse_count_fp(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise invalid(f"{name} must be a count string such as \"10.00\"", RejectCode.INVALID_COUNT)
    try:
        count = fp_to_count(value)
    except UnitError:
        raise invalid(f"{name} is not a count with at most 2 decimals", RejectCode.INVALID_COUNT) from None
    if not 0 <= count <= count_from_contracts(MAX_CONTRACTS):
        raise invalid(f"{name} is out of range", RejectCode.INVALID_COUNT)
    return count


def legacy_count(body: Body, name: str, required: bool = True) -> int | None:
    """`name` (whole contracts) and/or `name_fp`; when both are given they must agree."""
    whole = body.integer(name, high=MAX_CONTRACTS, code=RejectCode.INVALID_COUNT)
    fp = body.count_fp(f"{name}_fp")
    if whole is not None and fp is not None and count_from_contracts(whole) != fp:
        raise invalid(f"{name} and {name}_fp disagree", RejectCode.INVALID_COUNT)
    if whole is None and fp is None:
        if required:
            raise invalid(f"{name} or {name}_fp is required", RejectCode.INVALID_COUNT)
        return None
    return fp if fp is not None else count_from_contracts(whole)


def legacy_yes_price(body: Body, required: bool = True) -> int | None:
    """Exactly one of yes_price / no_price (cents) / yes_price_dollars / no_price_dollars, as a YES price."""
    given = [name for name in ("yes_price", "no_price", "yes_price_dollars", "no_price_dollars") if body.has(name)]
    if not given:
        if required:
            raise invalid("one of yes_price, no_price, yes_price_dollars, no_price_dollars is required",
                          RejectCode.INVALID_PRICE)
        return None
    if len(given) > 1:
        raise invalid(f"give exactly one price field, not {', '.join(given)}", RejectCode.INVALID_PRICE)
    name = given[0]
    if name.endswith("_dollars"):
        units = body.dollars(name)
    else:
        units = price_from_cents(body.integer(name, low=1, high=99, code=RejectCode.INVALID_PRICE))
    if not 0 < units < ONE_DOLLAR:
        raise invalid(f"{name} must be strictly between 0 and 1 dollar", RejectCode.INVALID_PRICE)
    return units if name.startswith("yes") else ONE_DOLLAR - units


def timestamp_s(body: Body, name: str) -> datetime | None:
    seconds = body.integer(name, low=0, high=MAX_TS)
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)


def query_int(params, name: str, *, low: int = 0, high: int = MAX_TS) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = parse_integer(raw)
    except UnitError:
        raise invalid(f"{name} must be an integer") from None
    if not low <= value <= high:
        raise invalid(f"{name} must be between {low} and {high}")
    return value


def query_list(params, name: str) -> list[str]:
    """A comma-separated query parameter."""
    return [item for item in (params.get(name) or "").split(",") if item]
