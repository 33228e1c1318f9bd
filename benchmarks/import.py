"""Import 100,000 leads from CSV into an empty database, then the same file again.

Prints rows/s for both runs and the process's peak memory. Target (issue 4): at least 3,000
rows/s under 300 MB. Run with `make bench`, or `python benchmarks/import.py [ROWS]`.

Then matching's cost (issue 13: matching adds at most 30 % to the import's time): the same
first import into a second empty database with the matcher's one call per batch
(`intake.lookups._match`) replaced by nothing, for this measurement only. Without it a row whose
domain no account has makes a new account, as before issue 13; the matcher in the first run
also finds no account for these companies ("Company123 Ltd" is not "Company124 Ltd": their
numbers differ), so both runs write the same leads, contacts and accounts and the difference
is the matcher's queries and its AccountMatch rows. Pre-making every account instead would
take the accounts' creation out of the run without matching too, which is not what matching
costs.
"""

from __future__ import annotations

import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from _results import record
from _setup import peak_rss_mib, setup_django

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
LABELS = ("first import", "same file again")
FIRST = ["Ann", "Bob", "Chloe", "Dev", "Eva", "Femi", "Gia", "Hugo", "Ines", "Jon", "Kai", "Lea"]
LAST = ["Lee", "Okafor", "Shah", "Becker", "Reyes", "Weber", "Martin", "Lind", "Ng", "Diaz"]
TITLES = [
    "VP Sales",
    "Head of IT",
    "CFO",
    "Marketing Director",
    "Procurement Manager",
    "Software Engineer",
    "Owner",
    "Operations Manager",
    "Student",
    "N/A",
    "",
]
INDUSTRIES = ["Software", "Financial Services", "Retail", "Logistics", "Healthcare", "Media"]
SOURCES = ["Web Registration", "Purchased List", "Trade Shows and Events", "Webinar", "Demo"]
REASONS = ["Abandoned", "Not Interested", "No Budget", "Competitor", "Wrong Contact"]


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(7)
    domains = [f"company{n}.example" for n in range(rows // 5)]
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            [
                "Email",
                "First Name",
                "Last Name",
                "Job Title",
                "Company",
                "Website",
                "Country",
                "Industry",
                "Employees",
                "Lead Source",
                "Stage",
                "Disqualified Reason",
                "Team size",
            ]
        )
        for n in range(rows):
            domain = rng.choice(domains)
            personal = rng.random() < 0.05
            email = f"person{n}@{'gmail.com' if personal else domain}"
            stage, reason = (
                ("Disqualified", rng.choice(REASONS)) if rng.random() < 0.2 else ("New", "")
            )
            writer.writerow(
                [
                    email,
                    rng.choice(FIRST),
                    rng.choice(LAST),
                    rng.choice(TITLES),
                    f"{domain.split('.')[0].title()} Ltd",
                    f"https://www.{domain}/",
                    rng.choice(["United Kingdom", "US", "Germany", "India"]),
                    rng.choice(INDUSTRIES),
                    rng.choice(["12", "250", "1,200", "NA"]),
                    rng.choice(SOURCES),
                    stage,
                    reason,
                    rng.randint(1, 500),
                ]
            )


def import_file(path: Path, label: str) -> float:
    """Import `path` as a new job into the current database; prints and returns seconds."""
    from django.core.files import File

    from accounts.models import Account
    from qualification.intake.import_jobs import run_import_job
    from qualification.models import AccountMatch, ImportJob, Segment

    segment = Segment.objects.get_or_create(slug="core", defaults={"name": "Core"})[0]
    job = ImportJob(
        original_name=path.name, segment=segment, source_system="bench", apply_rules=False
    )
    with path.open("rb") as stream:
        job.file.save(path.name, File(stream), save=False)
    job.save()
    started = time.perf_counter()
    job = run_import_job(job.pk)
    seconds = time.perf_counter() - started
    print(
        f"  {label:24} {seconds:6.1f} s  {ROWS / seconds:8,.0f} rows/s   "
        f"created {job.created_count:,} · merged {job.merged_count:,} · "
        f"unchanged {job.unchanged_count:,} · refused {job.refused_count:,} · "
        f"accounts {Account.objects.count():,} · match decisions {AccountMatch.objects.count():,}"
    )
    return seconds


def _switch_to_empty_database(database: str) -> None:
    """Point the configured Django at a new, migrated, empty database."""
    from _setup import admin_connection, suffixed, with_database
    from django.core.management import call_command
    from django.db import connection
    from psycopg import sql

    name = suffixed(database)
    url = with_database(os.environ["DATABASE_URL"], name)
    connection.close()
    with admin_connection(url) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.settings_dict["NAME"] = name
    call_command("migrate", verbosity=0)


def main() -> None:
    setup_django("leadreview_bench_import", fresh=True)
    from qualification.intake import lookups

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "leads.csv"
        write_csv(path, ROWS)
        print(f"import: {ROWS:,} rows, {path.stat().st_size / 2**20:.1f} MiB of CSV")
        timings = {}
        for label in LABELS:
            timings[label] = seconds = import_file(path, label)
            record("import", f"{ROWS:,} rows, {label}", f"{ROWS / seconds:,.0f} rows/s", "≥ 3,000")
        memory = peak_rss_mib()
        _switch_to_empty_database("leadreview_bench_import_nomatch")
        matcher = lookups._match
        lookups._match = lambda rows, found_lookups, found: None  # this measurement only
        try:
            without = import_file(path, "first import, no matching")
        finally:
            lookups._match = matcher
    ratio = timings[LABELS[0]] / without - 1
    print(
        f"  matching's cost          {ratio:+6.1%} on the first import "
        f"({timings[LABELS[0]]:.1f} s with, {without:.1f} s without; target: ≤ +30 %)"
    )
    record(
        "import",
        f"matching's cost on {ROWS:,} new rows",
        f"{ratio:+.0%} ({timings[LABELS[0]]:.1f} s vs {without:.1f} s)",
        "≤ +30 %",
    )
    print(f"  peak memory              {memory:6.0f} MiB (target: ≥ 3,000 rows/s, < 300 MB)")
    record("import", "peak memory", f"{memory:,.0f} MiB", "< 300 MB")


if __name__ == "__main__":
    main()
