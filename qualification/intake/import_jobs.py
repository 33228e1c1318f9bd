"""CSV import: look the file over, then stream it through intake in batches.

The first pass checks encoding, quotes, header and size and counts the rows, so a file we cannot
read is refused with a sentence before anything is written (the upload form runs it too). The
second pass streams 2,000 rows at a time through `intake.ingest`; each batch commits with its
report rows and the job's counters, so an import cut off midway leaves no partial batch and
resumes where it stopped."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from qualification.intake import pg_copy as bulk
from qualification.intake.batch import ingest
from qualification.intake.csv_cells import safe_cell
from qualification.intake.csv_files import (
    NOT_UTF8_NOTE,
    FilePlan,
    ImportFileError,
    is_ragged,
    lead_row,
    plan_file,
    read_records,
)
from qualification.models import ImportJob, ImportRow, Segment
from qualification.scoring.stage_rules import apply_stage_rules, leads_for_stage_rules

logger = logging.getLogger(__name__)


# Per-batch costs (lookups, scoring, the commit) amortise well by 2,000 rows: 12 % faster than
# 1,000, within 2 % of 5,000, and a resumed job redoes at most 2,000 rows.
BATCH_SIZE = 2000


csv.field_size_limit(1 << 20)  # a field over 1 MiB is a broken file, not a long answer


IMPORT_LOCKS = 1_147  # our class of PostgreSQL advisory locks: (IMPORT_LOCKS, job id)


REPORT_FIELDS = ("job_id", "row_number", "outcome", "message", "key", "lead_id")


def _row_message(plan: FilePlan, line: int, message: str) -> str:
    if line in plan.not_utf8_rows:
        message = f"{message} · {NOT_UTF8_NOTE}" if message else NOT_UTF8_NOTE
    return message[:500]


# What follows a committed batch when the job applies the stage rules: given its lead ids.
RulesAfterBatch = Callable[[list[int]], object]


def create_import_job(
    *,
    name: str,
    content: File,
    segment: Segment,
    uploaded_by: AbstractBaseUser | None,
    source_system: str = "",
    apply_rules: bool = True,
) -> ImportJob:
    """A queued import of `content`, the file the user called `name`, stored first: the task
    that runs it gets a path, not bytes. The source system defaults to the file's stem."""
    job = ImportJob(
        original_name=name[:255],
        segment=segment,
        uploaded_by=uploaded_by,
        source_system=(source_system or Path(name).stem)[:60],
        apply_rules=apply_rules,
    )
    job.file.save(name, content, save=False)
    job.save()
    return job


def apply_rules_on_commit(lead_ids: list[int]) -> None:
    """The stage rules in this process once the batch commits (the Celery task instead queues
    them, so workers apply them beside the import)."""
    transaction.on_commit(lambda: apply_stage_rules(leads_for_stage_rules(lead_ids)))


def run_import_job(
    job_id: int, *, rules_after_batch: RulesAfterBatch = apply_rules_on_commit
) -> ImportJob:
    """Import the job's file, or carry a stopped one on (see `ImportJob.objects.resumable`).

    A job already running, done or refused is left alone, and however many runs are started
    (a queue message delivered twice, Resume on a job that was only slow) each line is written
    once. Whatever stops a run, the job is left failed with the reason in words, not running.
    """
    now = timezone.now()
    claimed = (
        ImportJob.objects.runnable(now=now)
        .filter(pk=job_id)
        .update(
            status=ImportJob.Status.RUNNING,
            started_at=Coalesce(F("started_at"), Value(now)),
            heartbeat_at=now,
            finished_at=None,
            error="",
        )
    )
    job = ImportJob.objects.select_related("segment", "uploaded_by").get(pk=job_id)
    if not claimed:
        return job
    try:
        with _signs_of_life(job.pk):
            _run(job, rules_after_batch=rules_after_batch)
    except ImportFileError as error:
        _finish(job, ImportJob.Status.FAILED, error=str(error))
    except Exception:
        logger.exception("Import %s stopped on an error", job.pk)
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()  # a lost connection: take a new one
        _finish(job, ImportJob.Status.FAILED, error=_stopped(job.pk))
    else:
        _finish(job, ImportJob.Status.DONE)
    job.refresh_from_db()
    return job


def resume_import_job(*, job: ImportJob, now: dt.datetime) -> bool:
    """Queue a stopped job again (the caller then starts the run); False when it is not
    stopped: still running, done, or a file the check refused."""
    return bool(
        ImportJob.objects.resumable(now=now)
        .filter(pk=job.pk)
        .update(status=ImportJob.Status.QUEUED, heartbeat_at=now, finished_at=None)
    )


