"""docker-compose.yml is for users with Docker; here it is validated by reading it."""

import ast
import shlex
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands, load_command_class
from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("migrate", "engine", "web", "fix", "worker", "beat", "relay", "rebuilder")
# The roles that submit commands to the engine process.
ENGINE_CLIENTS = ("web", "fix", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _command(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else command


def test_every_role_of_the_full_deployment_is_a_service(compose):
    """Postgres, Redis, Kafka and one process per role: the engine, web, FIX, Celery worker and beat."""
    roles = {"postgres", "redis", "kafka", "migrate", "engine", "web", "fix", "worker", "beat"}
    assert roles <= set(compose["services"])


def test_app_services_share_the_environment_the_settings_read(compose):
    """Each process gets DATABASE_URL, REDIS_URL and KAFKA_BOOTSTRAP_SERVERS pointing at the services."""
    for name in APP_SERVICES:
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
    for name in ("engine", "web", "fix", "worker", "beat", "relay", "rebuilder"):
        condition = compose["services"][name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"
    assert (ROOT / "Dockerfile").exists()


def _settings_reads() -> set[str]:
    """Every environment variable kalshi_site/settings.py reads (os.environ.get, env_int, env_bool)."""
    tree = ast.parse((ROOT / "kalshi_site" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called in ("get", "env_int", "env_bool") and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return names


def _manage_commands(service: dict) -> list[list[str]]:
    """Each `python manage.py NAME ARGS...` a service runs (through `sh -c "a && b"` too)."""
    command = _command(service)
    if command[:2] == ["sh", "-c"]:
        return [part for text in command[2].split("&&") if (part := shlex.split(text))[:2] == ["python", "manage.py"]]
    return [command] if command[:2] == ["python", "manage.py"] else []


def _published(service: dict) -> set[int]:
    ports = set()
    for mapping in service.get("ports", []):
        host, container = str(mapping).split(":")
        assert host == container, mapping
        ports.add(int(container))
    return ports


def test_relay_and_rebuilder_are_services_that_wait_for_kafka(compose):
    """The relay ships the outbox; the rebuilder serves rebuilt books; both start once Kafka answers."""
    services = compose["services"]
    assert _command(services["relay"])[2] == "run_relay"
    assert _command(services["rebuilder"])[2] == "rebuild_orderbooks"
    for name in ("relay", "rebuilder"):
        assert services[name]["depends_on"]["kafka"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "healthcheck" in services["kafka"]


def test_every_variable_an_app_service_sets_is_read_by_the_settings(compose):
    """A misspelled or stale variable in the compose file would silently do nothing."""
    reads = _settings_reads()
    for name in APP_SERVICES:
        unread = set(compose["services"][name]["environment"]) - reads
        assert not unread, f"{name} sets {sorted(unread)}, which the settings never read"


def test_every_management_command_exists_and_accepts_its_options(compose):
    """Each `manage.py` command line parses with that command's own argument parser."""
    commands = get_commands()
    seen = []
    for name in APP_SERVICES:
        for argv in _manage_commands(compose["services"][name]):
            command = argv[2]
            assert command in commands, f"{name}: no management command {command}"
            load_command_class(commands[command], command).create_parser("manage.py", command).parse_args(argv[3:])
            seen.append(command)
    assert {"migrate", "seed_demo", "runengine", "runfix", "run_relay", "rebuild_orderbooks"} <= set(seen)


def test_published_ports_are_the_ports_the_processes_listen_on(compose):
    """web and the rebuilder listen where they are published, FIX on its settings' ports, and every
    address the services are given names a service port that exists."""
    services = compose["services"]
    web = _command(services["web"])
    assert _published(services["web"]) == {int(web[web.index("-p") + 1])}
    rebuilder = _command(services["rebuilder"])
    port = int(rebuilder[rebuilder.index("--port") + 1])
    assert _published(services["rebuilder"]) == {port}
    url = urlparse(services["web"]["environment"]["ORDERBOOK_REBUILDER_URL"])
    assert (url.hostname, url.port) == ("rebuilder", port)
    assert _published(services["fix"]) == set(settings.FIX["PORTS"].values())
    kafka = services["kafka"]["environment"]
    host, kafka_port = services["relay"]["environment"]["KAFKA_BOOTSTRAP_SERVERS"].split(":")
    assert host in services and f"PLAINTEXT://{host}:{kafka_port}" == kafka["KAFKA_ADVERTISED_LISTENERS"]
    assert f"PLAINTEXT://:{kafka_port}" in kafka["KAFKA_LISTENERS"]


def test_the_engine_is_its_own_process_and_the_command_submitters_reach_it(compose):
    """runengine listens on the port every submitting role's ENGINE_URL names, those roles start once it
    accepts connections, it is reachable only inside the deployment, and it never submits to itself."""
    services = compose["services"]
    argv = _manage_commands(services["engine"])[0]
    assert argv[2] == "runengine"
    options = load_command_class(get_commands()["runengine"], "runengine").create_parser(
        "manage.py", "runengine").parse_args(argv[3:])
    assert options.host == "0.0.0.0"
    for name in ENGINE_CLIENTS:
        url = urlparse(services[name]["environment"]["ENGINE_URL"])
        assert (url.scheme, url.hostname, url.port) == ("tcp", "engine", options.port)
        assert services[name]["depends_on"]["engine"]["condition"] == "service_healthy"
        assert services[name]["environment"]["SECRET_KEY"] == services["engine"]["environment"]["SECRET_KEY"]
    assert "ENGINE_URL" not in services["engine"]["environment"]
    assert str(options.port) in " ".join(services["engine"]["healthcheck"]["test"])
    assert not _published(services["engine"])
