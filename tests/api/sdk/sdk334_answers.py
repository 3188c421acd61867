"""Run by the kalshi-python-sync 3.34 interpreter: the answers production gives to V2 order writes, as the raw
status and JSON body the SDK received (its `*_without_preload_content` calls), for the test to compare.

Usage: python sdk334_answers.py  (env: KALSHI_HOST, KALSHI_KEY_ID, KALSHI_KEY_FILE, KALSHI_TICKER,
KALSHI_CLOSED_TICKER; the market has asks of 2 contracts at 0.55 and nothing else)
Prints one JSON object: scenario name -> {"status", "body"}.
"""

import json
import os
import uuid

from kalshi_python_sync import Configuration, KalshiClient
from kalshi_python_sync.models import BatchCreateOrdersV2Request, CreateOrderV2Request

config = Configuration(host=os.environ["KALSHI_HOST"])
config.api_key_id = os.environ["KALSHI_KEY_ID"]
with open(os.environ["KALSHI_KEY_FILE"]) as f:
    config.private_key_pem = f.read()
client = KalshiClient(config)
orders, portfolio = client._orders_api, client._portfolio_api
ticker = os.environ["KALSHI_TICKER"]


def answer(response) -> dict:
    return {"status": response.status, "body": json.loads(response.data) if response.data else None}


def order(**fields) -> CreateOrderV2Request:
    base = {"ticker": ticker, "side": "bid", "count": "1.00", "price": "0.1000",
            "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"}
    return CreateOrderV2Request(**{**base, **fields})


def create(**fields) -> dict:
    return answer(orders.create_order_v2_without_preload_content(order(**fields)))


out = {}
out["resting_ack"] = create(client_order_id="rest-1")
out["fok_short"] = create(client_order_id="fok-1", count="5.00", price="0.6000", time_in_force="fill_or_kill")
out["fok_id_reused"] = create(client_order_id="fok-1")
out["post_only_cross"] = create(price="0.5500", post_only=True)
out["reduce_only_gtc"] = create(reduce_only=True)
out["closed_market"] = create(ticker=os.environ["KALSHI_CLOSED_TICKER"])
out["taker_ack"] = create(client_order_id="take-1", count="1.00", price="0.5500", time_in_force="immediate_or_cancel")
resting_id = out["resting_ack"]["body"]["order_id"]
out["cancel"] = answer(orders.cancel_order_v2_without_preload_content(resting_id))
out["cancel_again"] = answer(orders.cancel_order_v2_without_preload_content(resting_id))
out["cancel_unknown"] = answer(orders.cancel_order_v2_without_preload_content(str(uuid.uuid4())))
out["rest_id_reused"] = create(client_order_id="rest-1")
out["batch"] = answer(orders.batch_create_orders_v2_without_preload_content(BatchCreateOrdersV2Request(
    orders=[order(client_order_id="batch-ok"), order(ticker="NO-SUCH-MARKET")])))
out["fills"] = answer(portfolio.get_fills_without_preload_content())
out["orders"] = answer(orders.get_orders_without_preload_content())
print(json.dumps(out))
