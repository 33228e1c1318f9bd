"""The same person written by two requests or two imports at once, on PostgreSQL.

The loser of a unique index (the contact's email, the account's domain, the lead's source id)
finds the winner's rows when it looks again: its batch is retried as merges, never a 500 and
never a job left running. Transactional, so each thread sees what the others commit.
"""

import datetime as dt
import json
import threading
import time

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import Account, Contact
from qualification.intake import import_jobs as importer
from qualification.intake.web_form import issue_token
from qualification.models import ImportJob, ImportRow, IntakeRequest, IntakeSource, Lead
from tests.concurrency import run_at_once, second_connection
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def segment():
    return SegmentFactory(slug="core", name="Core")


def test_twenty_intake_posts_of_one_new_email_at_once_all_succeed_with_one_lead(segment):
    source = IntakeSource(name="Website form", segment=segment)
    token = issue_token(source)
    source.save()
    body = json.dumps({"email": "ann.lee@acme.io", "first_name": "Ann", "title": "CFO"})

    def post(n: int):
        return lambda: Client().post(
            "/api/intake/leads/",
            data=body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"k-{n}"},
        )

    responses = run_at_once(*(post(n) for n in range(20)))

    assert [r.status_code for r in responses] == [202] * 20
    lead = Lead.objects.get()
    assert {r.json()["id"] for r in responses} == {lead.pk}
    assert (Contact.objects.count(), Account.objects.count()) == (1, 1)
    assert IntakeRequest.objects.count() == 20


def _job(segment, content: bytes) -> ImportJob:
    job = ImportJob(original_name="leads.csv", segment=segment, source_system="crm")
    job.file.save("leads.csv", ContentFile(content), save=False)
    job.save()
    return job


def test_two_uploads_of_one_file_at_once_both_finish_and_each_person_is_written_once(
    segment, monkeypatch
):
    monkeypatch.setattr(importer, "BATCH_SIZE", 25)
    content = "LeadId,Email,Company,Website\n" + "".join(
        f"{n},p{n}@co{n % 7}.io,Co {n % 7},co{n % 7}.io\n" for n in range(100)
    )
    jobs = [_job(segment, content.encode()), _job(segment, content.encode())]

    finished = run_at_once(*(lambda job=job: importer.run_import_job(job.pk) for job in jobs))

    assert [job.status for job in finished] == ["done", "done"]
    assert (Lead.objects.count(), Contact.objects.count(), Account.objects.count()) == (100, 100, 7)
    for job in finished:
        assert job.processed_rows == job.total_rows == 100
        assert ImportRow.objects.filter(job=job).count() == 100
        assert job.refused_count == 0
    # Between them the two jobs created each lead once; the other found it.
    assert sum(job.created_count for job in finished) == 100


def test_two_runners_of_one_job_write_each_row_once(segment, monkeypatch):
    # A queue message delivered twice, or Resume pressed on a job whose worker was only slow.
    monkeypatch.setattr(importer, "BATCH_SIZE", 25)
    content = "Email\n" + "".join(f"p{n}@acme.io\n" for n in range(100))
    job = _job(segment, content.encode())

    run_at_once(*(lambda: importer.run_import_job(job.pk) for _ in range(2)))

    job.refresh_from_db()
    assert job.status == "done"
    assert (job.processed_rows, job.created_count, job.total_rows) == (100, 100, 100)
    assert ImportRow.objects.filter(job=job).count() == 100
    assert Lead.objects.count() == 100


def test_a_run_held_up_for_longer_than_the_stall_time_is_not_taken_for_interrupted(
    segment, settings
):
    settings.IMPORT_STALLED_AFTER = dt.timedelta(seconds=0.4)
    job = _job(segment, b"Email\nann@acme.io\n")

    def run() -> None:
        importer.run_import_job(job.pk)
        connection.close()

    with second_connection() as holder:  # the batch waits for the leads table
        holder.execute("LOCK TABLE qualification_lead IN SHARE ROW EXCLUSIVE MODE")
        runner = threading.Thread(target=run)
        runner.start()
        for _ in range(600):
            if ImportJob.objects.filter(pk=job.pk, status="running").exists():
                break
            time.sleep(0.1)
        time.sleep(1.5)  # held up for three stall times

        assert ImportJob.objects.get(pk=job.pk).status == "running"
        assert not ImportJob.objects.resumable(now=timezone.now()).filter(pk=job.pk).exists()
        holder.rollback()
    runner.join(60)
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 1)
