"""Smoke tests for the test infrastructure itself: the servers scripts/test starts, and CI's entry point."""

import os
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="DATABASE_URL is not set")
def test_database_is_postgres_when_database_url_is_set():
    """With DATABASE_URL set, the suite talks to a real PostgreSQL server."""
    from django.db import connection

    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_redis_answers_ping():
    """With REDIS_URL set, a Redis server answers there."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5)
    try:
        assert client.ping() is True
    finally:
        client.close()


def _commands(script: Path) -> list[list[str]]:
    """Split a shell script into commands (words), ignoring comments and blank lines."""
    commands = []
    for line in script.read_text().splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(words)
    return commands


def _runs(words: list[str], target: str) -> bool:
    """Whether a command runs target, possibly through exec/bash/sh."""
    while words and words[0] in {"exec", "bash", "sh", "command"}:
        words = words[1:]
    return bool(words) and words[0].removeprefix("./") == target


def test_ci_entry_point_runs_scripts_test():
    """.ci/run is executable and hands over to scripts/test, which is executable too."""
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    assert os.access(ROOT / "scripts" / "test", os.X_OK)
    assert any(_runs(words, "scripts/test") for words in _commands(ci)), ".ci/run does not invoke scripts/test"
