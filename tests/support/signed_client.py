"""A DRF test client that signs requests the way Kalshi's clients do."""

import json
import time

from rest_framework.test import APIClient

from exchange.signing import sign_rsa_pss

PREFIX = "/trade-api/v2"


class SignedClient:
    """Requests to `PREFIX + path`, signed with one API key (or unsigned when `key` is None)."""

    def __init__(self, key=None, private_pem: str = "") -> None:
        self.key, self.private_pem, self.client = key, private_pem, APIClient()

    def headers(self, method: str, path: str, *, timestamp_ms: int | None = None, signed_path: str | None = None,
                key_id: str | None = None) -> dict:
        if self.key is None:
            return {}
        timestamp = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
        message = f"{timestamp}{method}{signed_path or (PREFIX + path).split('?')[0]}".encode()
        return {"HTTP_KALSHI_ACCESS_KEY": key_id or str(self.key.key_id), "HTTP_KALSHI_ACCESS_TIMESTAMP": timestamp,
                "HTTP_KALSHI_ACCESS_SIGNATURE": sign_rsa_pss(self.private_pem, message)}

    def request(self, method: str, path: str, body: object = None, *, raw: str | None = None, **sign):
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.generic(method, PREFIX + path, data=data, content_type="application/json",
                                   **self.headers(method, path, **sign))

    def get(self, path: str, **sign):
        return self.request("GET", path, **sign)

    def post(self, path: str, body: object = None, **sign):
        return self.request("POST", path, body, **sign)

    def put(self, path: str, body: object = None, **sign):
        return self.request("PUT", path, body, **sign)

    def delete(self, path: str, body: object = None, **sign):
        return self.request("DELETE", path, body, **sign)


def post_v2_order(base_url: str, key, private_pem: str, ticker: str, client_order_id: str, *,
                  price: str = "0.4000", timeout: float = 120) -> tuple[int, dict]:
    """A signed V2 limit bid for one contract over real HTTP: (status, JSON body)."""
    import urllib.error
    import urllib.request

    path = PREFIX + "/portfolio/events/orders"
    body = json.dumps({"ticker": ticker, "side": "bid", "price": price, "count": "1.00",
                       "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross",
                       "client_order_id": client_order_id}).encode()
    timestamp = str(int(time.time() * 1000))
    headers = {"Content-Type": "application/json", "KALSHI-ACCESS-KEY": str(key.key_id),
               "KALSHI-ACCESS-TIMESTAMP": timestamp,
               "KALSHI-ACCESS-SIGNATURE": sign_rsa_pss(private_pem, f"{timestamp}POST{path}".encode())}
    request = urllib.request.Request(base_url + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
