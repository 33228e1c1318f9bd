"""Shared set-up for benchmark scripts: Django configured against a PostgreSQL database of
their own, created and migrated if it does not exist yet."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent

# benchmarks/queue.py would shadow the standard library's queue module (psycopg and celery
# import it) while this folder leads sys.path: keep it last, where sibling scripts still import.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
sys.path.append(str(HERE))


def setup_django(database: str, *, fresh: bool = False) -> None:
    """Point Django at `database` on the server of DATABASE_URL (default: local PostgreSQL)."""
    import dj_database_url
    import psycopg

    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/leadreview"
    config = dj_database_url.parse(base)
    server = dict(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"] or "postgres",
        password=config["PASSWORD"] or None,
    )
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if exists and fresh:
            admin.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{database}"')
    auth = config["USER"] or "postgres"
    if config["PASSWORD"]:
        auth += f":{config['PASSWORD']}"
    os.environ["DATABASE_URL"] = f"postgres://{auth}@{server['host']}:{server['port']}/{database}"
    os.environ.setdefault("SECRET_KEY", "benchmarks-only")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("TESTING", "1")  # plain static storage, fast password hashing
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadreview.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
