"""Faults with the real services: PostgreSQL killing our connection mid-import, Redis gone.

Transactional tests (the import commits per batch; on_commit must really run), with the
migrations' data restored afterwards.
"""

from __future__ import annotations

import json
import logging

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from kombu import pools

from accounts import roles
from leadreview.celery import app
from qualification.intake import import_jobs as importer
from qualification.intake.web_form import issue_token
from qualification.models import ImportJob, ImportRow, IntakeSource, Lead
from tests.factories import LeadFactory, SegmentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
CLOSED_PORT = "redis://127.0.0.1:6390/0"  # nothing listens here


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _fresh_broker_pools():
    # An earlier test's real worker may have closed pools Celery still holds (even eager runs
    # acquire a producer): start from none.
    _forget_broker()


def kill_our_connection() -> None:
    """Terminate this test's PostgreSQL backend from a second connection, as a failover or an
    administrator's pg_terminate_backend would."""
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


class TestDatabaseGoesAwayMidImport:
    def test_the_job_is_failed_with_the_reason_and_resume_finishes_it_to_the_exact_totals(
        self, monkeypatch, caplog
    ):
        monkeypatch.setattr(importer, "BATCH_SIZE", 4)
        segment = SegmentFactory(slug="core", name="Core")
        marketing = UserFactory(username="marketing", role=roles.MARKETING)
        content = "Email,Title\n" + "".join(f"p{i}@acme{i % 3}.io,CFO\n" for i in range(10))
        job = ImportJob(original_name="x.csv", segment=segment, source_system="t")
        job.file.save("x.csv", ContentFile(content.encode()), save=False)
        job.save()
        real_ingest = importer.ingest
        calls = {"n": 0}

        def ingest_then_lose_the_database(*args, **kwargs):
            results = real_ingest(*args, **kwargs)  # the batch's leads are written, uncommitted
            calls["n"] += 1
            if calls["n"] == 2:
                kill_our_connection()
            return results

        monkeypatch.setattr(importer, "ingest", ingest_then_lose_the_database)
        with caplog.at_level(logging.ERROR, logger="qualification.importer"):
            job = importer.run_import_job(job.pk)

        assert job.status == ImportJob.Status.FAILED  # written on a new connection
        assert "stopped it after 4 of 10 rows" in job.error
        assert "Resume imports the other 6" in job.error
        assert any(r.exc_info for r in caplog.records)  # the details are in the log
        assert Lead.objects.count() == 4  # the first batch, whole; nothing of the second
        assert ImportRow.objects.filter(job=job).count() == 4

        monkeypatch.setattr(importer, "ingest", real_ingest)
        client = Client()
        client.force_login(marketing)
        page = client.get(reverse("qualification:import-detail", args=[job.pk])).text
        assert "The import stopped part-way" in page and "Resume the import" in page
        response = client.post(reverse("qualification:import-resume", args=[job.pk]))

        assert response.status_code == 302
        job.refresh_from_db()
        assert job.status == ImportJob.Status.DONE and job.error == ""
        assert (job.created_count, job.merged_count, job.refused_count) == (10, 0, 0)
        assert job.processed_rows == job.total_rows == 10
        assert Lead.objects.count() == 10
        assert sorted(job.rows.values_list("row_number", flat=True)) == list(range(2, 12))


def _forget_broker():
    """Celery caches broker pools and the result backend from first use; drop them."""
    app._local.__dict__.pop("backend", None)
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()  # kombu's global producer pools, keyed by broker URL


@pytest.fixture
def redis_down():
    keys = ("broker_url", "result_backend", "task_always_eager")
    previous = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=CLOSED_PORT, result_backend=None, task_always_eager=False)
    _forget_broker()
    yield
    app.conf.update(previous)
    _forget_broker()


class TestRedisDown:
    def test_pages_are_still_served(self, redis_down):
        sdr = UserFactory(username="sdr", role=roles.SDR)
        LeadFactory()
        client = Client()
        client.force_login(sdr)

        assert client.get(reverse("qualification:queue")).status_code == 200
        assert client.get(reverse("qualification:lead-list")).status_code == 200

    def test_an_upload_says_the_import_did_not_start(self, redis_down, caplog):
        marketing = UserFactory(username="marketing", role=roles.MARKETING)
        segment = SegmentFactory(slug="core", name="Core")
        client = Client()
        client.force_login(marketing)
        upload = ContentFile(b"Email\nann@acme.io\n", name="leads.csv")

        with caplog.at_level(logging.ERROR, logger="qualification.jobs.enqueue"):
            response = client.post(
                reverse("qualification:import-new"),
                {"file": upload, "segment": segment.pk, "apply_rules": "on"},
                follow=True,
            )

        job = ImportJob.objects.get()
        assert job.status == ImportJob.Status.FAILED
        assert "job queue is unreachable" in job.error
        assert "The file was not imported" in response.text
        assert any("broker is unreachable" in r.message for r in caplog.records)
        assert Lead.objects.count() == 0

    def test_intake_saves_the_lead_and_says_scoring_is_pending(self, redis_down, caplog):
        source = IntakeSource(name="Form", segment=SegmentFactory(slug="core", name="Core"))
        token = issue_token(source)
        source.save()

        with caplog.at_level(logging.ERROR, logger="qualification.jobs.enqueue"):
            response = Client().post(
                "/api/intake/leads/",
                data=json.dumps({"email": "ann@acme.io", "title": "CFO"}),
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k1"},
            )

        assert response.status_code == 202
        assert response.json()["scoring"].startswith("pending")
        assert Lead.objects.filter(pk=response.json()["id"]).exists()
        assert any("score_and_route" in r.message for r in caplog.records)
