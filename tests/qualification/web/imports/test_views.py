import datetime as dt
import re
from html import unescape

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qualification.intake.import_jobs import run_import_job
from qualification.models import ImportJob, Lead, Stage
from tests.factories import LeadFactory, SegmentFactory
from tests.qualification.intake.test_import_jobs import import_bytes
from tests.review.test_views import dangling_descriptions, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def segment():
    return SegmentFactory(slug="core", name="Core")


def client_for(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)  # Client.login() gives authenticate() no request; axes needs one
    return client


def upload(client, segment, content=b"Email,Title\nann@acme.io,CFO\nbad,\n", name="leads.csv"):
    return client.post(
        reverse("qualification:import-new"),
        {
            "file": SimpleUploadedFile(name, content, content_type="text/csv"),
            "segment": segment.pk,
            "source_system": "",
            "apply_rules": "",
        },
    )


class TestUpload:
    def test_marketing_uploads_a_csv_and_lands_on_its_report(
        self, marketing, segment, django_capture_on_commit_callbacks
    ):
        client = client_for(marketing)
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(client, segment)

        job = ImportJob.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("qualification:import-detail", args=[job.pk])
        assert (job.status, job.created_count, job.refused_count) == ("done", 1, 1)
        assert job.uploaded_by == marketing and job.source_system == "leads"
        page = client.get(response["Location"]).content.decode()
        assert "“bad” is not a valid email address" in page
        assert "Download the per-row report" in page

    @pytest.mark.parametrize(
        ("name", "content", "error"),
        [
            ("leads.xlsx", b"PK\x03\x04", "Upload a .csv file"),
            ("leads.csv", b"", "The submitted file is empty."),
        ],
    )
    def test_a_file_we_cannot_take_is_a_form_error_and_nothing_is_stored(
        self, revops, segment, name, content, error
    ):
        response = upload(client_for(revops), segment, content=content, name=name)
        assert response.status_code == 422
        assert error in response.content.decode()
        assert not ImportJob.objects.exists()

    def test_a_file_over_the_size_limit_is_refused(self, revops, segment, settings):
        settings.IMPORT_MAX_BYTES = 10
        response = upload(client_for(revops), segment)
        assert response.status_code == 422
        assert "the limit is" in response.content.decode()

    def test_a_file_the_importer_cannot_read_is_refused_beside_the_field(self, marketing, segment):
        response = upload(client_for(marketing), segment, content=b"Name\nAda\n")
        assert response.status_code == 422
        assert "no email column" in response.content.decode()
        assert not ImportJob.objects.exists() and not Lead.objects.exists()

    def test_the_upload_needs_a_csrf_token(self, marketing, segment):
        client = client_for(marketing, enforce_csrf_checks=True)
        assert upload(client, segment).status_code == 403
        assert not ImportJob.objects.exists()


class TestProgressAndReport:
    def _job(self, marketing, segment, capture):
        with capture(execute=True):
            upload(client_for(marketing), segment, content=b"Email\n=cmd@x.io\nok@acme.io\n")
        return ImportJob.objects.get()

    def test_htmx_polls_a_running_job_and_the_page_reloads_when_it_ends(
        self, marketing, segment, django_capture_on_commit_callbacks
    ):
        job = self._job(marketing, segment, django_capture_on_commit_callbacks)
        client = client_for(marketing)
        url = reverse("qualification:import-detail", args=[job.pk])
        ImportJob.objects.filter(pk=job.pk).update(status="running", processed_rows=1, total_rows=2)

        running = client.get(url, headers={"HX-Request": "true"})

        assert running.content.decode().lstrip().startswith('<section id="import-progress"')
        assert 'hx-trigger="every 1s"' in running.content.decode()
        assert 'value="50"' in running.content.decode()
        assert "HX-Refresh" not in running
        assert running["Vary"] == "HX-Request, Cookie" or "HX-Request" in running["Vary"]
        ImportJob.objects.filter(pk=job.pk).update(status="done")
        finished = client.get(url, headers={"HX-Request": "true"})
        assert finished["HX-Refresh"] == "true"
        assert "hx-trigger" not in finished.content.decode()

    def test_the_report_downloads_as_csv_with_formula_cells_defused(
        self, marketing, segment, django_capture_on_commit_callbacks
    ):
        job = self._job(marketing, segment, django_capture_on_commit_callbacks)
        response = client_for(marketing).get(reverse("qualification:import-report", args=[job.pk]))
        body = b"".join(response.streaming_content).decode()
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert 'filename="leads-report-' in response["Content-Disposition"]
        lines = body.splitlines()
        assert lines[0] == "row,outcome,message,email or source id,lead id"
        assert lines[1].startswith("2,created,,'=cmd@x.io,")  # a valid address, defused
        assert lines[2].startswith("3,created,,ok@acme.io,")


