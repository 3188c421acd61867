"""The outbox vocabulary: every reason has a WebSocket and a FIX rendering; kinds split public/private."""

from exchange.fix.reports import EXEC_TYPES
from exchange.outbox import PRIVATE_KINDS, PUBLIC_KINDS, CancelReason, EventKind, ExecType, UpdateReason, exec_type_of
from exchange.ws.render import UPDATE_REASONS

# Kalshi's `lastUpdateReason` enum for user_orders (AsyncAPI components.schemas.lastUpdateReason,
# docs.kalshi.com asyncapi.yaml, mirrored in the project's protocol references).
KALSHI_LAST_UPDATE_REASONS = {"Decrease", "Amend", "MarginCancel", "SelfTradeCancel", "ExpiryCancel", "CloseCancel",
                              "HaltCancel", "Trade", "PostOnlyCrossCancel", "ReduceOnlyCancel"}


def test_every_update_reason_has_a_websocket_reason():
    """Each reason maps to a Kalshi lastUpdateReason or, deliberately, to none."""
    assert set(UPDATE_REASONS) == set(UpdateReason)
    assert {v for v in UPDATE_REASONS.values() if v is not None} <= KALSHI_LAST_UPDATE_REASONS


def test_every_update_reason_has_a_fix_exec_type():
    """Each reason reports as an execution type that FIX can put in ExecType (150)."""
    assert set(EXEC_TYPES) == set(ExecType)
    wire = {reason: EXEC_TYPES[exec_type_of(reason)] for reason in UpdateReason}
    assert wire[UpdateReason.PLACED] == "0" and wire[UpdateReason.FILL] == "F"
    assert wire[UpdateReason.AMEND] == wire[UpdateReason.DECREASE] == "5"
    assert wire[UpdateReason.EXPIRED] == "C" and wire[UpdateReason.USER_CANCEL] == "4"


def test_amend_and_decrease_reach_user_orders():
    """The services' amend and decrease reasons render as Amend and Decrease (they were spelled apart)."""
    assert UPDATE_REASONS["amend"] == "Amend" and UPDATE_REASONS["decrease"] == "Decrease"


def test_every_cancel_reason_is_an_update_reason():
    assert {UpdateReason.of_cancel(reason).value for reason in CancelReason} == {r.value for r in CancelReason}


def test_kinds_are_public_or_private():
    assert set(EventKind) == PUBLIC_KINDS | PRIVATE_KINDS and not PUBLIC_KINDS & PRIVATE_KINDS
