"""Query parameter parsing for the public endpoints: every bad value becomes a 400 in Kalshi's shape."""

from datetime import UTC, datetime

from exchange.engine.rejects import RejectCode
from exchange.engine.units import UnitError, parse_integer
from exchange.services.errors import ExchangeError

# Unix seconds that datetime can represent on every platform (years 1..9999).
_MIN_TS, _MAX_TS = -62135596800, 253402300799


def bad(message: str) -> ExchangeError:
    return ExchangeError(RejectCode.INVALID_PARAMETER, message)


def int_param(params, name: str, *, required: bool = False, default: int | None = None,
              minimum: int | None = None, maximum: int | None = None) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        if required:
            raise bad(f"{name} is required")
        return default
    try:
        value = parse_integer(raw)
    except UnitError:
        raise bad(f"{name} must be an integer") from None
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        raise bad(f"{name} must be between {minimum} and {maximum}")
    return value


def ts_param(params, name: str, *, required: bool = False) -> int | None:
    """Unix seconds."""
    return int_param(params, name, required=required, minimum=_MIN_TS, maximum=_MAX_TS)


def ts_datetime(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def bool_param(params, name: str, default: bool = False) -> bool:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    value = raw.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise bad(f"{name} must be true or false")


def list_param(params, name: str) -> list[str]:
    """Repeated (`a=1&a=2`) or comma-separated (`a=1,2`) values, in order, without duplicates."""
    values: list[str] = []
    for raw in params.getlist(name):
        for item in raw.split(","):
            item = item.strip()
            if item and item not in values:
                values.append(item)
    return values