def stopped_job(segment, user, **state) -> ImportJob:
    """A job whose file is stored and which a run left in `state` (no row written yet)."""
    job = ImportJob(original_name="leads.csv", segment=segment, source_system="crm")
    job.uploaded_by = user
    job.file.save("leads.csv", ContentFile(b"Email\nann@acme.io\nbo@acme.io\n"), save=False)
    job.save()
    ImportJob.objects.filter(pk=job.pk).update(**state)
    job.refresh_from_db()
    return job


FAILED_MIDWAY = {
    "status": "failed",
    "total_rows": 2,
    "started_at": timezone.now(),
    "error": "an unexpected error stopped it before the first row was written",
}


def resume(client, job):
    return client.post(reverse("qualification:import-resume", args=[job.pk]))


def detail(client, job):
    return client.get(reverse("qualification:import-detail", args=[job.pk])).content.decode()


class TestResume:
    def test_a_job_that_failed_part_way_offers_resume_and_resume_finishes_it(
        self, marketing, segment, django_capture_on_commit_callbacks
    ):
        job = stopped_job(segment, marketing, **FAILED_MIDWAY)
        client = client_for(marketing)
        assert "Resume the import" in detail(client, job)

        with django_capture_on_commit_callbacks(execute=True):
            response = resume(client, job)

        assert response.status_code == 302
        assert response["Location"] == reverse("qualification:import-detail", args=[job.pk])
        job.refresh_from_db()
        assert (job.status, job.error, job.created_count, job.processed_rows) == ("done", "", 2, 2)
        assert Lead.objects.count() == 2
        assert "Resume the import" not in detail(client, job)

    def test_a_running_job_with_no_progress_for_minutes_is_shown_interrupted_and_resumes(
        self, revops, segment, settings, django_capture_on_commit_callbacks
    ):
        silent_since = timezone.now() - settings.IMPORT_STALLED_AFTER - dt.timedelta(seconds=1)
        job = stopped_job(
            segment, revops, status="running", total_rows=2, heartbeat_at=silent_since
        )
        client = client_for(revops)
        page = detail(client, job)
        assert "Interrupted" in page and "Resume the import" in page
        progress = client.get(
            reverse("qualification:import-detail", args=[job.pk]), headers={"HX-Request": "true"}
        ).content.decode()
        assert "Resume the import" in progress  # the polled partial offers it too

        with django_capture_on_commit_callbacks(execute=True):
            resume(client, job)

        job.refresh_from_db()
        assert (job.status, job.created_count) == ("done", 2)

    def test_a_job_still_making_progress_is_not_offered_resume_and_a_post_changes_nothing(
        self, marketing, segment
    ):
        job = stopped_job(segment, marketing, status="running", heartbeat_at=timezone.now())
        client = client_for(marketing)
        assert "Resume the import" not in detail(client, job)

        response = resume(client, job)

        assert response.status_code == 302
        job.refresh_from_db()
        assert job.status == "running" and not Lead.objects.exists()
        assert "still running" in client.get(response["Location"]).content.decode()

    def test_a_file_the_check_refused_is_not_offered_resume(self, marketing, segment):
        # The upload page refuses such a file outright; a job the command line stored is
        # checked when it runs, fails, and would only be refused again.
        job = ImportJob(original_name="names.csv", segment=segment, uploaded_by=marketing)
        job.file.save("names.csv", ContentFile(b"Name\nAda\n"), save=False)
        job.save()
        job = run_import_job(job.pk)
        assert job.status == "failed"
        page = detail(client_for(marketing), job)
        assert "no email column" in page and "Resume the import" not in page

    def test_a_manager_sees_no_resume_button_and_may_not_resume(self, manager, segment):
        job = stopped_job(segment, None, **FAILED_MIDWAY)
        client = client_for(manager)
        assert "Resume the import" not in detail(client, job)
        assert resume(client, job).status_code == 403
        job.refresh_from_db()
        assert job.status == "failed"

    def test_resume_needs_a_csrf_token(self, marketing, segment):
        job = stopped_job(segment, marketing, **FAILED_MIDWAY)
        assert resume(client_for(marketing, enforce_csrf_checks=True), job).status_code == 403
        job.refresh_from_db()
        assert job.status == "failed"

    def test_resume_refuses_get(self, marketing, segment):
        job = stopped_job(segment, marketing, **FAILED_MIDWAY)
        url = reverse("qualification:import-resume", args=[job.pk])
        assert client_for(marketing).get(url).status_code == 405


