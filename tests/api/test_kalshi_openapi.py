"""Kalshi's own OpenAPI document (docs.kalshi.com/openapi.yaml, kept in tests/specs/kalshi/openapi.yaml)
drives schemathesis against the real server: every GET operation, signed as Kalshi's clients sign, with
generated parameters. No response is a 5xx and every response matches the schema Kalshi documents for
its status code."""

import time
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from exchange.signing import sign_rsa_pss
from tests.fix.keys import fix_key
from tests.support.factories import make_market, make_user
from tests.support.market_data import place
from tests.support.servers import daphne_server

SPEC = Path(__file__).resolve().parents[1] / "specs" / "kalshi" / "openapi.yaml"
PREFIX = "/trade-api/v2"

schema = schemathesis.openapi.from_path(SPEC).include(method="GET")

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def server_url(django_db_setup, django_db_blocker):
    """daphne without rate limits: the generated requests come faster than a basic tier admits."""
    with django_db_blocker.unblock(), daphne_server(RATE_LIMITS_ENABLED="0", FIX_ENABLED="0") as url:
        yield url


@pytest.fixture
def signer():
    """A funded user with resting orders and a trade on a market, and request signing with their key."""
    alice, bob = make_user(), make_user()
    market = make_market("SPEC-MKT")
    place(alice, market.ticker, "yes", "buy", 40, 2)
    place(bob, market.ticker, "no", "buy", 60, 1)
    key, pem = fix_key(alice)  # a key pair generated once per run: RSA generation is slow

    def headers(method: str, path: str) -> dict[str, str]:
        timestamp = str(int(time.time() * 1000))
        return {"KALSHI-ACCESS-KEY": str(key.key_id), "KALSHI-ACCESS-TIMESTAMP": timestamp,
                "KALSHI-ACCESS-SIGNATURE": sign_rsa_pss(pem, f"{timestamp}{method}{PREFIX}{path}".encode())}
    return headers


@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_get_operations_match_kalshis_schema(case, server_url, signer):
    """No 5xx, and the body matches Kalshi's documented schema for the status it came with."""
    case.call_and_validate(base_url=server_url + PREFIX, headers=signer(case.method, case.formatted_path),
                           checks=[not_a_server_error, response_schema_conformance])
