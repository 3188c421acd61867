"""API keys and the account's rate limits."""

import uuid

from rest_framework.request import Request
from rest_framework.response import Response

from exchange.api import ratelimit
from exchange.api.trading.base import TradingView, created
from exchange.api.trading.parse import Body, invalid
from exchange.engine.rejects import RejectCode
from exchange.models import ApiKey
from exchange.selectors.api_keys import api_keys_of
from exchange.services import ExchangeError
from exchange.services.api_keys import api_key_create, api_key_delete, api_key_generate

SCOPES = (ApiKey.Scope.READ.value, ApiKey.Scope.WRITE.value)


def key_shape(key: ApiKey) -> dict:
    return {"api_key_id": str(key.key_id), "name": key.name, "scopes": list(key.scopes)}


def requested_scopes(body: Body) -> list[str]:
    """Default read and write; write implies read."""
    scopes = body.items("scopes", max_items=len(SCOPES)) or list(SCOPES)
    if not all(isinstance(s, str) and s in SCOPES for s in scopes):
        raise invalid("scopes may hold read and write")
    return [s for s in SCOPES if s in scopes or (s == "read" and "write" in scopes)]


class ApiKeys(TradingView):
    route = "/api_keys"

    def get(self, request: Request) -> Response:
        return Response({"api_keys": [key_shape(k) for k in api_keys_of(request.user)]})

    def post(self, request: Request) -> Response:
        body = Body(request.data)
        name = body.text("name", required=True, max_length=128)
        public_key = body.text("public_key", required=True, max_length=16_384)
        try:
            key = api_key_create(user=request.user, name=name, public_key_pem=public_key,
                                 scopes=requested_scopes(body))
        except ValueError:
            raise invalid("public_key is not a PEM public key") from None
        return created({"api_key_id": str(key.key_id)})


class ApiKeyGenerate(TradingView):
    route = "/api_keys/generate"

    def post(self, request: Request) -> Response:
        body = Body(request.data)
        key, private_pem = api_key_generate(user=request.user, name=body.text("name", required=True, max_length=128),
                                            scopes=requested_scopes(body))
        return created({"api_key_id": str(key.key_id), "private_key": private_pem, "key_type": "rsa"})


class ApiKeyDetail(TradingView):
    route = "/api_keys/{api_key}"

    def delete(self, request: Request, api_key: str) -> Response:
        try:
            key_id = uuid.UUID(api_key)
        except ValueError:
            key_id = None
        if key_id is None or not ApiKey.objects.filter(user=request.user, key_id=key_id).exists():
            raise ExchangeError(RejectCode.API_KEY_NOT_FOUND, f"API key {api_key} not found")
        api_key_delete(user=request.user, key_id=str(key_id))
        return Response(status=204)


class AccountLimits(TradingView):
    route = "/account/limits"

    def get(self, request: Request) -> Response:
        limits = ratelimit.tier_limits()
        return Response({
            "usage_tier": ratelimit.tier_name(),
            # Both generations of the answer: Kalshi's 3.13 document has the flat per-second limits.
            "read_limit": limits["read"],
            "write_limit": limits["write"],
            "read": {"refill_rate": limits["read"], "bucket_capacity": limits["read"]},
            "write": {"refill_rate": limits["write"], "bucket_capacity": limits["write"]},
            "grants": [],
            "enabled": ratelimit.enabled(),
        })


class EndpointCosts(TradingView):
    route = "/account/endpoint_costs"

    def get(self, request: Request) -> Response:
        return Response({
            "default_cost": ratelimit.DEFAULT_COST,
            "endpoint_costs": [{"method": method, "path": path, "cost": cost}
                               for (method, path), cost in sorted(ratelimit.ENDPOINT_COSTS.items())],
        })
