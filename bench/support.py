"""What the benchmarks share: a fresh Postgres database with the schema, and Django set up on it.

Benchmarks need DATABASE_URL (a Postgres server; `scripts/bench` starts a throwaway one with durable
commits). Each benchmark works in its own database, created fresh and dropped afterwards.
"""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
# Enough that no benchmark order is ever refused for funds.
BENCH_FUNDS = 10**12


def require_env(*names: str) -> None:
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        sys.exit(f"set {', '.join(missing)} (scripts/bench starts throwaway servers and sets them)")


@contextmanager
def fresh_database(name: str):
    """Create database `name` next to DATABASE_URL's, point DATABASE_URL at it, migrate, drop it after."""
    import psycopg

    require_env("DATABASE_URL")
    base = os.environ["DATABASE_URL"]
    admin_url = urlunparse(urlparse(base)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunparse(urlparse(base)._replace(path=f"/{name}"))
    try:
        setup_django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield os.environ["DATABASE_URL"]
    finally:
        from django.db import connections

        connections.close_all()
        os.environ["DATABASE_URL"] = base
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kalshi_site.settings")
    os.environ.setdefault("RATE_LIMITS_ENABLED", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def open_markets(series: str, tickers: list[str]) -> None:
    """Series `series`, its event `<series>-EV`, and active markets `tickers` in it closing in a day."""
    from datetime import timedelta

    from django.utils import timezone

    from exchange.models import Event, Market, Series
    from exchange.services import market_open

    series_row = Series.objects.create(ticker=series, title="bench")
    event = Event.objects.create(event_ticker=f"{series}-EV", series=series_row, title="bench")
    now = timezone.now()
    for ticker in tickers:
        Market.objects.create(ticker=ticker, event=event, title="bench", open_time=now,
                              close_time=now + timedelta(days=1), expiration_time=now + timedelta(days=2))
        market_open(ticker=ticker)


def funded_users(prefix: str, count: int) -> list:
    """Users `<prefix>0` .. `<prefix><count-1>`, each funded with BENCH_FUNDS."""
    from django.contrib.auth import get_user_model

    from exchange.services import account_fund

    users = []
    for i in range(count):
        user = get_user_model().objects.create_user(username=f"{prefix}{i}")
        account_fund(user=user, amount=BENCH_FUNDS)
        users.append(user)
    return users


def random_order(rng, ticker: str):
    """A random limit order: bids 40-52c, asks 48-60c, so about a third of them cross; 1-10 contracts."""
    from exchange.services import OrderRequest

    side = rng.choice(("bid", "ask"))
    price = rng.randint(40, 52) if side == "bid" else rng.randint(48, 60)
    return OrderRequest(ticker=ticker, side="yes", action="buy" if side == "bid" else "sell",
                        yes_price=price * 100, count=rng.randint(1, 10) * 100, self_trade_prevention_type="maker")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(args: list[str], port: int, name: str, **env_extra: str):
    """`python <args>` in the project root with rate limits off (and `env_extra` in its environment), once it
    listens on `port`; stopped after."""
    env = dict(os.environ, RATE_LIMITS_ENABLED="0", LOG_LEVEL="WARNING", DJANGO_SETTINGS_MODULE="kalshi_site.settings",
               **env_extra)
    process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{name} did not start") from None
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def table(title: str, header: list[str], rows: list[list]) -> str:
    """A plain fixed-width table."""
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells[1:]]
    return "\n".join(lines)


# --- HTTP load with wrk ------------------------------------------------------------------------------
# A Python load generator on the machine's two cores measures itself more than the server; wrk (C,
# epoll) replays requests built in advance, so the server is what saturates.
WRK_LUA = r"""
-- Requests built in advance: each is heads[i] [.. unique id ..] tails[i]. A unique id (thread number and
-- a counter, fixed width so Content-Length holds) keeps every body distinct, e.g. its client_order_id.
local heads = %(heads)s
local tails = %(tails)s
local unique = %(unique)s
local counter, thread_no = 0, 0
local started = 0

function setup(thread)
  started = started + 1
  thread:set("thread_no", started)
end

function init(args)
  thread_no = tonumber(wrk.thread:get("thread_no"))
end

function request()
  counter = counter + 1
  local i = counter %% #heads + 1
  if unique then
    return heads[i] .. string.format("%%02d%%010d", thread_no, counter) .. tails[i]
  end
  return heads[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%%d,"duration_us":%%d,"non2xx":%%d,"socket_errors":%%d,"p50_us":%%d,"p99_us":%%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""
# The width of the id `request()` splices in (two digits of thread, ten of counter).
WRK_ID_WIDTH = 12


def _lua_strings(items: list[str]) -> str:
    return "{" + ",".join(_lua_string(s) for s in items) + "}"


def _lua_string(text: str) -> str:
    # A quoted string with escapes: a long bracket would turn each CRLF into a bare LF.
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n")
    return f'"{escaped}"'


def http_request(method: str, path: str, headers: dict[str, str], body: str = "") -> str:
    """One HTTP/1.1 keep-alive request as wrk sends it."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method in ("POST", "PUT"):
        lines += ["Content-Type: application/json", f"Content-Length: {len(body.encode())}"]
    return "\r\n".join(lines) + "\r\n\r\n" + body


def wrk_script(path: Path, requests: list[tuple[str, str]] | list[str]) -> Path:
    """Write a wrk script replaying `requests`: complete request strings, or (head, tail) pairs between
    which each request gets a unique WRK_ID_WIDTH-character id."""
    unique = bool(requests) and isinstance(requests[0], tuple)
    heads = [r[0] for r in requests] if unique else list(requests)
    tails = [r[1] for r in requests] if unique else [""]
    path.write_text(WRK_LUA % {"heads": _lua_strings(heads), "tails": _lua_strings(tails),
                               "unique": "true" if unique else "false"})
    return path


def wrk_run(url: str, script: Path, *, clients: int, seconds: float) -> dict:
    """Drive `url` with `clients` keep-alive connections for `seconds`; returns req/s, p50/p99 in ms and
    the count of non-2xx answers and socket errors."""
    import json

    threads = min(2, clients)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds:g}s", "--timeout", "30s",
                          "-s", str(script), url], capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return {"rate": result["requests"] / (result["duration_us"] / 1e6), "p50": result["p50_us"] / 1000,
            "p99": result["p99_us"] / 1000, "errors": result["non2xx"] + result["socket_errors"]}
