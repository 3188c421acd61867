"""A market-maker user with its own funded account and a config quoting the `market` fixture."""

import random

import pytest

from marketmaker.models import MarketMakerConfig
from tests.support.factories import make_user


@pytest.fixture
def maker(db):
    return make_user("mm-bot", dollars=1_000_000)


@pytest.fixture
def config(market, maker):
    return MarketMakerConfig.objects.create(market=market, user=maker, levels=3, spread_cents=10,
                                            size_contracts=100, price_min_cents=33, price_max_cents=67,
                                            walk_step_cents=2, inventory_limit_contracts=1000, interval_ms=300)


@pytest.fixture
def rng():
    return random.Random(1234)
