"""Concurrent order entry on Postgres keeps every invariant, and a new process sees the same state."""

import json
import random
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection, connections

from exchange import services
from exchange.models import Order, Trade
from exchange.sequencer.api import local_sequencer
from exchange.services import ExchangeError
from tests.services.conftest import place
from tests.support.factories import make_market, make_user
from tests.support.invariants import assert_invariants, total_money
from tests.support.servers import ROOT, test_database_env
from tests.support.state import exchange_state

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

THREADS = 16
SECONDS = 10


def _trade_randomly(users, tickers, stop: threading.Event, errors: list, seed: int) -> None:
    rng = random.Random(seed)
    try:
        while not stop.is_set():
            user, ticker = rng.choice(users), rng.choice(tickers)
            try:
                if rng.random() < 0.2:
                    mine = list(Order.objects.filter(user=user, status="resting").values_list("id", flat=True)[:3])
                    if mine:
                        services.order_cancel(user=user, order_id=str(rng.choice(mine)))
                        continue
                side, action = rng.choice(["yes", "no"]), rng.choice(["buy", "sell"])
                place(user, ticker, side, action, rng.randint(40, 60), rng.randint(1, 5),
                      time_in_force=rng.choice(["good_till_canceled"] * 3 + ["immediate_or_cancel"]))
            except ExchangeError:
                pass  # refusals (e.g. an order that filled meanwhile) are part of the game
    except Exception as exc:  # anything else is a bug, including a deadlock
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.parametrize("engine_mode", ["inline", "thread"])
@pytest.mark.django_db(transaction=True)
def test_sixteen_threads_trading_two_markets_keep_every_invariant(engine_mode, settings):
    """No crossed book, counts add up, fills pair with trades, and money is conserved to $0.0001, with
    each thread running its commands (inline) and with the sequencer thread batching them (thread)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    settings.ENGINE_MODE = engine_mode
    sequencer = local_sequencer()
    before = sequencer.batches, sequencer.commands
    users = [make_user(f"racer{i}", dollars=1_000_000) for i in range(8)]
    markets = [make_market("RACE-A"), make_market("RACE-B")]
    money = total_money()
    stop, errors = threading.Event(), []
    threads = [threading.Thread(target=_trade_randomly, args=(users, [m.ticker for m in markets], stop, errors, i))
               for i in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    connections.close_all()
    assert not errors, errors[:3]
    assert Trade.objects.count() > 0
    assert_invariants([m.ticker for m in markets], money=money)
    if engine_mode == "thread":  # some commits carried several threads' commands
        assert sequencer.commands - before[1] > sequencer.batches - before[0]


SNAPSHOT_SCRIPT = "import json; from tests.support.state import exchange_state; print(json.dumps(exchange_state()))"


@pytest.mark.django_db(transaction=True)
def test_a_new_process_sees_every_resting_order_position_and_balance(trader, trader2, market):
    """State lives in the database: a fresh process reads exactly what this one wrote."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    place(trader, market.ticker, "yes", "buy", 40, 10)
    place(trader2, market.ticker, "no", "buy", 60, 4)
    place(trader2, market.ticker, "yes", "sell", 70, 2)
    output = subprocess.run([sys.executable, "manage.py", "shell", "-c", SNAPSHOT_SCRIPT], cwd=ROOT,
                            env=test_database_env(), capture_output=True, text=True, check=True).stdout
    there = json.loads(output.strip().splitlines()[-1])
    assert there == json.loads(json.dumps(exchange_state()))
    assert len(there["orders"]) == 2 and len(there["positions"]) == 2
