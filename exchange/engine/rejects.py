"""The one reject-code enum. Values are Kalshi's error codes; each adapter maps them to its wire form."""

from enum import StrEnum


class RejectCode(StrEnum):
    # Order validation (engine)
    INVALID_PRICE = "invalid_price"
    INVALID_COUNT = "invalid_count"
    POST_ONLY_CROSS = "post_only_rejected"
    FILL_OR_KILL_UNFILLED = "fill_or_kill_insufficient_resting_volume"
    MAX_COST_EXCEEDED = "max_cost_exceeded"
    REDUCE_ONLY_NO_POSITION = "reduce_only_no_position"
    ORDER_NOT_FOUND = "order_not_found"
    # Exchange state (services)
    INVALID_PARAMETER = "invalid_parameters"
    MARKET_NOT_FOUND = "market_not_found"
    MARKET_NOT_ACTIVE = "market_closed"
    EXCHANGE_PAUSED = "exchange_unavailable"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    DUPLICATE_CLIENT_ORDER_ID = "order_already_exists"
    ORDER_NOT_RESTING = "order_already_closed"
    ORDER_GROUP_NOT_FOUND = "order_group_not_found"
    ORDER_GROUP_LIMIT = "order_group_limit_exceeded"
    API_KEY_NOT_FOUND = "api_key_not_found"
    NOT_FOUND = "not_found"
    MISSING_PARAMETERS = "missing_parameters"
    DEPRECATED_V1_ORDER_ENDPOINT = "deprecated_v1_order_endpoint"
