"""What the benchmarks share: a fresh Postgres database with the schema, and Django set up on it.

Benchmarks need DATABASE_URL (a Postgres server; `scripts/bench` starts a throwaway one with durable
commits). Each benchmark works in its own database, created fresh and dropped afterwards.
"""

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]


def require_env(*names: str) -> None:
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        sys.exit(f"set {', '.join(missing)} (scripts/bench starts throwaway servers and sets them)")


@contextmanager
def fresh_database(name: str):
    """Create database `name` next to DATABASE_URL's, point DATABASE_URL at it, migrate, drop it after."""
    import psycopg

    require_env("DATABASE_URL")
    base = os.environ["DATABASE_URL"]
    admin_url = urlunparse(urlparse(base)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunparse(urlparse(base)._replace(path=f"/{name}"))
    try:
        setup_django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield os.environ["DATABASE_URL"]
    finally:
        from django.db import connections

        connections.close_all()
        os.environ["DATABASE_URL"] = base
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kalshi_site.settings")
    os.environ.setdefault("RATE_LIMITS_ENABLED", "0")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def table(title: str, header: list[str], rows: list[list]) -> str:
    """A plain fixed-width table."""
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells[1:]]
    return "\n".join(lines)
