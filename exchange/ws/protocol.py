"""Parsing Kalshi WebSocket commands into checked values; every refusal is a `CommandError` with
Kalshi's numeric code and message."""

import json
from dataclasses import dataclass, field

from exchange.api.parsers import check_strings

PUBLIC_CHANNELS = frozenset({"orderbook_delta", "ticker", "trade", "market_lifecycle_v2"})
PRIVATE_CHANNELS = frozenset({"fill", "market_positions", "user_orders", "order_group_updates"})
CHANNELS = PUBLIC_CHANNELS | PRIVATE_CHANNELS
# Channels whose subscription is a set of markets (None = all markets); the others ignore market params.
MARKET_FILTERED = frozenset({"orderbook_delta", "ticker", "trade", "fill", "market_positions", "user_orders"})
COMMANDS = ("subscribe", "unsubscribe", "update_subscription", "list_subscriptions")
ACTIONS = ("add_markets", "delete_markets", "get_snapshot")

MESSAGES = {
    1: "Unable to process message", 2: "Params required", 3: "Channels required", 4: "Subscription IDs required",
    5: "Unknown command", 7: "Unknown subscription ID", 8: "Unknown channel name", 9: "Authentication required",
    11: "Invalid parameter", 12: "Exactly one subscription ID is required", 13: "Unsupported action",
    14: "Market Ticker required", 15: "Action required", 26: "Subscription market limit exceeded",
    27: "Too many requests",
}


class CommandError(Exception):
    def __init__(self, code: int, detail: str = "", **extra) -> None:
        super().__init__(detail or MESSAGES[code])
        self.code = code
        self.detail = detail
        self.extra = extra
        self.cmd_id: int | None = None

    def body(self) -> dict:
        return {"code": self.code, "msg": self.detail or MESSAGES[self.code], **self.extra}


@dataclass
class Command:
    id: int | None
    cmd: str
    params: dict = field(default_factory=dict)


def parse_frame(text: str | bytes) -> Command:
    """A text (or binary) frame -> Command; the id is recovered whenever the frame is an object, for the
    error reply."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        data = json.loads(text)
    except RecursionError:
        raise CommandError(1, "Unable to process message: JSON nested too deeply") from None
    except (ValueError, TypeError):
        raise CommandError(1, "Unable to process message: invalid JSON") from None
    if not isinstance(data, dict):
        raise CommandError(1, "Unable to process message: expected a JSON object")
    cmd_id = data.get("id")
    if cmd_id is not None and (not isinstance(cmd_id, int) or isinstance(cmd_id, bool) or cmd_id < 0):
        raise CommandError(1, "Unable to process message: id must be a non-negative integer")
    try:
        check_strings(data, text)  # before any value reaches a query: NUL and lone surrogates cannot be stored
    except ValueError as exc:
        raise _with_id(CommandError(1, f"Unable to process message: {exc}"), cmd_id or None) from None
    command = Command(id=cmd_id or None, cmd=data.get("cmd"))
    if command.cmd not in COMMANDS:
        raise _with_id(CommandError(5), command.id)
    params = data.get("params")
    if command.cmd == "list_subscriptions":
        return command
    if params is None:
        raise _with_id(CommandError(2), command.id)
    if not isinstance(params, dict):
        raise _with_id(CommandError(11, "params must be an object"), command.id)
    command.params = params
    return command


def _with_id(error: CommandError, cmd_id: int | None) -> CommandError:
    error.cmd_id = cmd_id
    return error


def market_tickers(params: dict, *, required: bool) -> list[str] | None:
    """`market_ticker` or `market_tickers` as a de-duplicated list; None when absent and not required."""
    single, many = params.get("market_ticker"), params.get("market_tickers")
    if single is not None and many is not None:
        raise CommandError(11, "market_ticker and market_tickers are mutually exclusive")
    if single is not None:
        if not isinstance(single, str) or not single:
            raise CommandError(11, "market_ticker must be a non-empty string")
        return [single]
    if many is not None:
        if not isinstance(many, list) or not all(isinstance(t, str) and t for t in many):
            raise CommandError(11, "market_tickers must be a list of non-empty strings")
        if many:
            return list(dict.fromkeys(many))
    if required:
        raise CommandError(14)
    return None


def flag(params: dict, name: str) -> bool:
    value = params.get(name, False)
    if not isinstance(value, bool):
        raise CommandError(11, f"{name} must be a boolean")
    return value


def channels(params: dict) -> list[str]:
    value = params.get("channels")
    if value is None or value == []:
        raise CommandError(3)
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise CommandError(11, "channels must be a list of strings")
    unknown = [c for c in value if c not in CHANNELS]
    if unknown:
        raise CommandError(8, f"Unknown channel name: {unknown[0]}")
    return list(dict.fromkeys(value))


def sids_to_unsubscribe(params: dict) -> list[int]:
    value = params.get("sids")
    if value is None or value == []:
        raise CommandError(4)
    if not isinstance(value, list) or not all(_is_sid(s) for s in value):
        raise CommandError(11, "sids must be a list of positive integers")
    return list(dict.fromkeys(value))


def single_sid(params: dict) -> int:
    """update_subscription names exactly one sid, as `sid` or as a one-element `sids`."""
    sid, sids = params.get("sid"), params.get("sids")
    if (sid is None) == (sids is None):
        raise CommandError(12)
    if sids is not None:
        if not isinstance(sids, list) or len(sids) != 1:
            raise CommandError(12)
        sid = sids[0]
    if not _is_sid(sid):
        raise CommandError(11, "sid must be a positive integer")
    return sid


def action(params: dict) -> str:
    value = params.get("action")
    if value is None or value == "":
        raise CommandError(15)
    if value not in ACTIONS:
        raise CommandError(13)
    return value


def _is_sid(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
