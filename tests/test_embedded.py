"""The embedded default, as `scripts/run` starts it: SQLite, the in-memory channel layer, and one
process serving HTTP, WebSocket and FIX while the market maker quotes."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.support.servers import ROOT, child_process, free_port, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """migrate, seed_demo and runsim with no DATABASE_URL or REDIS_URL, on free ports."""
    var = tmp_path_factory.mktemp("var")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS")}
    fix_ports = {name: free_port() for name in ("FIX_NR_PORT", "FIX_DC_PORT", "FIX_RT_PORT", "FIX_PT_PORT")}
    env.update(KALSHI_VAR_DIR=str(var), MARKET_MAKER_INTERVAL_MS="300", **{k: str(v) for k, v in fix_ports.items()})
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    log_path = var / "runsim.log"
    with child_process(["manage.py", "runsim", "--port", str(port)], env=env, log_path=log_path) as process:
        wait_until(lambda: _listening(port), process, what=f"runsim on {port}", log_path=log_path)
        yield {"url": f"http://127.0.0.1:{port}", "var": var, "fix": fix_ports, "process": process, "env": env}


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_embedded_default_uses_sqlite_and_writes_demo_keys(embedded):
    """Nothing but the var directory is needed: the database and the demo credentials live there."""
    assert (embedded["var"] / "exchange.sqlite3").exists()
    credentials = json.loads((embedded["var"] / "demo" / "credentials.json").read_text())
    assert {"trader", "trader2", "marketmaker", "admin"} <= set(credentials)
    assert (embedded["var"] / "demo" / "trader.pem").read_text().startswith("-----BEGIN")


def test_embedded_process_serves_rest_fix_and_a_moving_market_maker_book(embedded):
    """REST answers, the FIX acceptor listens, and the market maker's book changes within seconds."""
    assert _get(embedded["url"] + "/trade-api/v2/exchange/status")["trading_active"] is True
    assert all(_listening(port) for port in embedded["fix"].values())
    seen = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(seen) < 2:
        book = _get(embedded["url"] + "/trade-api/v2/markets/MARKET_MAKER/orderbook")["orderbook_fp"]
        if book["yes_dollars"] and book["no_dollars"]:
            seen.add(json.dumps(book, sort_keys=True))
        time.sleep(0.3)
    assert len(seen) >= 2, "the MARKET_MAKER book did not move"


def _rebuilt_market_maker(embedded) -> dict | None:
    try:
        book = _get(embedded["url"] + "/orderbook/api/MARKET_MAKER")
    except OSError:  # 404 until the rebuilder has taken its first read
        return None
    return book if book["synced"] and book["stats"]["deltas"] and book["yes"] and book["no"] else None


def test_embedded_process_relays_to_its_own_kafka_and_serves_rebuilt_books_without_drift(embedded):
    """No KAFKA_BOOTSTRAP_SERVERS: the mock cluster runs in the process, the relay is healthy, the rebuilt
    MARKET_MAKER book follows the market maker's deltas, and check_orderbooks finds every book equal."""
    wait_until(lambda: _rebuilt_market_maker(embedded), embedded["process"], what="a rebuilt, moving book")
    health = _get(embedded["url"] + "/marketdata/health")
    assert health["relayed"] > 0 and health["position"] > 0
    check = subprocess.run([sys.executable, "manage.py", "check_orderbooks", "--url", embedded["url"]], cwd=ROOT,
                           env=embedded["env"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "MARKET_MAKER: ok at book_seq" in check.stdout


@pytest.mark.browser
def test_the_drift_page_shows_the_market_maker_book_in_agreement(embedded):
    """An admin opens the drift page in Chromium: the market maker's market is checked and ok."""
    from playwright.sync_api import sync_playwright

    credentials = json.loads((embedded["var"] / "demo" / "credentials.json").read_text())["admin"]
    wait_until(lambda: _rebuilt_market_maker(embedded), embedded["process"], what="a rebuilt, moving book")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(embedded["url"] + "/admin/login/?next=/orderbook/drift/")
            page.fill("#id_username", "admin")
            page.fill("#id_password", credentials["password"])
            page.click("input[type=submit]")
            row = page.locator('tr[data-ticker="MARKET_MAKER"]')
            assert row.get_attribute("class") == "ok"
            assert "start" in row.inner_text()
            page.click('a:text("MARKET_MAKER")')
            assert page.locator("#levels tbody tr").count() > 0
        finally:
            browser.close()
