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
        yield {"url": f"http://127.0.0.1:{port}", "var": var, "fix": fix_ports, "process": process}


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
