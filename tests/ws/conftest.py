"""Fixtures for the WebSocket feed tests: channel layer selection and an API-key-signed user."""

import pytest
from channels.layers import channel_layers


@pytest.fixture
def in_memory_layer(settings):
    """The embedded single-process channel layer, fresh for this test."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def redis_layer(settings):
    """The channels_redis layer of the test run (REDIS_URL from scripts/test)."""
    if "Redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
        pytest.skip("needs REDIS_URL")
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
