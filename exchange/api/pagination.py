"""Kalshi-style cursors: opaque, `""` on the last page, never repeating."""

import base64
import binascii

from django.db.models import QuerySet

from exchange.engine.rejects import RejectCode
from exchange.engine.units import UnitError, parse_integer
from exchange.services.errors import ExchangeError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def parse_limit(raw: str | None, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    if raw in (None, ""):
        return default
    try:
        limit = parse_integer(raw)
    except UnitError:
        raise ExchangeError(RejectCode.INVALID_PARAMETER, "limit must be an integer") from None
    if not 1 <= limit <= maximum:
        raise ExchangeError(RejectCode.INVALID_PARAMETER, f"limit must be between 1 and {maximum}")
    return limit


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, value = text.split(":", 1)
        offset = int(value)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ExchangeError(RejectCode.INVALID_PARAMETER, "invalid cursor") from None
    if kind != "o" or offset < 0:
        raise ExchangeError(RejectCode.INVALID_PARAMETER, "invalid cursor")
    return offset


def paginate(query: QuerySet, *, cursor: str | None, limit: int) -> tuple[list, str]:
    """One page of an ordered queryset and the cursor of the next page ("" when there is none)."""
    offset = decode_cursor(cursor)
    rows = list(query[offset:offset + limit + 1])
    more = len(rows) > limit
    return rows[:limit], encode_cursor(offset + limit) if more else ""