def _run(job: ImportJob, *, rules_after_batch: RulesAfterBatch) -> None:
    path = Path(job.file.path)
    plan = plan_file(path)
    ImportJob.objects.filter(pk=job.pk).update(total_rows=plan.total_rows)
    done_lines = set(job.rows.values_list("row_number", flat=True))  # resuming: skip these
    batch: list[tuple[int, list[str]]] = []
    records = read_records(path, plan.encoding)
    next(records)  # the header
    for line, values in records:
        if line in done_lines:
            continue
        batch.append((line, values))
        if len(batch) == BATCH_SIZE:
            _import_batch(job, plan, batch, rules_after_batch)
            batch = []
    if batch:
        _import_batch(job, plan, batch, rules_after_batch)


@contextmanager
def _signs_of_life(job_id: int) -> Iterator[None]:
    """Touch the job's heartbeat from a thread while the run lasts, however long a batch or
    its stage rules take; a killed process stops touching it, and the job shows as stalled."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.IMPORT_STALLED_AFTER.total_seconds() / 4):
                try:
                    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError as error:  # SQLite busy with a batch: the next beat
                    logger.warning("Import %s: heartbeat skipped (%s)", job_id, error)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"import-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _finish(job: ImportJob, status: str, *, error: str = "") -> None:
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
        status=status, error=error, finished_at=timezone.now(), heartbeat_at=timezone.now()
    )


def _stopped(job_id: int) -> str:
    job = ImportJob.objects.get(pk=job_id)
    done, total = job.processed_rows, job.total_rows
    if total is None:  # before the file check finished: not resumable, see `resumable`
        return (
            "an unexpected error stopped it while checking the file (the server log has the "
            "details). Upload the file again."
        )
    if not done:
        return (
            "an unexpected error stopped it before the first row was written (the server log "
            "has the details). Resume starts it again."
        )
    return (
        f"an unexpected error stopped it after {done:,} of {total:,} rows (the server log has "
        f"the details). Those rows are imported; Resume imports the other {total - done:,}."
    )


def _import_batch(
    job: ImportJob,
    plan: FilePlan,
    batch: list[tuple[int, list[str]]],
    rules_after_batch: RulesAfterBatch,
) -> None:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Don't wait for the WAL flush at commit. A server crash can then lose the
                # last batches, but a batch and its report rows go together, so the resumed
                # job simply imports those rows again; nothing is half-written.
                cursor.execute("SET LOCAL synchronous_commit = off")
                # One batch of a job at a time, and no line twice: a second run of the job (a
                # queue message delivered twice, Resume on a job that was only slow) waits
                # here, then skips what the first reported. An advisory lock, not the job's
                # row, so the heartbeat still writes meanwhile. (SQLite's IMMEDIATE
                # transactions, see settings, let one writer in at a time.)
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s::int, %s::int)", [IMPORT_LOCKS, job.pk]
                )
        reported = set(
            job.rows.filter(row_number__range=(batch[0][0], batch[-1][0])).values_list(
                "row_number", flat=True
            )
        )
        rows, ragged = [], {}
        for line, values in batch:
            if line in reported:
                continue
            if is_ragged(plan, values):
                ragged[line] = (
                    f"has {len(values)} values but the header has {len(plan.header)} columns "
                    "(a stray comma or quote?)"
                )
            else:
                rows.append(lead_row(plan, line, values))
        results = ingest(
            rows,
            segment=job.segment,
            source_system=job.source_system,
            actor=job.uploaded_by,
        )
        report = [
            (
                job.pk,
                r.line,
                r.outcome,
                _row_message(plan, r.line, r.message),
                r.key[:255],
                r.lead_id,
            )
            for r in results
        ]
        report += [
            (job.pk, line, ImportRow.Outcome.REFUSED, _row_message(plan, line, message), "", None)
            for line, message in ragged.items()
        ]
        bulk.insert_values(ImportRow, REPORT_FIELDS, report)
        counts = {outcome: 0 for outcome in ImportRow.Outcome.values}
        for row in report:
            counts[row[2]] += 1
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=F("processed_rows") + len(report),
            created_count=F("created_count") + counts["created"],
            merged_count=F("merged_count") + counts["merged"],
            unchanged_count=F("unchanged_count") + counts["unchanged"],
            refused_count=F("refused_count") + counts["refused"],
            heartbeat_at=timezone.now(),
        )
        if job.apply_rules:
            lead_ids = sorted({r.lead_id for r in results if r.lead_id is not None})
            if lead_ids:
                rules_after_batch(lead_ids)


REPORT_HEADER = ["row", "outcome", "message", "email or source id", "lead id"]


def report_lines(job: ImportJob) -> Iterator[str]:
    """The per-row report as CSV lines, cells defused for spreadsheets; streams, never loads
    the whole report."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(REPORT_HEADER)
    yield take()
    rows = job.rows.order_by("row_number").values_list(
        "row_number", "outcome", "message", "key", "lead_id"
    )
    for row in rows.iterator(chunk_size=2000):
        writer.writerow([safe_cell(cell) for cell in row])
        yield take()


def write_report(job: ImportJob, stream) -> None:
    for line in report_lines(job):
        stream.write(line)
