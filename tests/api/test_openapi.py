"""The API's own OpenAPI document, its Swagger UI, and a schemathesis run against the live server."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from tests.support.factories import make_market, make_user
from tests.support.market_data import place

API = "/trade-api/v2"
PUBLIC_PATHS = [
    "/exchange/status", "/exchange/schedule", "/exchange/announcements", "/exchange/user_data_timestamp",
    "/historical/cutoff", "/series", "/series/{series_ticker}", "/events", "/events/{event_ticker}", "/markets",
    "/markets/{ticker}", "/markets/{ticker}/orderbook", "/markets/orderbooks", "/markets/trades",
    "/series/{series_ticker}/markets/{ticker}/candlesticks", "/markets/candlesticks",
]


@pytest.fixture
def document(db) -> dict:
    response = APIClient().get(f"{API}/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_document_describes_every_public_endpoint(document):
    """Every public GET is in the document with its response schema."""
    for path in PUBLIC_PATHS:
        operation = document["paths"][API + path]["get"]
        assert "application/json" in operation["responses"]["200"]["content"], path


def test_document_lists_real_query_parameters(document):
    """The markets listing documents its filters and the candlesticks their required range."""
    markets = {p["name"] for p in document["paths"][f"{API}/markets"]["get"]["parameters"]}
    assert {"limit", "cursor", "event_ticker", "series_ticker", "status", "tickers", "min_close_ts"} <= markets
    candles = document["paths"][f"{API}/series/{{series_ticker}}/markets/{{ticker}}/candlesticks"]["get"]
    required = {p["name"] for p in candles["parameters"] if p.get("required") and p["in"] == "query"}
    assert required == {"start_ts", "end_ts", "period_interval"}
    market = document["components"]["schemas"]["Market"]["properties"]
    assert {"yes_bid", "yes_bid_dollars", "volume_fp", "price_ranges"} <= set(market)


def test_swagger_ui_uses_local_assets(db):
    """Swagger UI loads its scripts from our static files, not a CDN."""
    html = APIClient().get(f"{API}/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_browsable_api_renders_public_gets(db):
    """Each public GET also renders as DRF's browsable HTML page."""
    make_market("BROWSE")
    response = APIClient().get(f"{API}/markets/BROWSE", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and b"BROWSE" in response.content and b"<html" in response.content


@pytest.mark.sdk
@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_errors(live_server_url, tmp_path):
    """Generated requests against every documented operation never get a 5xx."""
    market = make_market("FUZZ")
    place(make_user(), market.ticker, "yes", "buy", 40, 2)
    place(make_user(), market.ticker, "no", "buy", 40, 1)
    schemathesis = Path(sys.executable).parent / "schemathesis"
    result = subprocess.run(
        [str(schemathesis), "run", f"{live_server_url}{API}/openapi.json", "--checks", "not_a_server_error",
         "--max-examples", "15", "--phases", "examples,fuzzing", "--generation-deterministic",
         "--request-timeout", "20", "--workers", "2", "--no-color"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=dict(os.environ, SCHEMATHESIS_HOOKS=""),
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    tested = re.search(r"Tested: (\d+)", result.stdout)
    assert tested and int(tested.group(1)) >= len(PUBLIC_PATHS), result.stdout[-3000:]
