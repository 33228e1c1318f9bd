"""The import against the database's own limit: PostgreSQL's COPY of the same CSV.

Writes the 100,000-row CSV that benchmarks/import.py writes (its `write_csv`), times COPY of it
into a plain staging table (all text columns, no indexes, no parsing: the floor), then times
the real import of the same file into an empty database, and prints the import's rate as a
share of COPY's. Run with `make bench`, or `python benchmarks/copy_baseline.py [ROWS]`.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import time
from pathlib import Path

from _results import record
from _setup import setup_django

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def copy_seconds(path: Path) -> float:
    from django.db import connection, transaction

    with path.open(encoding="utf-8") as stream:
        columns = len(stream.readline().split(","))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_staging")
        cursor.execute(
            "CREATE TABLE bench_copy_staging ("
            + ", ".join(f"c{n} text" for n in range(columns))
            + ")"
        )
    started = time.perf_counter()
    statement = "COPY bench_copy_staging FROM STDIN WITH (FORMAT csv, HEADER true)"
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy(statement) as copy,
        path.open("rb") as stream,
    ):
        while chunk := stream.read(1 << 20):
            copy.write(chunk)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_copy_staging")
        (copied,) = cursor.fetchone()
        cursor.execute("DROP TABLE bench_copy_staging")
    assert copied == ROWS, f"COPY loaded {copied} rows, not {ROWS}"
    return seconds


def import_seconds(path: Path) -> tuple[float, int]:
    from django.core.files import File

    from qualification.intake.import_jobs import run_import_job
    from qualification.models import ImportJob, Segment

    segment = Segment.objects.get_or_create(slug="core", defaults={"name": "Core"})[0]
    job = ImportJob(
        original_name=path.name, segment=segment, source_system="copy-baseline", apply_rules=False
    )
    with path.open("rb") as stream:
        job.file.save(path.name, File(stream), save=False)
    job.save()
    started = time.perf_counter()
    job = run_import_job(job.pk)
    return time.perf_counter() - started, job.created_count


def main() -> None:
    setup_django("leadreview_bench_copy", fresh=True)
    write_csv = importlib.import_module("import").write_csv  # benchmarks/import.py's file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "leads.csv"
        write_csv(path, ROWS)
        copy_s = copy_seconds(path)
        import_s, created = import_seconds(path)
    copy_rate, import_rate = ROWS / copy_s, ROWS / import_s
    ratio = import_rate / copy_rate
    print(f"copy baseline: {ROWS:,} rows, the CSV benchmarks/import.py writes")
    print(f"  COPY into a staging table {copy_s:6.2f} s  {copy_rate:10,.0f} rows/s")
    print(f"  LeadReview import         {import_s:6.2f} s  {import_rate:10,.0f} rows/s")
    print(f"    ({created:,} leads created, normalised and deduplicated, with the per-row report)")
    print(f"  import / COPY             {ratio:6.1%} of the database's own load rate")
    record("copy baseline", "COPY into staging", f"{copy_rate:,.0f} rows/s")
    record("copy baseline", "import as share of COPY", f"{ratio:.1%}", "as high as it goes")


if __name__ == "__main__":
    main()
