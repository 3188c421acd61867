"""Time on the wire, in the two forms Kalshi uses: Unix milliseconds and RFC 3339 UTC ending in Z."""

from datetime import UTC, datetime


def ts_ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def ms_rfc3339(ms: int) -> str:
    """RFC 3339 for a time given in Unix milliseconds (the outbox's form)."""
    return rfc3339(datetime.fromtimestamp(ms / 1000, tz=UTC))


def rfc3339(when: datetime | None) -> str | None:
    """`2026-11-24T22:46:11.123456Z` (whole seconds drop the fraction); None stays None."""
    if when is None:
        return None
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")
