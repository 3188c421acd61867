"""kalshi-python-sync 3.34 against the real server gets the answers production gives to V2 order writes.

One run of the SDK (tests/api/sdk/sdk334_answers.py) records the raw status and body of each call; each
test below checks one of production's answers against that record and names its evidence.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from exchange import services
from exchange.engine.units import count_from_contracts, price_from_cents
from exchange.wire_fields import user_uuid
from tests.support.factories import make_api_key, make_market, make_user

pytestmark = pytest.mark.sdk
HERE = Path(__file__).resolve().parent
NOT_FOUND = {"error": {"code": "not_found", "message": "not found"}}
ACK_KEYS = {"client_order_id", "fill_count", "order_id", "remaining_count", "ts_ms"}


@pytest.fixture(scope="module")
def answers(live_server_url, django_db_blocker, tmp_path_factory):
    """What the 3.34 SDK received for each scenario, with the user that sent them: one SDK run for the module,
    its rows committed for the server and flushed afterwards, as a transactional test's would be."""
    python = os.environ.get("KALSHI_SDK334_PYTHON")
    if not python:
        pytest.skip("KALSHI_SDK334_PYTHON is not set (scripts/test sets it to .venv-sdk334/bin/python)")
    with django_db_blocker.unblock():
        try:
            yield run_scenarios(python, live_server_url, tmp_path_factory.mktemp("sdk334"))
        finally:
            call_command("flush", interactive=False, verbosity=0)


def run_scenarios(python: str, live_server_url: str, tmp_path: Path) -> tuple[dict, object]:
    user, maker = make_user(), make_user()
    market, closed = make_market(), make_market(status="closed")
    services.order_create(user=maker, request=services.OrderRequest(
        ticker=market.ticker, side="yes", action="sell", yes_price=price_from_cents(55),
        count=count_from_contracts(2)))
    key, _ = make_api_key(user, directory=tmp_path)
    env = dict(os.environ, KALSHI_HOST=f"{live_server_url}/trade-api/v2", KALSHI_KEY_ID=str(key.key_id),
               KALSHI_KEY_FILE=str(tmp_path / f"{key.key_id}.pem"), KALSHI_TICKER=market.ticker,
               KALSHI_CLOSED_TICKER=closed.ticker)
    done = subprocess.run([python, str(HERE / "sdk334_answers.py")], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), user


def test_create_ack_has_exactly_productions_keys(answers):
    """A V2 create that fills nothing answers 201 with exactly client_order_id, fill_count, order_id,
    remaining_count and ts_ms: no status, no null averages; a taking order adds the two averages.

    Evidence: production capture `{"client_order_id":"...","fill_count":"0.00","order_id":"e5d8...",
    "remaining_count":"1.00","ts_ms":1781821370267}` "(+ average_fill_price, average_fee_paid if
    fill_count>0)" (a public bot's exchange notes, GitHub code search: "Kalshi Exchange Specifics");
    demo capture "exactly the documented key set; no lifecycle status" (claim K-TR-OBS-26).
    """
    out, _ = answers
    resting, taker = out["resting_ack"], out["taker_ack"]
    assert resting["status"] == 201 and set(resting["body"]) == ACK_KEYS
    assert (resting["body"]["fill_count"], resting["body"]["remaining_count"]) == ("0.00", "1.00")
    assert taker["status"] == 201 and set(taker["body"]) == ACK_KEYS | {"average_fill_price", "average_fee_paid"}
    assert taker["body"]["average_fill_price"] == "0.5500"


def test_fill_or_kill_short_of_volume_is_409_and_uses_its_id(answers):
    """A fill_or_kill that cannot fill completely is 409 fill_or_kill_insufficient_resting_volume, fills
    nothing, and its client_order_id counts as used (409 order_already_exists on reuse).

    Evidence: the error code is Kalshi's (kalshi-python-sync 3.34 / OpenAPI error enums); production answers a
    reused client_order_id with 409 (claim K-TR-OBS-29 in a public bot's demo captures).
    """
    out, _ = answers
    assert out["fok_short"]["status"] == 409
    assert out["fok_short"]["body"]["error"]["code"] == "fill_or_kill_insufficient_resting_volume"
    assert (out["fok_id_reused"]["status"], out["fok_id_reused"]["body"]["error"]["code"]) == (
        409, "order_already_exists")
    assert [f for f in out["fills"]["body"]["fills"] if f["count_fp"] == "5.00"] == []


