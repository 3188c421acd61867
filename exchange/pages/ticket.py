"""The order ticket's form, read into the same JSON body the REST API's V1 order parser reads, so the
pages, REST and batch entry share one parser of order fields."""

from datetime import datetime

from django.http import QueryDict

from exchange.api.trading.orders_v1 import amend_request, order_request
from exchange.engine.units import UnitError, parse_integer
from exchange.models import Order
from exchange.services import OrderRequest

# The ticket's time-in-force choices: good-till-time is GTC with an expiry.
TIME_IN_FORCE = {"gtc": "good_till_canceled", "gtt": "good_till_canceled",
                 "ioc": "immediate_or_cancel", "fok": "fill_or_kill"}


def _integer(text: str) -> int | str:
    """An integer becomes one; anything else goes through as text for the parser to refuse."""
    text = text.strip()
    try:
        return parse_integer(text)
    except UnitError:
        return text


def _price_and_count(form: QueryDict, side: str) -> dict:
    """`price` is in cents of the order's own side; `count` in contracts (decimals where allowed)."""
    body: dict = {}
    if form.get("price", "").strip():
        body[f"{side if side in ('yes', 'no') else 'yes'}_price"] = _integer(form["price"])
    if form.get("count", "").strip():
        body["count_fp"] = form["count"].strip()
    return body


def ticket_request(form: QueryDict, ticker: str, *, now: datetime) -> OrderRequest:
    side, tif = form.get("side", ""), form.get("time_in_force", "gtc")
    body = {"ticker": ticker, "side": side, "action": form.get("action", ""),
            "time_in_force": TIME_IN_FORCE.get(tif, tif),
            "post_only": form.get("post_only") == "on", "reduce_only": form.get("reduce_only") == "on",
            **_price_and_count(form, side)}
    if tif == "gtt":
        minutes = _integer(form.get("expires_in_minutes", ""))
        body["expiration_ts"] = int(now.timestamp()) + 60 * minutes if isinstance(minutes, int) else minutes
    return order_request(body)


def ticket_amend(form: QueryDict, order: Order) -> tuple[int, int, str | None]:
    """A resting order's new price and total count from the amend form of "my orders"."""
    body = {"ticker": order.market.ticker, "side": order.side, "action": order.action,
            **_price_and_count(form, order.side)}
    return amend_request(body, order)
