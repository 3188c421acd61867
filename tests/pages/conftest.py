"""The pages against a real server in a real browser: `manage.py runsim` (HTTP, WebSocket, FIX and the
market maker in one process) on a database of its own on the test run's PostgreSQL, with the Redis
channel layer, seeded with the demo users and markets; Debian's Chromium driven by Playwright."""

import json
import os
import secrets
import subprocess
import sys
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest

from exchange.engine.units import dollars_to_units, fp_to_count
from tests.support.servers import ROOT, child_process, free_port, port_open, wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
# What the browser and htmx report about requests to a server that is down: expected only while the
# server restarts. Errors of the page's own code (uncaught exceptions) are never expected.
OUTAGE_REPORTS = ("WebSocket connection to", "Failed to load resource: net::ERR_", "htmx:sendError",
                  "htmx:afterRequest")


class Exchange:
    """The running server: its URL, demo credentials, REST reads, and a restart on the same port."""

    def __init__(self, env: dict[str, str], var: Path) -> None:
        self.env, self.var = env, var
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.credentials = json.loads((var / "demo" / "credentials.json").read_text())

    def start(self) -> None:
        self._stack = ExitStack()
        log_path = self.var / f"runsim-{secrets.token_hex(3)}.log"
        process = self._stack.enter_context(child_process(
            ["manage.py", "runsim", "--port", str(self.port)], env=self.env, log_path=log_path))
        wait_until(lambda: port_open(self.port), process, what=f"runsim on {self.port}", log_path=log_path)

    def stop(self) -> None:
        self._stack.close()

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.loads(response.read())

    def book(self, ticker: str) -> dict[str, dict[int, int]]:
        """The exchange's book from REST: {"yes"|"no": {price in $0.0001: count in hundredths}}."""
        fp = self.get(f"/trade-api/v2/markets/{ticker}/orderbook")["orderbook_fp"]
        return {side: {dollars_to_units(p): fp_to_count(c) for p, c in fp[f"{side}_dollars"]} for side in ("yes", "no")}


def _database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="module")
def exchange(tmp_path_factory):
    """A seeded simulator on a fresh PostgreSQL database; yields an `Exchange` whose server is running."""
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        pytest.skip("needs DATABASE_URL (PostgreSQL) and REDIS_URL (scripts/test provides both)")
    name = f"pages_{secrets.token_hex(4)}"
    with psycopg.connect(_database(database_url, "postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    var = tmp_path_factory.mktemp("var")
    fix_ports = {name: str(free_port()) for name in ("FIX_NR_PORT", "FIX_DC_PORT", "FIX_RT_PORT", "FIX_PT_PORT")}
    env = dict(os.environ, DATABASE_URL=_database(database_url, name), REDIS_URL=redis_url, KALSHI_VAR_DIR=str(var),
               DJANGO_SETTINGS_MODULE="kalshi_site.settings", PYTHONUNBUFFERED="1", DEBUG="0",
               MARKET_MAKER_INTERVAL_MS="300", RATE_LIMITS_ENABLED="0",
               # Every connection loses one MARKET_MAKER delta: the pages must notice and resync.
               WS_SKIP_SEQ_MARKET="MARKET_MAKER", **fix_ports)
    try:
        for command in (["migrate", "--noinput"], ["seed_demo"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                           capture_output=True)
        server = Exchange(env, var)
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        with psycopg.connect(_database(database_url, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


SCREENSHOTS = Path(os.environ.get("PAGES_ARTIFACTS") or ROOT / "var" / "screenshots")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where the page screenshots go: var/screenshots, or PAGES_ARTIFACTS (named in the summary)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _screenshots_taken.append(True)
    return SCREENSHOTS


_screenshots_taken: list[bool] = []


def pytest_terminal_summary(terminalreporter) -> None:
    if _screenshots_taken:
        terminalreporter.write_line(f"page screenshots: {SCREENSHOTS}")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect, sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium")
    # Generous waits: the machine may be busy; a wait ends as soon as its condition holds.
    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Session:
    """One logged-in browser context with its console errors collected."""

    def __init__(self, browser, exchange: Exchange, username: str | None, viewport: dict) -> None:
        self.exchange = exchange
        self.context = browser.new_context(viewport=viewport, base_url=exchange.url)
        self.context.set_default_timeout(20_000)
        self.errors: list[str] = []
        self.server_down = False
        self.page = self.new_page()
        if username:
            self.login(username)

    def new_page(self):
        page = self.context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        return page

    def _console(self, message) -> None:
        if message.type != "error":
            return
        if self.server_down and message.text.startswith(OUTAGE_REPORTS):
            return
        self.errors.append(message.text)

    def login(self, username: str) -> None:
        page = self.page
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", self.exchange.credentials[username]["password"])
        page.click("button[type=submit]")
        page.wait_for_url(self.exchange.url + "/")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session_of(browser, exchange):
    """Opens logged-in sessions; after the test, fails it on any console error any of them saw."""
    sessions: list[Session] = []

    def open_session(username: str | None, viewport: dict | None = None) -> Session:
        session = Session(browser, exchange, username, viewport or {"width": 1280, "height": 800})
        sessions.append(session)
        return session

    yield open_session
    errors = [error for session in sessions for error in session.errors]
    for session in sessions:
        session.close()
    assert errors == [], f"console errors: {errors}"
