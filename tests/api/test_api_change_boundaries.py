"""Each REST-visible entry of the dated table changes the wire on its date and not the day before.

Evidence for each date is in the entry itself (exchange/api_changes.py) and in the README's table.
"""

from datetime import timedelta

import pytest

from exchange.api_changes import ENTRIES, Change
from tests.support.market_data import place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limits")]


def market(alice, ticker: str) -> dict:
    return alice.get(f"/markets/{ticker}").json()["market"]


def fill_keys(alice, ticker: str) -> set:
    return set(alice.get(f"/portfolio/fills?ticker={ticker}").json()["fills"][0])


def probe(change: Change, alice, bob, ticker: str) -> bool:
    """Whether the wire shows `change` as applied."""
    if change is Change.MARKET_CATEGORY_REMOVED:
        return "category" not in market(alice, ticker)
    if change is Change.MARKET_CENT_FIELDS_REMOVED:
        data = market(alice, ticker)
        assert "yes_bid_dollars" in data
        return not {"yes_bid", "last_price", "liquidity", "tick_size", "response_price_units"} & set(data)
    if change is Change.FILL_CLIENT_ORDER_ID_REMOVED:
        return "client_order_id" not in fill_keys(alice, ticker)
    if change is Change.LEGACY_INTEGER_FIELDS_REMOVED:
        book = alice.get(f"/markets/{ticker}/orderbook").json()
        fills = fill_keys(alice, ticker)
        assert "orderbook_fp" in book and "count_fp" in fills
        return "orderbook" not in book and "count" not in fills and "volume" not in market(alice, ticker)
    if change is Change.LEGACY_ORDER_COSTS_RAISED:
        costs = alice.get("/account/endpoint_costs").json()["endpoint_costs"]
        return {"method": "POST", "path": "/trade-api/v2/portfolio/orders", "cost": 50} in costs
    if change is Change.V1_ORDER_WRITES_GONE:
        assert alice.get("/portfolio/orders").status_code == 200
        response = alice.post("/portfolio/orders", {"ticker": ticker, "side": "yes", "action": "buy",
                                                    "yes_price": 10, "count": 1})
        return response.status_code == 410 and response.json()["error"]["code"] == "deprecated_v1_order_endpoint"
    if change is Change.MARKET_DEPRECATED_FIELDS_REMOVED:
        positions = alice.get("/portfolio/positions").json()["market_positions"]
        return "fractional_trading_enabled" not in market(alice, ticker) and "resting_orders_count" not in positions[0]
    if change is Change.ERROR_SERVICE_REMOVED:
        return "service" not in alice.get("/markets/NO-SUCH-MARKET").json()["error"]
    raise AssertionError(f"no probe for {change}")


REST_CHANGES = [change for change in Change if not change.value.startswith("fix_")]


@pytest.mark.parametrize("change", REST_CHANGES)
def test_entry_changes_the_wire_on_its_date(settings, alice, bob, market, trader, trader2, change):
    """The day before the entry's date the old answer; on the date the new one."""
    place(trader, market.ticker, "yes", "buy", 40, 2, client_order_id="resting")
    place(trader2, market.ticker, "yes", "sell", 40, 1)
    day = ENTRIES[change].date
    settings.KALSHI_API_DATE = (day - timedelta(days=1)).isoformat()
    assert not probe(change, alice, bob, market.ticker)
    settings.KALSHI_API_DATE = day.isoformat()
    assert probe(change, alice, bob, market.ticker)
