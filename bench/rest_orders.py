"""Signed REST requests against daphne, each next to the cheapest DRF view of its kind on the same server.

  signed V2 create   POST /trade-api/v2/portfolio/events/orders   vs  unsigned DRF POST inserting one row
  signed read        GET  /trade-api/v2/portfolio/balance         vs  unsigned DRF GET answering a constant

Both baselines are served by the same process, application and middleware stack (bench/rest_app.py;
the sequencer in its default thread mode), at 1, 8 and 32 keep-alive connections, in alternating short
rounds (the machine's load changes under both alike). Load comes from wrk replaying requests signed in
advance (one signature per key, made just before each run, valid for the whole signature window; each
order body carries a distinct client_order_id), so the load generator is not what saturates.

Run:  scripts/bench rest_orders   (or DATABASE_URL=postgres://USER@HOST:PORT/ANYDB .venv/bin/python -m
bench.rest_orders; needs `wrk` on PATH). It works in a fresh database, created, migrated and dropped here.
"""

import json
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import (  # noqa: E402
    WRK_ID_WIDTH,
    free_port,
    fresh_database,
    funded_users,
    http_request,
    open_markets,
    require_env,
    server,
    table,
    wrk_run,
    wrk_script,
)

LEVELS = (1, 8, 32)
# Product and baseline alternate in short rounds, so a change in the machine's load (it is shared) falls
# on both alike.
ROUNDS = 3
SECONDS_PER_RUN = 2
MARKETS = 8
KEYS = 32
ORDER_PATH = "/trade-api/v2/portfolio/events/orders"
BALANCE_PATH = "/trade-api/v2/portfolio/balance"
BASELINE_POST_PATH = "/trade-api/bench/insert-one"
BASELINE_GET_PATH = "/trade-api/bench/constant"
# The signature window the server is started with: a run of SECONDS_PER_RUN must fit in it.
SIGNATURE_WINDOW_S = 10


def seed() -> tuple[list[tuple[str, str]], list[str]]:
    """Funded users with an API key each, and active markets; returns ([(key id, private pem)], [tickers])."""
    from exchange.services.api_keys import api_key_create, generate_rsa_key_pair

    tickers = [f"BENCH-M{i}" for i in range(MARKETS)]
    open_markets("BENCH", tickers)
    private_pem, public_pem = generate_rsa_key_pair()
    keys = [(str(api_key_create(user=user, name="bench", public_key_pem=public_pem).key_id), private_pem)
            for user in funded_users("bench", KEYS)]
    return keys, tickers


def signed_headers(key_id: str, pem: str, method: str, path: str) -> dict[str, str]:
    from exchange.signing import sign_rsa_pss

    timestamp = str(int(time.time() * 1000))
    return {"KALSHI-ACCESS-KEY": key_id, "KALSHI-ACCESS-TIMESTAMP": timestamp,
            "KALSHI-ACCESS-SIGNATURE": sign_rsa_pss(pem, f"{timestamp}{method}{path}".encode())}


def order_requests(keys: list[tuple[str, str]] | None, tickers: list[str], path: str) -> list[tuple[str, str]]:
    """(head, tail) pairs cycling through the keys (or unsigned) and markets; the unique id wrk puts between
    them completes the client_order_id. Non-crossing bids over the lower half of the book: every order rests."""
    marker = "#" * WRK_ID_WIDTH
    run = uuid.uuid4().hex[:8]
    pairs = []
    for i in range(max(len(keys or ()), len(tickers))):
        headers = signed_headers(*keys[i % len(keys)], "POST", path) if keys else {}
        body = json.dumps({"ticker": tickers[i % len(tickers)], "side": "bid", "price": f"0.{1 + i % 45:02d}00",
                           "count": "1.00", "time_in_force": "good_till_canceled",
                           "self_trade_prevention_type": "taker_at_cross", "client_order_id": f"{run}-{marker}"})
        head, tail = http_request("POST", path, headers, body).split(marker)
        pairs.append((head, tail))
    return pairs


def read_requests(keys: list[tuple[str, str]] | None, path: str) -> list[str]:
    if not keys:
        return [http_request("GET", path, {})]
    return [http_request("GET", path, signed_headers(*key, "GET", path)) for key in keys]


def measure(base: str, workdir: Path, build, clients: int) -> dict:
    """Build the requests (signing them now, inside the window) and run wrk."""
    script = wrk_script(workdir / "load.lua", build())
    return wrk_run(base, script, clients=clients, seconds=SECONDS_PER_RUN)


def alternate(base: str, workdir: Path, product, baseline, clients: int) -> tuple[dict, dict]:
    """ROUNDS alternating runs of each; the rate over all of them, the median round's latencies."""
    runs: dict[str, list[dict]] = {"product": [], "baseline": []}
    for _ in range(ROUNDS):
        runs["product"].append(measure(base, workdir, product, clients))
        runs["baseline"].append(measure(base, workdir, baseline, clients))
    return combined(runs["product"]), combined(runs["baseline"])


def combined(runs: list[dict]) -> dict:
    def median(name: str) -> float:
        return sorted(r[name] for r in runs)[len(runs) // 2]

    return {"rate": sum(r["rate"] for r in runs) / len(runs), "p50": median("p50"), "p99": median("p99"),
            "errors": sum(r["errors"] for r in runs)}


def main() -> None:
    require_env("DATABASE_URL")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (scripts/bench installs it)")
    rows = []
    with fresh_database(f"bench_rest_{uuid.uuid4().hex[:8]}"), tempfile.TemporaryDirectory() as tmp:
        keys, tickers = seed()
        workdir = Path(tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        kinds = [
            ("signed V2 create", lambda: order_requests(keys, tickers, ORDER_PATH),
             lambda: order_requests(None, tickers, BASELINE_POST_PATH)),
            ("signed GET balance", lambda: read_requests(keys, BALANCE_PATH),
             lambda: read_requests(None, BASELINE_GET_PATH)),
        ]
        args = ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "bench.rest_app:application"]
        with server(args, port, "daphne", SIGNATURE_WINDOW_S=str(SIGNATURE_WINDOW_S)):
            # Warm up: the connection pool, the key cache, the first import of every view.
            for _, product, baseline in kinds:
                for build in (product, baseline):
                    wrk_run(base, wrk_script(workdir / "warm.lua", build()), clients=8, seconds=1)
            for what, product, baseline in kinds:
                for clients in LEVELS:
                    mine, ref = alternate(base, workdir, product, baseline, clients)
                    rows.append([what, clients, f"{mine['rate']:.0f}", f"{ref['rate']:.0f}",
                                 f"{mine['rate'] / ref['rate']:.2f}", f"{mine['p50']:.1f}", f"{mine['p99']:.1f}",
                                 f"{ref['p50']:.1f}", f"{ref['p99']:.1f}", mine["errors"] + ref["errors"]])
    print(table("Signed REST vs the cheapest DRF view of its kind, same daphne process and middleware stack "
                "(wrk; rate limits off; Postgres with durable commits)",
                ["request", "clients", "req/s", "baseline req/s", "ratio", "p50 ms", "p99 ms", "base p50",
                 "base p99", "non-2xx"], rows))


if __name__ == "__main__":
    main()
