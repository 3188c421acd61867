"""Fixtures shared across the suite. Part-specific fixtures live in each folder's conftest.py."""

import pytest

from tests.support.factories import make_api_key, make_market, make_user
from tests.support.servers import daphne_server

LEGACY_API_DATE = "2025-12-31"  # before every dated production change (exchange/api_changes.py)


def pytest_configure(config):
    """In this process commands run in the test's own thread and transaction (server processes the
    suite starts keep the default, the sequencer thread)."""
    from django.conf import settings

    settings.ENGINE_MODE = "inline"


@pytest.fixture(autouse=True)
def _sequencer_memory():
    """Each test starts with empty memory; one that switched to the thread mode leaves no thread behind."""
    from exchange.sequencer.api import local_sequencer

    local_sequencer().reset()
    yield
    local_sequencer().stop()


@pytest.fixture
def legacy_api(settings):
    """The API as production served it before 2026: legacy integer fields next to the `_dollars` / `_fp`
    ones, V1 order writes, `service` in error bodies; what kalshi-python-sync 3.2 was built against."""
    settings.KALSHI_API_DATE = LEGACY_API_DATE


@pytest.fixture
def trader(db):
    return make_user("alice")


@pytest.fixture
def trader2(db):
    return make_user("bob")


@pytest.fixture
def market(db):
    return make_market("TEST-MKT")


@pytest.fixture
def api_key(trader, tmp_path):
    """(ApiKey, private PEM) for `trader`; the PEM is also at tmp_path/<key id>.pem."""
    return make_api_key(trader, directory=tmp_path)


@pytest.fixture(scope="session")
def live_server_url(django_db_setup, django_db_blocker):
    """daphne serving the app against the test database for the whole session.

    Tests using it need `@pytest.mark.django_db(transaction=True)` so their data is committed and
    visible to the server process.
    """
    with django_db_blocker.unblock(), daphne_server() as url:
        yield url


@pytest.fixture(scope="session")
def legacy_server_url(django_db_setup, django_db_blocker):
    """daphne serving the API as it was before 2026 (`LEGACY_API_DATE`), for kalshi-python-sync 3.2 and other
    pre-2026 clients; like `live_server_url`, its tests need committed data."""
    with django_db_blocker.unblock(), daphne_server(KALSHI_API_DATE=LEGACY_API_DATE) as url:
        yield url
