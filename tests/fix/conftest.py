"""Fixtures for the FIX acceptor: one running on free ports in a thread, and raw clients for it."""

import threading

import pytest

from exchange.fix.acceptor import AcceptorConfig, run_forever
from exchange.fix.session import Target
from tests.fix.raw_client import RawClient


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def acceptor(transactional_db):
    """A running acceptor on ephemeral ports; yields it (its `.ports` maps Target -> port)."""
    stop, started, holder = threading.Event(), threading.Event(), {}
    config = AcceptorConfig(ports={t: 0 for t in Target}, poll_interval_s=0.02)
    thread = threading.Thread(target=run_forever, args=(config, stop, started, holder), daemon=True)
    thread.start()
    assert started.wait(10), "acceptor did not start"
    yield holder["acceptor"]
    stop.set()
    thread.join(15)


@pytest.fixture
def raw(acceptor):
    """Factory: raw(target, key, pem, **logon_options) -> a connected RawClient (closed afterwards)."""
    clients = []

    def connect(target: Target, key, pem: str) -> RawClient:
        client = RawClient(acceptor.ports[target], str(key.key_id), pem, target.value)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()