class TestPermissions:
    @pytest.mark.parametrize("role", ["sdr", "ae", "manager"])
    def test_only_marketing_and_revops_upload(self, role, request, segment):
        client = client_for(request.getfixturevalue(role))
        assert client.get(reverse("qualification:import-new")).status_code == 403
        assert upload(client, segment).status_code == 403

    @pytest.mark.parametrize(
        ("role", "status"),
        [("sdr", 403), ("ae", 403), ("manager", 200), ("marketing", 200), ("revops", 200)],
    )
    def test_who_sees_the_import_list(self, role, status, request):
        client = client_for(request.getfixturevalue(role))
        assert client.get(reverse("qualification:import-list")).status_code == status

    def test_anonymous_users_are_sent_to_log_in(self):
        response = Client().get(reverse("qualification:import-list"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


class TestTheForm:
    def test_every_aria_describedby_on_the_import_form_names_an_element(self, revops, segment):
        client = client_for(revops)
        pages = {
            "empty form": client.get(reverse("qualification:import-new")),
            "refused file": upload(client, segment, content=b"PK\x03\x04", name="leads.xlsx"),
        }

        for name, response in pages.items():
            assert response.status_code in (200, 422), name
            assert dangling_descriptions(response.text) == [], name
        assert 'aria-describedby="id_file_helptext id_file_error"' in pages["refused file"].text
        assert 'id="id_source_system_helptext"' in pages["empty form"].text

    def test_the_help_says_what_importing_again_does(self, revops):
        page = client_for(revops).get(reverse("qualification:import-new")).text

        assert "imports once" not in page  # untrue: into another segment it adds leads
        assert "into another segment, its rows without a source id become new leads" in page


def _link(html: str, text: str) -> str:
    """The href of the link whose text is `text`."""
    match = re.search(r'<a href="([^"]+)"[^>]*>\s*' + re.escape(text) + r"\s*</a>", html)
    assert match, f"no link “{text}”"
    return unescape(match.group(1))


class TestWhereTheLeadsWent:
    def test_the_job_page_says_where_the_leads_went_and_links_to_them(
        self, revops, segment, django_capture_on_commit_callbacks
    ):
        LeadFactory(stage=Stage.NURTURE, recycle_on=dt.date(2030, 1, 1))  # not from the import
        content = b"Email,Title\nann@acme.io,Analyst\nbob@acme.io,Analyst\ncat@acme.io,Analyst\n"
        with django_capture_on_commit_callbacks(execute=True):
            job = import_bytes(content, segment, rules=True)
        client = client_for(revops)

        page = client.get(reverse("qualification:import-detail", args=[job.pk])).text

        assert "3 created: 3 to nurture under the nurture floor" in visible_text(page)
        listing = client.get(_link(page, "3 to nurture under the nurture floor"))
        assert listing.status_code == 200
        assert {lead.pk for lead in listing.context["page"].object_list} == set(
            job.rows.values_list("lead_id", flat=True)
        )
        assert "From the import" in visible_text(listing.text)

    def test_each_outcome_says_where_its_leads_are_and_why(
        self, marketing, segment, django_capture_on_commit_callbacks
    ):
        content = (
            b"Email,Title,Stage,Disqualified Reason\n"
            b"ann@acme.io,Analyst,,\n"
            b"bob@acme.io,Analyst,,\n"
            b"cat@acme.io,Analyst,Nurture,Bad Timing\n"
            b"dan@acme.io,Analyst,Disqualified,No Budget\n"
            b"ann@acme.io,Analyst,,\n"
            b"bad,,,\n"
        )
        with django_capture_on_commit_callbacks(execute=True):
            job = import_bytes(content, segment, rules=True)
        client = client_for(marketing)

        text = visible_text(client.get(reverse("qualification:import-detail", args=[job.pk])).text)

        assert (
            "4 created: 3 to nurture (2 under the nurture floor, 1 as the file said), "
            "1 disqualified as the file said"
        ) in text
        assert "1 already here, nothing new: 1 to nurture under the nurture floor" in text
        assert "1 refused" in text

    def test_with_the_rules_off_the_leads_stay_new_and_the_page_says_why(
        self, revops, segment, django_capture_on_commit_callbacks
    ):
        job = import_bytes(b"Email\nann@acme.io\nbob@acme.io\n", segment)
        client = client_for(revops)

        page = client.get(reverse("qualification:import-detail", args=[job.pk])).text

        assert "2 created: 2 still new with the stage rules off" in visible_text(page)
        listing = client.get(_link(page, "2 still new with the stage rules off"))
        assert len(listing.context["page"].object_list) == 2

    @pytest.mark.parametrize("value", ["abc", "999999", "1" * 30, "1\x00"])
    def test_an_unknown_import_in_the_lead_list_lists_no_leads(self, revops, value):
        LeadFactory()
        response = client_for(revops).get(reverse("qualification:lead-list"), {"import_job": value})
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == 0
