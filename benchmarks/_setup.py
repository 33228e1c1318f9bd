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


def admin_connection(url: str):
    """An autocommit connection to the `postgres` database of the server `url` names."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit(f"The benchmarks need PostgreSQL; DATABASE_URL is {url!r}.")
    return psycopg.connect(
        dbname="postgres",
        autocommit=True,
        host=config.get("HOST") or "127.0.0.1",
        port=config.get("PORT") or 5432,
        user=config.get("USER") or "postgres",
        password=config.get("PASSWORD") or None,
    )


def setup_django(database: str, *, fresh: bool = False) -> None:
    """Point Django at a database of this script's own, on the server of DATABASE_URL (default:
    local PostgreSQL); `fresh` drops it first. seed_large.setup_django does the rest."""
    from urllib.parse import urlsplit

    from psycopg import sql

    base = urlsplit(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/x")
    url = base._replace(path=f"/{database}").geturl()
    if fresh:
        with admin_connection(url) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
    os.environ["DATABASE_URL"] = url
    from seed_large import setup_django as configure  # the one place benchmarks set up Django

    configure()


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
