"""docker-compose.yml is for users with Docker; here it is validated by reading it."""

import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _command(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else command


def test_every_role_of_the_full_deployment_is_a_service(compose):
    """Postgres, Redis, Kafka and one process per role: web, FIX, Celery worker and beat."""
    assert {"postgres", "redis", "kafka", "migrate", "web", "fix", "worker", "beat"} <= set(compose["services"])


def test_app_services_share_the_environment_the_settings_read(compose):
    """Each process gets DATABASE_URL, REDIS_URL and KAFKA_BOOTSTRAP_SERVERS pointing at the services."""
    for name in ("web", "fix", "worker", "beat", "migrate"):
        env = compose["services"][name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert env["KAFKA_BOOTSTRAP_SERVERS"].startswith("kafka:")


def test_commands_name_things_that_exist(compose):
    """Management commands, the ASGI application and the Celery app named in commands are real."""
    commands = get_commands()
    migrate = compose["services"]["migrate"]["command"]
    assert "migrate" in migrate and "seed_demo" in migrate and "seed_demo" in commands
    assert _command(compose["services"]["fix"])[2] == "runfix" and "runfix" in commands
    web = _command(compose["services"]["web"])
    assert web[0] == "daphne" and import_string(web[-1].replace(":", "."))
    for role in ("worker", "beat"):
        celery = _command(compose["services"][role])
        assert celery[:3] == ["celery", "-A", "kalshi_site"] and celery[3] == role
    assert import_string("kalshi_site.celery.app")


def test_app_services_wait_for_migrations(compose):
    """Nothing serves before the schema and demo data exist."""
    for name in ("web", "fix", "worker", "beat"):
        condition = compose["services"][name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"
    assert (ROOT / "Dockerfile").exists()
