"""An order-storm client run as its own process, over REST (signed HTTP), FIX (a KalshiNR session), or
straight into the services (as every entry point ends up; no server needed):

    python -m tests.support.storm rest URL KEY_ID PEM_FILE ACKS STOP MAX SEED TICKER...
    python -m tests.support.storm fix PORT KEY_ID PEM_FILE ACKS STOP MAX SEED TICKER...
    python -m tests.support.storm services USER_PREFIX MAX SEED TICKER...

It places up to MAX random limit orders (buys of YES or NO around 50c, so books cross and trade), stops
early once the STOP file exists, and appends the id of every order the exchange acknowledged to ACKS,
one per line, as soon as the acknowledgement arrives. A refused connection or a dropped session (the
server was killed) is retried against the same address: the test restarts servers under it. The
services mode trades as the users named USER_PREFIX*, GTC and IOC buys and sells and some cancels of
their resting orders; refusals are part of the flow. It needs DATABASE_URL (the test database).
"""

import json
import random
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import django

RETRY_S = 0.1


def _order(rng: random.Random) -> tuple[str, int, int]:
    side = rng.choice(["yes", "no"])
    return side, rng.randint(40, 60), rng.randint(1, 5)


def rest(url: str, key_id: str, pem: str, acks, stop: Path, limit: int, rng: random.Random, tickers) -> None:
    from exchange.signing import sign_rsa_pss

    path = "/trade-api/v2/portfolio/orders"
    for n in range(limit):
        if stop.exists():
            return
        side, cents, count = _order(rng)
        body = json.dumps({"ticker": rng.choice(tickers), "side": side, "action": "buy", f"{side}_price": cents,
                           "count": count, "client_order_id": f"{key_id[:8]}-{n}"}).encode()
        while not stop.exists():
            timestamp = str(int(time.time() * 1000))
            headers = {"Content-Type": "application/json", "KALSHI-ACCESS-KEY": key_id,
                       "KALSHI-ACCESS-TIMESTAMP": timestamp,
                       "KALSHI-ACCESS-SIGNATURE": sign_rsa_pss(pem, f"{timestamp}POST{path}".encode())}
            request = urllib.request.Request(url + path, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    acks.write(json.loads(response.read())["order"]["order_id"] + "\n")
                    acks.flush()
                break
            except urllib.error.HTTPError as error:
                if error.code < 500:
                    break  # refused (e.g. a duplicate client_order_id after a retry that had committed)
                time.sleep(RETRY_S)
            except OSError:  # connection refused or reset: the server is down or restarting
                time.sleep(RETRY_S)


def fix(port: int, key_id: str, pem: str, acks, stop: Path, limit: int, rng: random.Random, tickers) -> None:
    from tests.fix.raw_client import RawClient

    client = None
    n = 0
    while n < limit and not stop.exists():
        try:
            if client is None:
                client = RawClient(port, key_id, pem, "KalshiNR")
                if client.logon().msg_type != "A":
                    raise ConnectionError("logon refused")
            side, cents, count = _order(rng)
            cl_ord_id = f"{key_id[:8]}-{n}"
            yes_cents = cents if side == "yes" else 100 - cents
            client.send("D", [(11, cl_ord_id), (38, str(count)), (40, "2"), (44, str(yes_cents)),
                              (54, "1" if side == "yes" else "2"), (55, rng.choice(tickers)), (59, "1")])
            n += 1
            while True:
                report = client.expect("8", "3", "j", timeout=30)
                if report.msg_type == "8" and report.get(11) == cl_ord_id:
                    if report.get(39) != "8":
                        acks.write(report.get(37) + "\n")
                        acks.flush()
                    break
        except (OSError, AssertionError, ConnectionError, TimeoutError):
            # The acceptor went away mid-session (AssertionError: RawClient saw the socket close).
            if client is not None:
                client.close()
            client = None
            time.sleep(RETRY_S)
    if client is not None:
        client.close()


def services(user_prefix: str, limit: int, rng: random.Random, tickers: list[str]) -> None:
    from django.contrib.auth import get_user_model

    from exchange import services
    from exchange.models import Order
    from exchange.services import ExchangeError, OrderRequest

    users = list(get_user_model().objects.filter(username__startswith=user_prefix))
    for _ in range(limit):
        user, ticker = rng.choice(users), rng.choice(tickers)
        try:
            if rng.random() < 0.2:
                mine = list(Order.objects.filter(user=user, status="resting", market__ticker=ticker)
                            .values_list("id", flat=True)[:5])
                if mine:
                    services.order_cancel(user=user, order_id=str(rng.choice(mine)))
                    continue
            side, cents, count = _order(rng)
            services.order_create(user=user, request=OrderRequest(
                ticker=ticker, side=side, action=rng.choice(["buy", "sell"]),
                yes_price=cents * 100 if side == "yes" else 10_000 - cents * 100, count=count * 100,
                time_in_force=rng.choice(["good_till_canceled"] * 3 + ["immediate_or_cancel"])))
        except ExchangeError:
            pass


def main(argv: list[str]) -> None:
    if argv[0] == "services":
        django.setup()
        user_prefix, limit, seed, *tickers = argv[1:]
        services(user_prefix, int(limit), random.Random(seed), tickers)
        return
    mode, address, key_id, pem_file, acks_file, stop_file, limit, seed, *tickers = argv
    django.setup()
    pem = Path(pem_file).read_text()
    with open(acks_file, "a") as acks:
        run = rest if mode == "rest" else fix
        target = address if mode == "rest" else int(address)
        run(target, key_id, pem, acks, Path(stop_file), int(limit), random.Random(seed), tickers)


if __name__ == "__main__":
    main(sys.argv[1:])
