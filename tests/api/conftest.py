"""Trade-api fixtures: signed clients for the two traders, and rate limits off for modules that opt in."""

import pytest

from tests.support.factories import make_api_key
from tests.support.signed_client import SignedClient


@pytest.fixture
def no_rate_limits(settings):
    """Token buckets off, for modules that send more requests than a tier admits (opt in with usefixtures)."""
    settings.EXCHANGE = {**settings.EXCHANGE, "RATE_LIMITS_ENABLED": False}


@pytest.fixture
def alice(api_key):
    """A client signing as `trader` with the suite's `api_key`."""
    return SignedClient(*api_key)


@pytest.fixture
def bob(trader2):
    """A client signing as `trader2`."""
    return SignedClient(*make_api_key(trader2))
