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
