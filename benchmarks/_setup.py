"""Shared set-up for benchmark scripts: Django configured against a PostgreSQL database of
their own, created and migrated if it does not exist yet.

BENCH_DB_SUFFIX (say `_ann`) is appended to every benchmark database's name, the shared
dataset's included, so two people can bench on one server at once without dropping each
other's databases."""

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


def suffixed(database: str) -> str:
    """The name a benchmark database really has: `database` + BENCH_DB_SUFFIX (if set)."""
    suffix = os.environ.get("BENCH_DB_SUFFIX", "")
    if suffix and not suffix.replace("_", "").isalnum():
        raise SystemExit(f"BENCH_DB_SUFFIX must be letters, digits and '_', not {suffix!r}.")
    return database if database.endswith(suffix) else database + suffix


def with_database(url: str, database: str) -> str:
    """`url` naming `database` instead, suffixed."""
    from urllib.parse import urlsplit

    return urlsplit(url)._replace(path=f"/{suffixed(database)}").geturl()


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
    local PostgreSQL), its name suffixed by BENCH_DB_SUFFIX; `fresh` drops it first.
    seed_large.setup_django does the rest."""
    from psycopg import sql

    url = with_database(
        os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/x", database
    )
    if fresh:
        with admin_connection(url) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(suffixed(database))
                )
            )
    os.environ["DATABASE_URL"] = url
    from seed_large import setup_django as configure  # the one place benchmarks set up Django

    configure()


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
