"""With no broker (the `make run` demo) an upload answers at once: the import runs in a thread
of the web process, on its own database connection, and the page polls its progress.

Transactional, on PostgreSQL: the thread sees only what the request committed.
"""

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts import roles
from qualification.jobs.tasks import run_import
from qualification.models import ImportJob, Lead
from tests.concurrency import second_connection
from tests.factories import SegmentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
WAIT = 60


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS_IN_THREADS = True  # what `make run` gets; tests otherwise run tasks inline


def other_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_the_upload_answers_before_the_import_runs_and_the_page_shows_its_progress():
    marketing = UserFactory(username="marketing", role=roles.MARKETING)
    segment = SegmentFactory(slug="core", name="Core")
    client = Client()
    client.force_login(marketing)
    content = "Email,Title\n" + "".join(f"p{n}@acme.io,CFO\n" for n in range(30))
    answered: list = []

    def post() -> None:
        answered.append(
            client.post(
                reverse("qualification:import-new"),
                {
                    "file": SimpleUploadedFile("leads.csv", content.encode(), "text/csv"),
                    "segment": segment.pk,
                    "apply_rules": "on",
                },
            )
        )
        connection.close()

    # Another session holds the leads table against writes: an import run inside the request
    # would wait for it, and so would the upload's answer.
    with second_connection() as holder:
        holder.execute("LOCK TABLE qualification_lead IN SHARE ROW EXCLUSIVE MODE")
        request = threading.Thread(target=post)
        request.start()
        request.join(WAIT)
        assert not request.is_alive(), "the upload waited for the import"
        (response,) = answered
        job = ImportJob.objects.get()
        assert response.status_code == 302
        assert job.status in ("queued", "running") and job.processed_rows == 0
        page = client.get(response["Location"]).text
        assert 'hx-trigger="every 1s"' in page and "<progress" in page
        holder.rollback()  # let the import write

    for _ in range(WAIT * 10):
        job.refresh_from_db()
        if job.status not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert (job.status, job.created_count, job.processed_rows) == ("done", 30, 30)
    assert Lead.objects.count() == 30
    for thread in threading.enumerate():
        if thread.name == f"{run_import.name}:{job.pk}":
            thread.join(WAIT)
    assert other_sessions() == 0  # the thread closed its connection
