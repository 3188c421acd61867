"""Signed V2 order placement over HTTP against daphne and uvicorn, next to a trivial-DRF-POST ceiling.

Run:  DATABASE_URL=postgres://USER@HOST:PORT/ANYDB .venv/bin/python -m bench.rest_orders
(or through scripts/bench, which starts a throwaway Postgres). The bench works in a fresh database
(created, migrated and dropped here), starts its own servers with rate limits off, and drives them with
1, 8 and 32 concurrent keep-alive clients for a few seconds each. The baseline is a DRF view defined in
this module (served by its own ASGI app, never by the product URLs) that inserts one row in a
transaction: the ceiling for any Django POST on this machine.
"""

import asyncio
import time
import uuid

from bench.support import free_port, fresh_database, funded_users, open_markets, require_env, server, table

LEVELS = (1, 8, 32)
SECONDS_PER_RUN = 5.0
MARKETS = 8
ORDER_PATH = "/trade-api/v2/portfolio/events/orders"
BASELINE_PATH = "/baseline"


# --- the baseline app (imported by the server process) ---------------------------------------------
def __getattr__(name: str):
    """`urlpatterns` for the baseline app, built only once Django is set up in the server process."""
    if name != "urlpatterns":
        raise AttributeError(name)
    from django.db import transaction
    from django.urls import path
    from rest_framework.permissions import AllowAny
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from exchange.models import MarketEvent

    class InsertOne(APIView):
        authentication_classes: list = []
        permission_classes = [AllowAny]

        def post(self, request):
            with transaction.atomic():
                row = MarketEvent.objects.create(kind=MarketEvent.Kind.TICKER, payload=request.data)
            return Response({"id": row.id}, status=201)

    return [path(BASELINE_PATH.lstrip("/"), InsertOne.as_view())]


class _BaselineApplication:
    """ASGI app serving only this module's urlpatterns."""

    def __init__(self) -> None:
        self.app = None

    async def __call__(self, scope, receive, send):
        if self.app is None:
            from django.conf import settings
            from django.core.asgi import get_asgi_application

            self.app = get_asgi_application()
            settings.ROOT_URLCONF = __name__
        await self.app(scope, receive, send)


baseline_application = _BaselineApplication()


# --- setup -------------------------------------------------------------------------------------------
def seed(clients: int) -> tuple[list[tuple[str, str]], list[str]]:
    """Funded users with API keys, and active markets; returns ([(key id, private pem)], [tickers])."""
    from exchange.services.api_keys import api_key_generate

    tickers = [f"BENCH-M{i}" for i in range(MARKETS)]
    open_markets("BENCH", tickers)
    keys = []
    for user in funded_users("bench", clients):
        key, pem = api_key_generate(user=user, name="bench")
        keys.append((str(key.key_id), pem))
    return keys, tickers


def server_args(name: str, app: str, port: int) -> list[str]:
    if name == "daphne":
        return ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app]
    return ["-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
            app]


# --- load ----------------------------------------------------------------------------------------------
class Signer:
    """Kalshi signature headers, re-signed once a second (a signature is valid for the whole window)."""

    def __init__(self, key_id: str, pem: str) -> None:
        self.key_id, self.pem, self.second, self.cached = key_id, pem, -1, {}

    def headers(self) -> dict:
        from exchange.signing import sign_rsa_pss

        second = int(time.time())
        if second != self.second:
            timestamp = str(second * 1000)
            self.cached = {"KALSHI-ACCESS-KEY": self.key_id, "KALSHI-ACCESS-TIMESTAMP": timestamp,
                           "KALSHI-ACCESS-SIGNATURE": sign_rsa_pss(self.pem, f"{timestamp}POST{ORDER_PATH}".encode())}
            self.second = second
        return self.cached


async def client_loop(base: str, path: str, signer: Signer | None, ticker: str, until: float, latencies: list,
                      errors: list) -> None:
    import httpx

    n = 0
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        while time.monotonic() < until:
            n += 1
            # Non-crossing bids spread over the lower half of the book: every order rests.
            body = {"ticker": ticker, "side": "bid", "price": f"0.{1 + n % 45:02d}00", "count": "1.00",
                    "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross",
                    "client_order_id": uuid.uuid4().hex}
            headers = signer.headers() if signer else {}
            started = time.perf_counter()
            response = await http.post(path, json=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 201:
                errors.append(response.status_code)


async def run_level(base: str, path: str, signers: list[Signer] | None, tickers: list[str], clients: int) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    until = time.monotonic() + SECONDS_PER_RUN
    started = time.monotonic()
    await asyncio.gather(*[
        client_loop(base, path, signers[i] if signers else None, tickers[i % len(tickers)], until, latencies, errors)
        for i in range(clients)
    ])
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"rate": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, "errors": len(errors)}


def main() -> None:
    require_env("DATABASE_URL")
    rows = []
    with fresh_database(f"bench_rest_{uuid.uuid4().hex[:8]}"):
        keys, tickers = seed(max(LEVELS))
        signers = [Signer(k, pem) for k, pem in keys]
        targets = [("daphne", "kalshi_site.asgi:application", ORDER_PATH, signers),
                   ("uvicorn", "kalshi_site.asgi:application", ORDER_PATH, signers),
                   ("daphne", "bench.rest_orders:baseline_application", BASELINE_PATH, None),
                   ("uvicorn", "bench.rest_orders:baseline_application", BASELINE_PATH, None)]
        for name, app, path, target_signers in targets:
            port = free_port()
            with server(server_args(name, app, port), port, name):
                for clients in LEVELS:
                    result = asyncio.run(run_level(f"http://127.0.0.1:{port}", path, target_signers, tickers, clients))
                    what = "signed V2 order" if target_signers else "baseline 1-row POST"
                    rows.append([name, what, clients, f"{result['rate']:.0f}", f"{result['p50']:.1f}",
                                 f"{result['p99']:.1f}", result["errors"]])
    print(table("REST order placement on Postgres (rate limits off; one server process each)",
                ["server", "request", "clients", "req/s", "p50 ms", "p99 ms", "non-201"], rows))


if __name__ == "__main__":
    main()
