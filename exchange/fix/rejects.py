"""The one table from the exchange's reject codes to FIX OrdRejReason (103) and CxlRejReason (102)."""

from exchange.engine.rejects import RejectCode

# RejectCode -> (OrdRejReason, CxlRejReason)
FIX_REJECTS: dict[RejectCode, tuple[int, int]] = {
    RejectCode.INVALID_PRICE: (99, 18),
    RejectCode.INVALID_COUNT: (13, 99),
    RejectCode.POST_ONLY_CROSS: (99, 99),
    RejectCode.FILL_OR_KILL_UNFILLED: (99, 99),
    RejectCode.MAX_COST_EXCEEDED: (3, 99),
    RejectCode.REDUCE_ONLY_NO_POSITION: (99, 99),
    RejectCode.ORDER_NOT_FOUND: (99, 1),
    RejectCode.INVALID_PARAMETER: (11, 99),
    RejectCode.MARKET_NOT_FOUND: (1, 1),
    RejectCode.MARKET_NOT_ACTIVE: (2, 0),
    RejectCode.EXCHANGE_PAUSED: (2, 0),
    RejectCode.INSUFFICIENT_BALANCE: (3, 99),
    RejectCode.DUPLICATE_CLIENT_ORDER_ID: (6, 99),
    RejectCode.ORDER_NOT_RESTING: (4, 0),
    RejectCode.ORDER_GROUP_NOT_FOUND: (99, 99),
    RejectCode.ORDER_GROUP_LIMIT: (3, 99),
    RejectCode.API_KEY_NOT_FOUND: (15, 99),
    RejectCode.NOT_FOUND: (99, 1),
}


def ord_rej_reason(code: RejectCode) -> int:
    return FIX_REJECTS.get(code, (99, 99))[0]


def cxl_rej_reason(code: RejectCode) -> int:
    return FIX_REJECTS.get(code, (99, 99))[1]
