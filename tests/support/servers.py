"""Real server processes for tests: daphne (and any other command) on a free port, against the test
database that pytest-django created."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], T], process: subprocess.Popen, *, timeout: float = 30.0,
               interval: float = 0.05, what: str = "condition", log_path: Path | None = None) -> T:
    """Poll `condition` until it returns something truthy and return that; fail if `process` exits first or
    `timeout` passes (with the tail of `log_path`, when given, in the message)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} waiting for {what}{tail_of(log_path)}")
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError(f"{what} not met in {timeout}s{tail_of(log_path)}")


def tail_of(log_path: Path | None) -> str:
    return f":\n{log_path.read_text(errors='replace')[-3000:]}" if log_path is not None else ""


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def test_database_env(**extra: str) -> dict[str, str]:
    """The environment a child process needs to use this test run's database and Redis."""
    db = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        raise RuntimeError("server processes need PostgreSQL (scripts/test provides it)")
    url = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = dict(os.environ, DATABASE_URL=url, PYTHONUNBUFFERED="1", DJANGO_SETTINGS_MODULE="kalshi_site.settings")
    env.update(extra)
    return env


test_database_env.__test__ = False  # a helper, not a test


@contextmanager
def child_process(args: list[str], *, env: dict[str, str], log_path: Path, stop_timeout: float = 10.0):
    """Run `python <args>` in the project root with its output in `log_path`; stop it afterwards."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _log_path(name: str, port: int) -> Path:
    """A fresh log file: ports are reused, and other test runs on the machine write logs too."""
    fd, path = tempfile.mkstemp(prefix=f"{name}-{port}-", suffix=".log")
    os.close(fd)
    return Path(path)


@contextmanager
def running(args: list[str], *, port: int, env: dict[str, str] | None = None, log_name: str = "server"):
    """Start `python <args>` in the project root, wait for `port`, and stop it afterwards."""
    log_path = _log_path(log_name, port)
    with child_process(args, env=env or test_database_env(), log_path=log_path) as process:
        wait_until(lambda: port_open(port), process, what=f"a listener on {port}", log_path=log_path)
        yield process


@contextmanager
def daphne_server(**env_extra: str):
    """The real ASGI server on a free port; yields its base URL (http://127.0.0.1:PORT)."""
    port = free_port()
    # Kalshi pings every 10 s; daphne pings a connection idle that long.
    args = ["-m", "daphne", "--ping-interval", "10", "-b", "127.0.0.1", "-p", str(port),
            "kalshi_site.asgi:application"]
    with running(args, port=port, env=test_database_env(**env_extra), log_name="daphne"):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def redis_server(port: int, *, log_name: str = "redis"):
    """A throwaway redis-server on `port` (no persistence: a restart forgets everything, as a crash does)."""
    log_path = _log_path(log_name, port)
    args = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: port_open(port), process, what=f"redis on {port}", log_path=log_path)
        yield process
    finally:
        process.kill()
        process.wait()