def test_canceled_order_id_stays_used(answers):
    """Reusing the client_order_id of a canceled order is 409 order_already_exists: ids are never freed.

    Evidence: ClOrdID "for idempotency" (https://docs.kalshi.com/fix/order-entry); production's 409 on reuse
    (claim K-TR-OBS-29).
    """
    out, _ = answers
    assert (out["rest_id_reused"]["status"], out["rest_id_reused"]["body"]["error"]["code"]) == (
        409, "order_already_exists")


def test_cancel_of_a_closed_or_unknown_order_is_the_same_404(answers):
    """Canceling an order that is already canceled answers 404 not_found, byte for byte the body of an
    unknown id.

    Evidence: production cancel "404 if already gone/filled -> treat as cancelled" (a public bot's exchange
    notes, GitHub code search: "Kalshi Exchange Specifics"); demo capture of an unroutable cancel "HTTP 404
    not_found" (claim K-TR-OBS-30). Error bodies carry no `service` since Aug 6, 2026
    (docs.kalshi.com/changelog; GitHub PoorRican/kalshi-fast-rs CHANGELOG.md 0.8.0).
    """
    out, _ = answers
    assert out["cancel"]["status"] == 200 and out["cancel"]["body"]["reduced_by"] == "1.00"
    assert (out["cancel_again"]["status"], out["cancel_again"]["body"]) == (404, NOT_FOUND)
    assert (out["cancel_unknown"]["status"], out["cancel_unknown"]["body"]) == (404, NOT_FOUND)


def test_post_only_cross_is_invalid_order(answers):
    """A post-only order that would cross answers 400 invalid_order with details `post only cross`.

    Evidence: a capture of production's answer to a crossing post-only order, and public bots handling
    `invalid_order` (GitHub campbellerickson/kalshi-trader BUGFIX_SUMMARY.md shows production's 400
    invalid_order for orders it refuses).
    """
    out, _ = answers
    error = out["post_only_cross"]["body"]["error"]
    assert out["post_only_cross"]["status"] == 400
    assert (error["code"], error["details"]) == ("invalid_order", "post only cross")


def test_reduce_only_needs_immediate_or_cancel(answers):
    """reduce_only with any time_in_force but immediate_or_cancel is a 400.

    Evidence: kalshi-python-sync 3.34 CreateOrderV2Request.reduce_only: "Orders with reduce_only set to true
    will be rejected unless time_in_force is immediate_or_cancel".
    """
    out, _ = answers
    assert out["reduce_only_gtc"]["status"] == 400


def test_order_on_a_closed_market_is_409_market_closed(answers):
    """An order on a closed market answers 409 market_closed.

    Evidence: Kalshi's `market_closed` error code (OpenAPI error enum); 409 as production answers a state
    conflict on order entry, like order_already_exists (claim K-TR-OBS-29).
    """
    out, _ = answers
    assert (out["closed_market"]["status"], out["closed_market"]["body"]["error"]["code"]) == (409, "market_closed")


def test_batch_items_leave_out_null_keys(answers):
    """A batch answers per item: a placed order is its ack without an `error` key; a refused one is its error.

    Evidence: kalshi-python-sync 3.34 BatchCreateOrdersV2ResponseOrdersInner (all keys optional);
    production leaves out null keys (the create ack capture above).
    """
    out, _ = answers
    ok, failed = out["batch"]["body"]["orders"]
    assert out["batch"]["status"] == 201
    assert "error" not in ok and set(ok) == ACK_KEYS
    assert set(failed) == {"error"} and failed["error"]["code"] == "market_not_found"


def test_fills_carry_fee_cost_with_six_decimals_and_no_client_order_id(answers):
    """Fills show fee_cost with six decimals, and no client_order_id since 2026-01-28.

    Evidence: fee fields emit up to six decimals ("responses emit up to 6", kalshi-python-sync 3.34 field
    docs; https://docs.kalshi.com/getting_started/subpenny_pricing, fee math "up to 6 decimal places");
    Fill has no client_order_id in Kalshi's OpenAPI 3.13.0 (GitHub TexasCoding/kalshi-python-sdk
    specs/openapi.yaml) nor in 3.34.
    """
    out, _ = answers
    fills = out["fills"]["body"]["fills"]
    assert fills and all(re.fullmatch(r"\d+\.\d{6}", f["fee_cost"]) for f in fills)
    assert all("client_order_id" not in f for f in fills)


def test_orders_carry_the_user_id_as_a_uuid(answers):
    """Orders name their user by UUID.

    Evidence: demo capture of the order row carrying `user_id` (claim K-TR-OBS-27); Kalshi user ids are
    UUIDs (kalshi-python-sync 3.34 Order.user_id, asyncapi `user_id` "format: uuid"-style ids in fixtures).
    """
    out, user = answers
    assert {o["user_id"] for o in out["orders"]["body"]["orders"]} == {user_uuid(user.pk)}
