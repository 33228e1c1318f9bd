"""The nightly duplicate detection over the shared dataset's 100,000 leads, as the task and
`manage.py detect_duplicates` run it (`run_nightly_detection`: live leads in id order, 5,000 per
transaction, same-inbox pairs merged, the rest recorded as candidates).

The run merges leads and writes candidates, so it runs in a copy of the shared dataset
(`CREATE DATABASE … TEMPLATE`, dropped afterwards): every run finds the same pairs and the
benchmarks after it see the dataset as seeded. seed_large plants a few hundred pairs of each key.
Target (issue 14): ≤ 60 s. Run with `make bench` or `python benchmarks/duplicates.py`.
"""

from __future__ import annotations

import time

import _setup  # noqa: F401  (keeps benchmarks/queue.py from shadowing the stdlib)
from _results import record
from _setup import admin_connection, peak_rss_mib, suffixed
from seed_large import ensure_large_dataset

TARGET_SECONDS = 60


def _copy_of_dataset() -> str:
    """Point Django at a fresh copy of the shared dataset; returns the copy's name."""
    from django.db import connection
    from psycopg import sql

    source = connection.settings_dict["NAME"]
    copy = suffixed("leadreview_bench_duplicates")
    connection.close()
    url = (
        f"postgres://{connection.settings_dict['USER'] or 'postgres'}@"
        f"{connection.settings_dict['HOST'] or '127.0.0.1'}:"
        f"{connection.settings_dict['PORT'] or 5432}/{source}"
    )
    with admin_connection(url) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy))
        )
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(copy), sql.Identifier(source)
            )
        )
    connection.settings_dict["NAME"] = copy
    return copy


def _drop(copy: str) -> None:
    from django.db import connection
    from psycopg import sql

    url = (
        f"postgres://{connection.settings_dict['USER'] or 'postgres'}@"
        f"{connection.settings_dict['HOST'] or '127.0.0.1'}:"
        f"{connection.settings_dict['PORT'] or 5432}/postgres"
    )
    connection.close()
    with admin_connection(url) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy))
        )


def main() -> None:
    ensure_large_dataset(verbose=True)
    began = time.perf_counter()
    copy = _copy_of_dataset()
    print(f"duplicates: copied the dataset into {copy} in {time.perf_counter() - began:.1f} s")
    try:
        from qualification.jobs.duplicates import run_nightly_detection
        from qualification.models import DuplicateCandidate

        started = time.perf_counter()
        run = run_nightly_detection()
        seconds = time.perf_counter() - started
        if run.status != run.Status.DONE:
            raise SystemExit(f"the detection run ended {run.status}: {run.error}")
        by_key: dict[str, int] = {}
        for matched in DuplicateCandidate.objects.values_list("matched", flat=True):
            for key in {m["key"] for m in matched}:
                by_key[key] = by_key.get(key, 0) + 1
        print(
            f"  nightly detection {seconds:6.1f} s   {run.leads_checked:,} leads checked · "
            f"{run.pairs_found:,} pairs found · {run.candidates_created:,} candidates · "
            f"{run.merged:,} merged   (target: ≤ {TARGET_SECONDS} s)"
        )
        print("  pairs by key: " + " · ".join(f"{k} {n:,}" for k, n in sorted(by_key.items())))
        print(f"  peak memory       {peak_rss_mib():6.0f} MiB in this process")
        record(
            "duplicates",
            f"nightly detection, {run.leads_checked:,} live leads",
            f"{seconds:.1f} s ({run.pairs_found:,} pairs, {run.merged:,} merged)",
            f"≤ {TARGET_SECONDS} s",
        )
    finally:
        _drop(copy)


if __name__ == "__main__":
    main()
