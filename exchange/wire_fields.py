"""Price and count fields in Kalshi's wire forms, with the legacy integer forms while the API date has them.

Until production removed them (api_changes LEGACY_INTEGER_FIELDS_REMOVED) a price went out both as integer
cents (`yes_price`) and as a dollar string (`yes_price_dollars`), a count as whole contracts (`count`) and
as a fixed-point string (`count_fp`). REST shapes and WebSocket bodies build both and this module keeps
the legacy half only while the configured API date has it.
"""

import uuid

from exchange.api_changes import Change, in_force
from exchange.engine.units import count_to_contracts, count_to_fp, price_to_cents, units_to_dollars

# The legacy integer fields of each WebSocket message, read from Kalshi's asyncapi revisions: in the
# March-2026 one, gone from the current one.
WS_LEGACY_KEYS: dict[str, frozenset[str]] = {
    "orderbook_snapshot": frozenset({"yes", "no", "yes_dollars", "no_dollars"}),
    "orderbook_delta": frozenset({"price", "delta"}),
    "ticker": frozenset({"price", "yes_bid", "yes_ask", "volume", "open_interest"}),
    "trade": frozenset({"yes_price", "no_price", "count"}),
    "fill": frozenset({"yes_price", "count", "post_position"}),
    "market_position": frozenset({"position", "volume", "position_cost", "realized_pnl", "fees_paid",
                                  "position_fee_cost"}),
    "user_order": frozenset({"yes_price", "fill_count", "remaining_count", "initial_count"}),
    "order_group_updates": frozenset({"contracts_limit"}),
}


def legacy_integers() -> bool:
    """Whether responses still carry the legacy integer cent and count fields."""
    return not in_force(Change.LEGACY_INTEGER_FIELDS_REMOVED)


def price_fields(name: str, units: int, *, legacy: bool | None = None) -> dict:
    """`name_dollars`, and `name` in cents while legacy fields are served."""
    fields = {f"{name}_dollars": units_to_dollars(units)}
    if legacy_integers() if legacy is None else legacy:
        fields[name] = price_to_cents(units)
    return fields


def count_fields(name: str, hundredths: int, *, legacy: bool | None = None) -> dict:
    """`name_fp`, and `name` in whole contracts while legacy fields are served."""
    fields = {f"{name}_fp": count_to_fp(hundredths)}
    if legacy_integers() if legacy is None else legacy:
        fields[name] = count_to_contracts(hundredths)
    return fields


def ws_body(kind: str, msg: dict) -> dict:
    """A WebSocket `msg` of `kind` without the legacy fields the API date no longer has."""
    if legacy_integers():
        return msg
    legacy = WS_LEGACY_KEYS.get(kind, frozenset())
    return {key: value for key, value in msg.items() if key not in legacy}


def user_uuid(user_pk: int) -> str:
    """A stable UUID per user, the form of Kalshi's `user_id`; the model keys users by integer."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kalshi-sim/user/{user_pk}"))
