"""Exit 1 with a plain message, not a traceback, when the test database server is unreachable."""

import sys

import dj_database_url
import psycopg


def main(url: str) -> int:
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        print(f"make test needs PostgreSQL; DATABASE_URL points at {config['ENGINE']}.")
        return 1
    host, port = config.get("HOST") or "127.0.0.1", config.get("PORT") or 5432
    try:
        psycopg.connect(
            host=host,
            port=port,
            user=config.get("USER") or "postgres",
            password=config.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(
            f"\nPostgreSQL is not reachable at {host}:{port} ({reason}).\n"
            "Start it (e.g. `pg_ctlcluster 15 main start`) or point DATABASE_URL at one,\n"
            "e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/leadreview make test\n",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
