"""Run by the kalshi-python-sync 3.34 interpreter: exercise V2 orders and strict portfolio models.

Usage: python sdk334_trading.py  (env: KALSHI_HOST, KALSHI_KEY_ID, KALSHI_KEY_FILE, KALSHI_TICKER)
Prints one JSON object with what the SDK returned; any validation failure raises and exits non-zero.
"""

import json
import os

from kalshi_python_sync import Configuration, KalshiClient

config = Configuration(host=os.environ["KALSHI_HOST"])
config.api_key_id = os.environ["KALSHI_KEY_ID"]
with open(os.environ["KALSHI_KEY_FILE"]) as f:
    config.private_key_pem = f.read()
client = KalshiClient(config)
ticker = os.environ["KALSHI_TICKER"]
out = {}

taker = client.create_order_v2(ticker=ticker, side="bid", count="2.00", price="0.5500",
                               time_in_force="immediate_or_cancel", self_trade_prevention_type="taker_at_cross")
out["taker"] = {"fill_count": taker.fill_count, "remaining_count": taker.remaining_count,
                "average_fill_price": taker.average_fill_price}
resting = client.create_order_v2(ticker=ticker, side="bid", count="5.00", price="0.2000", client_order_id="r1",
                                 time_in_force="good_till_canceled", self_trade_prevention_type="taker_at_cross")
amended = client.amend_order_v2(resting.order_id, ticker=ticker, side="bid", price="0.2100", count="6.00")
out["amended_remaining"] = amended.remaining_count
decreased = client.decrease_order_v2(resting.order_id, reduce_by="1.00")
out["decreased_remaining"] = decreased.remaining_count
order = client.get_order(resting.order_id).order
out["order"] = {"status": order.status.value, "book_side": order.book_side.value, "outcome_side": order.outcome_side,
                "yes_price_dollars": order.yes_price_dollars, "remaining_count_fp": order.remaining_count_fp}
out["queue_position_fp"] = client.get_order_queue_position(resting.order_id).queue_position_fp
canceled = client.cancel_order_v2(resting.order_id)
out["canceled_reduced_by"] = canceled.reduced_by
batch = client.batch_create_orders_v2(orders=[
    {"ticker": ticker, "side": "bid", "count": "1.00", "price": "0.1000", "time_in_force": "good_till_canceled",
     "self_trade_prevention_type": "taker_at_cross"},
    {"ticker": "NO-SUCH-MARKET", "side": "bid", "count": "1.00", "price": "0.1000",
     "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"},
])
out["batch"] = [{"order_id": i.order_id, "error": i.error.code if i.error else None} for i in batch.orders]
cancel_batch = client.batch_cancel_orders_v2(orders=[{"order_id": batch.orders[0].order_id}])
out["batch_cancel"] = [i.reduced_by for i in cancel_batch.orders]
client.create_order_v2(ticker=ticker, side="ask", count="1.00", price="0.9000",
                       time_in_force="good_till_canceled", self_trade_prevention_type="taker_at_cross")
client.cancel_all_orders()
out["resting_after_cancel_all"] = len(client.get_orders(status="resting").orders)
out["orders"] = len(client.get_orders().orders)
fills = client.get_fills()
out["fills"] = [{"count_fp": f.count_fp, "yes_price_dollars": f.yes_price_dollars, "book_side": f.book_side.value,
                 "fee_cost": f.fee_cost} for f in fills.fills]
positions = client.get_positions()
out["positions"] = [{"ticker": p.ticker, "position_fp": p.position_fp} for p in positions.market_positions]
out["event_positions"] = [e.event_ticker for e in positions.event_positions]
balance = client.get_balance()
out["balance"] = {"balance": balance.balance, "balance_dollars": balance.balance_dollars}
out["resting_value"] = client.get_portfolio_resting_order_total_value().total_resting_order_value
print(json.dumps(out))
