"""kill -9 of `runengine` during an order storm from client processes submitting over ENGINE_URL: no
acknowledged order is lost, a retry with the same client_order_id never places an order twice, and every
invariant holds (marked `crash`, like tests/test_crash.py)."""

import subprocess
import sys
from pathlib import Path

import pytest

from exchange.engine.rejects import RejectCode
from exchange.models import Order
from tests.support.engine import SECRET, Engine
from tests.support.factories import make_market, make_user
from tests.support.invariants import assert_invariants, total_money
from tests.support.servers import ROOT, test_database_env, wait_until

pytestmark = [pytest.mark.crash, pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TICKERS = ["ENGCRASH-A", "ENGCRASH-B"]
ORDERS_PER_CLIENT = 100

# Places its orders one by one; a command the engine could not answer is sent again with the same
# client_order_id until the engine says what became of it (placed, or already placed: a duplicate).
STORM = """
import sys, time, django
django.setup()
from exchange import sequencer
from exchange.sequencer import EngineUnavailable
from exchange.services import ExchangeError, OrderRequest
user_id, index, count, ack_path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
tickers = sys.argv[5:]
with open(ack_path, "a") as acks:
    for n in range(count):
        buy = (n + index) % 2 == 0
        request = OrderRequest(ticker=tickers[n % len(tickers)], side="yes", action="buy" if buy else "sell",
                               yes_price=(44 + n % 7 if buy else 46 + n % 7) * 100, count=100,
                               client_order_id=f"storm{index}-{n}")
        while True:
            try:
                order = sequencer.execute("order_create", user_id=user_id, request=request)
                acks.write(f"placed {request.client_order_id} {order.id}\\n")
                break
            except EngineUnavailable:
                time.sleep(0.05)  # the engine is restarting
            except ExchangeError as error:
                acks.write(f"refused {request.client_order_id} {error.code.value}\\n")
                break
            finally:
                acks.flush()
"""


def _lines(paths: list[Path]) -> list[list[str]]:
    return [line.split() for path in paths if path.exists() for line in path.read_text().splitlines() if line]


def test_kill_9_of_the_engine_during_an_order_storm_loses_no_acknowledged_order(tmp_path: Path):
    """Two client processes place orders through the engine; it is SIGKILLed and restarted mid-storm.
    Every acknowledged order is in the tables, every client_order_id was placed exactly once (a retry of
    a command whose reply was lost is refused as a duplicate), and the invariants hold."""
    for ticker in TICKERS:
        make_market(ticker)
    users = [make_user(f"engstorm{i}", dollars=100_000) for i in range(2)]
    money = total_money()
    engine = Engine(tmp_path)
    engine.start()
    env = test_database_env(SECRET_KEY=SECRET, ENGINE_URL=engine.url)
    ack_files = [tmp_path / f"acks-{i}" for i in range(len(users))]
    clients = [subprocess.Popen([sys.executable, "-c", STORM, str(user.pk), str(i), str(ORDERS_PER_CLIENT),
                                 str(ack_files[i]), *TICKERS], cwd=ROOT, env=env)
               for i, user in enumerate(users)]
    try:
        wait_until(lambda: len(_lines(ack_files)) >= 40, clients[0], timeout=120, what="the storm to get going")
        engine.kill()
        engine.start()
        assert [client.wait(240) for client in clients] == [0] * len(clients)
    finally:
        for client in clients:
            if client.poll() is None:
                client.kill()
        engine.stop()

    lines = _lines(ack_files)
    placed = {fields[2] for fields in lines if fields[0] == "placed"}
    refused = [fields for fields in lines if fields[0] == "refused"]
    assert {code for _, _, code in refused} <= {RejectCode.DUPLICATE_CLIENT_ORDER_ID.value}, refused
    stored = {str(pk) for pk in Order.objects.filter(pk__in=placed).values_list("id", flat=True)}
    assert placed <= stored, f"acknowledged orders missing: {sorted(placed - stored)[:5]}"
    for i, user in enumerate(users):
        ids = list(Order.objects.filter(user=user).values_list("client_order_id", flat=True))
        assert sorted(ids) == sorted(f"storm{i}-{n}" for n in range(ORDERS_PER_CLIENT))
    assert_invariants(TICKERS, money=money)
