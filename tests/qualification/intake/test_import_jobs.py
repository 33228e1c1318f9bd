import codecs
import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Count
from django.utils import timezone

from accounts.models import Account, Contact
from qualification.intake import import_jobs as importer
from qualification.intake.csv_cells import safe_cell
from qualification.intake.import_jobs import run_import_job, write_report
from qualification.models import (
    AccountMatch,
    ImportJob,
    ImportRow,
    Lead,
    ReasonCode,
    Stage,
    StageTransition,
)
from tests.factories import AccountFactory, ContactFactory, SegmentFactory

pytestmark = pytest.mark.django_db

DATA = Path(settings.BASE_DIR).parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def segment():
    return SegmentFactory(slug="core", name="Core")


def data_file(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the import tests need ../shared/data beside the repo")
    return path


def import_bytes(content: bytes, segment, *, name="leads.csv", source="test", rules=False):
    job = ImportJob(original_name=name, segment=segment, source_system=source, apply_rules=rules)
    job.file.save(name, ContentFile(content), save=False)
    job.save()
    return run_import_job(job.pk)


def import_path(path: Path, segment, **kwargs):
    return import_bytes(path.read_bytes(), segment, name=path.name, source=path.stem, **kwargs)


def data_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as stream:
        return sum(1 for row in list(csv.reader(stream))[1:] if any(v.strip() for v in row))


def world():
    """What an import can write, to compare before and after."""
    return (
        Lead.objects.count(),
        Contact.objects.count(),
        Account.objects.count(),
        StageTransition.objects.count(),
        Lead.history.count(),
        Contact.history.count(),
    )


def outcomes(job):
    return (job.created_count, job.merged_count, job.unchanged_count, job.refused_count)


LEAD_FILES = ["marketstar_leads.csv", "x_education_leads.csv", "inc5000_2019_firmographics.csv"]


class TestRealFiles:
    @pytest.mark.parametrize("name", LEAD_FILES)
    def test_each_file_imports_and_the_report_adds_up_then_a_second_import_changes_nothing(
        self, name, segment
    ):
        path = data_file(name)
        rows = data_rows(path)

        job = import_path(path, segment)

        assert job.status == ImportJob.Status.DONE, job.error
        assert job.total_rows == job.processed_rows == rows
        assert sum(outcomes(job)) == rows
        assert job.rows.count() == rows
        assert job.rows.filter(outcome=ImportRow.Outcome.REFUSED, message="").count() == 0
        before = world()

        again = import_path(path, segment)

        assert again.status == ImportJob.Status.DONE
        assert world() == before
        assert again.created_count == again.merged_count == 0
        assert again.unchanged_count == job.created_count + job.merged_count + job.unchanged_count
        assert again.refused_count == job.refused_count

    def test_marketstar_carries_stage_and_reason_over_through_the_engine(self, segment):
        job = import_path(data_file("marketstar_leads.csv"), segment)

        # 29,673 Disqualified rows, 3 of them for "Bad Timing" (→ nurture); 13,360 open.
        assert outcomes(job) == (43033, 0, 0, 0)
        stages = dict(
            Lead.objects.values_list("stage").annotate(n=Count("pk")).values_list("stage", "n")
        )
        assert stages == {Stage.DISQUALIFIED: 29670, Stage.NURTURE: 3, Stage.NEW: 13360}
        assert StageTransition.objects.filter(rule="import:marketstar_leads").count() == 29673
        first = Lead.objects.get(external_id="1")  # Disqualified, "Abandoned", "Manager"
        assert (first.stage, first.reason_code.code) == (Stage.DISQUALIFIED, "unresponsive")
        assert first.contact.title == "Manager" and first.contact.persona_seniority == "manager"
        transition = first.transitions.get()
        assert transition.rule == "import:marketstar_leads" and transition.actor is None
        assert Lead.objects.filter(stage=Stage.NURTURE, reason_code__code="timing").exists()
        assert not Lead.objects.filter(stage=Stage.NURTURE, recycle_on__isnull=True).exists()
        qualified = Lead.objects.filter(
            form_answers__contains={"Stage in source system": "Qualified"}
        )
        assert qualified.exists() and not qualified.exclude(stage=Stage.NEW).exists()

    def test_x_education_keys_by_prospect_id_and_reads_select_as_no_answer(self, segment):
        job = import_path(data_file("x_education_leads.csv"), segment)

        lead = Lead.objects.get(external_id="7927b2df-8bba-4d29-b9a2-b6e0beafe620")
        assert lead.contact.email is None
        assert "Select" not in lead.form_answers.values()
        assert lead.contact.title == "Unemployed"
        assert job.created_count == 9240

    @pytest.mark.parametrize(
        ("name", "column"),
        [
            ("marketstar_opportunities.csv", "OpportunityId"),
            ("fortune500_2017_firmographics.csv", "website"),
        ],
    )
    def test_a_file_with_no_key_column_fails_as_a_whole_and_writes_nothing(
        self, segment, name, column
    ):
        job = import_path(data_file(name), segment)

        assert job.status == ImportJob.Status.FAILED
        assert "no email column and no source-id column" in job.error
        assert column in job.error
        assert world() == (0, 0, 0, 0, 0, 0)
        assert not job.rows.exists()


class TestMalformedFiles:
    def test_an_empty_file_is_refused_with_a_sentence(self, segment):
        job = import_bytes(b"", segment)
        assert (job.status, job.error) == (ImportJob.Status.FAILED, "The file is empty.")

    def test_a_header_without_an_email_column_is_refused(self, segment):
        job = import_bytes(b"Name,Company\nAda Lovelace,Analytical Engines\n", segment)
        assert job.status == ImportJob.Status.FAILED
        assert "Columns found: Name, Company." in job.error
        assert world() == (0, 0, 0, 0, 0, 0)

    def test_bytes_that_are_no_known_text_encoding_are_refused(self, segment):
        job = import_bytes(b"Email,Name\nada@x.io,\x81\x8d\x90\n", segment)
        assert job.status == ImportJob.Status.FAILED
        assert "neither UTF-8 nor Windows-1252" in job.error
        assert Lead.objects.count() == 0

    def test_a_binary_file_is_refused(self, segment):
        job = import_bytes(b"PK\x03\x04\x00\x00binary", segment, name="leads.xlsx")
        assert job.status == ImportJob.Status.FAILED
        assert "not a CSV text file" in job.error

    def test_a_windows_1252_export_is_read_correctly(self, segment):
        content = "Email,First Name,Company\njose@acme.io,José,Acme\n".encode("cp1252")
        job = import_bytes(content, segment)
        assert job.created_count == 1
        assert Contact.objects.get().first_name == "José"

    def test_a_utf16_export_with_a_bom_is_read(self, segment):
        content = codecs.BOM_UTF16_LE + "Email\nann@acme.io\n".encode("utf-16-le")
        assert import_bytes(content, segment).created_count == 1

    def test_a_row_of_ten_thousand_characters_is_refused_alone(self, segment):
        long_title = "x" * 10_000
        content = f"Email,Title\nok@acme.io,CFO\nlong@acme.io,{long_title}\n".encode()

        job = import_bytes(content, segment)

        assert outcomes(job) == (1, 0, 0, 1)
        row = job.rows.get(outcome=ImportRow.Outcome.REFUSED)
        assert row.row_number == 3
        assert row.message == "title is 10,000 characters long; at most 200 are kept"
        assert not Contact.objects.filter(email="long@acme.io").exists()

    def test_bad_rows_are_refused_with_their_reason_and_good_rows_still_land(self, segment):
        content = (
            b"Email,LeadId,Website,Stage,Disqualified Reason\n"
            b"not-an-email,,,,\n"
            b",,,,\n"
            b",,acme.io,,\n"
            b"fine@acme.io,,,,\n"
            b"gone@acme.io,,,Disqualified,Teleported\n"
            b"odd@acme.io,,,,,,extra\n"
        )

        job = import_bytes(content, segment)

        messages = dict(job.rows.values_list("row_number", "message"))
        assert messages[2] == "“not-an-email” is not a valid email address"
        assert messages[4].startswith("no email, and no source id")
        assert messages[5] == ""
        assert messages[6] == "“Teleported” matches none of our reason codes"
        assert "header has 5 columns" in messages[7]
        assert outcomes(job) == (1, 0, 0, 4)  # the blank line is not a row
        assert Lead.objects.count() == 1


class TestMappingAndDedupe:
    def test_headers_are_matched_without_regard_to_case_spacing_or_punctuation(self, segment):
        content = (
            b" E-mail Address ,FIRST NAME,last_name,Job Title,Company Name,Web Site,Lead Source\n"
            b'Ann@Acme.IO,Ann,Lee,VP Sales,"Acme, Inc.",https://www.acme.io/about,Webinar\n'
        )

        import_bytes(content, segment)

        lead = Lead.objects.select_related("contact", "account").get()
        assert lead.contact.email == "ann@acme.io"
        assert (lead.contact.first_name, lead.contact.last_name) == ("Ann", "Lee")
        assert (lead.contact.persona_function, lead.contact.persona_seniority) == ("sales", "vp")
        assert (lead.account.name, lead.account.domain) == ("Acme", "acme.io")
        assert lead.source == "webinar"

    def test_a_known_email_merges_into_the_existing_contact_and_lead(self, segment):
        contact = ContactFactory(email="ann@acme.io", phone="")
        job = import_bytes(b"Email,Phone\nANN@acme.io,+44 20 7946 0000\n", segment)
        assert outcomes(job) == (1, 0, 0, 0)  # first lead for this contact in the segment
        assert job.rows.get().message == "new lead for a contact we already had"

        again = import_bytes(
            b"Email,Phone,Country\nann@acme.io,020 7946 0999,United Kingdom\n", segment
        )

        row = again.rows.get()
        assert row.outcome == ImportRow.Outcome.MERGED
        assert row.message.startswith("merged into lead ") and row.message.endswith("country")
        contact.refresh_from_db()
        assert (contact.phone, contact.country) == ("+442079460000", "GB")  # E.164
        assert Lead.objects.filter(contact=contact).count() == 1
        merged = contact.history.order_by("-history_id").first()
        assert (merged.history_type, merged.history_change_reason) == (
            "~",
            "Merged from import test",
        )
        assert (merged.phone, merged.country, merged.email) == (
            "+442079460000",
            "GB",
            contact.email,
        )

    def test_a_merge_fills_the_accounts_blanks_and_the_leads_answers_with_history(self, segment):
        import_bytes(b"Email,Company\nann@acme.io,Acme\n", segment)
        again = import_bytes(
            b"Email,Industry,Employees,Team size\nann@acme.io,Software,250,12\n", segment
        )

        assert again.rows.get().outcome == ImportRow.Outcome.MERGED
        account = Account.objects.get(domain="acme.io")
        assert (account.industry, account.employee_count, account.name) == ("Software", 250, "Acme")
        assert account.history.order_by("-history_id").first().industry == "Software"
        lead = Lead.objects.get(contact__email="ann@acme.io")
        assert lead.form_answers == {"Team size": "12"}
        assert lead.history.order_by("-history_id").first().form_answers == {"Team size": "12"}

    def test_the_same_file_again_adds_no_one_to_its_segment_but_new_leads_to_another(self, segment):
        """What the upload form's help says: a row matches by source id under the same name
        (whatever the segment), else by email within the chosen segment."""
        other = SegmentFactory(slug="smb", name="SMB")
        content = b"LeadId,Email\n1,ann@acme.io\n2,\n,bob@acme.io\n"
        import_bytes(content, segment)

        same = import_bytes(content, segment)
        elsewhere = import_bytes(content, other)
        renamed = import_bytes(content, segment, source="renamed")

        assert outcomes(same) == (0, 0, 3, 0)
        assert outcomes(elsewhere) == (1, 0, 2, 0)
        assert elsewhere.rows.get(row_number=4).message == "new lead for a contact we already had"
        assert Lead.objects.filter(segment=other).get().contact.email == "bob@acme.io"
        assert outcomes(renamed) == (1, 0, 2, 0)  # the id-only row is not known under this name
        assert Lead.objects.filter(external_source="renamed", external_id="2").exists()

    def test_the_same_person_twice_in_one_file_is_one_lead(self, segment):
        content = b"Email,Title\nann@acme.io,\nAnn@Acme.io,CFO\n"
        job = import_bytes(content, segment)
        assert outcomes(job) == (1, 1, 0, 0)
        assert job.rows.get(row_number=3).message == (
            "merged into a lead earlier in this file: added title, persona function, "
            "persona seniority"
        )
        assert Contact.objects.get().title == "CFO"

    def test_colleagues_share_one_account_found_by_domain(self, segment):
        import_bytes(b"Email\nann@acme.io\nbob@ACME.io\n", segment)
        import_bytes(b"Email,Website\ncat@other.io,https://www.acme.io/\n", segment)
        assert Account.objects.count() == 2
        assert Account.objects.get(domain="acme.io").contacts.count() == 2

    def test_a_personal_email_does_not_make_an_account_of_its_domain(self, segment):
        import_bytes(b"Email,Company\nann@gmail.com,Acme Ltd\n", segment)
        contact = Contact.objects.get()
        assert contact.email_kind == "personal"
        # Matched by the company's name: nothing came close, so a new account without a domain.
        assert Account.objects.get().domain is None and contact.account.name == "Acme"
        match = AccountMatch.objects.get()
        assert (match.outcome, match.company, match.domain) == ("new", "Acme", "")
        assert Lead.objects.get().form_answers["Company"] == "Acme Ltd"

    def test_a_gmail_lead_is_matched_to_its_account_by_company_name(self, segment):
        acme = AccountFactory(name="Acme Logistics", domain="acmelogistics.com", country="GB")
        import_bytes(
            b'Email,Company,Country\nann@gmail.com,"ACME Logistics, LLC",United Kingdom\n',
            segment,
        )
        lead = Lead.objects.get()
        assert lead.account == acme and lead.contact.account == acme
        match = AccountMatch.objects.get()
        assert (match.outcome, match.account, match.lead) == ("linked", acme, lead)
        assert match.reasons == [{"signal": "name", "score": 1.0}, {"signal": "country"}]
        assert list(match.candidates.values_list("account", flat=True)) == [acme.pk]

    def test_a_near_name_waits_in_match_review_without_an_account(self, segment):
        AccountFactory(name="Tyrell Corporation", domain="tyrell.example", country="")
        import_bytes(b"Email,Company\nann@gmail.com,Tyrel Corporation\n", segment)
        lead = Lead.objects.get()
        assert lead.account is None
        match = AccountMatch.objects.get()
        assert match.outcome == "review" and match.lead == lead
        assert 0.6 <= match.confidence < 0.9

    def test_every_matched_row_keeps_its_decision(self, segment):
        AccountFactory(name="Tyrell Corporation", domain="tyrell.example")
        rows = "".join(f"p{n}@gmail.com,Tyrell Corporation {n}\n" for n in range(40))
        import_bytes(("Email,Company\n" + rows).encode(), segment)
        # "Tyrell Corporation 7" is not "Tyrell Corporation": the numbers differ.
        assert AccountMatch.objects.filter(outcome="new").count() == 40
        assert Account.objects.count() == 41

    def test_unsubscribed_in_the_file_means_do_not_contact(self, segment):
        import_bytes(
            b"LeadId,Stage,DisqualifiedReason\n7,Disqualified,Unsubscribed/Do Not Call\n", segment
        )
        assert Contact.objects.get().do_not_contact


class TestStagesFromTheFile:
    def test_a_nurture_or_recycled_row_is_parked_with_the_files_reason(self, segment):
        content = (
            b"LeadId,Stage,Disqualified Reason\n"
            b"1,Nurture,Bad Timing\n"
            b"2,Recycled,No Budget\n"
            b"3,Nurture,\n"
            b"4,Recycled,Teleported\n"
        )

        job = import_bytes(content, segment)

        assert outcomes(job) == (2, 0, 0, 2)
        recycle_on = timezone.localdate() + dt.timedelta(days=segment.nurture_recycle_days)
        for external_id, code, reason in (
            ("1", "timing", "Bad Timing"),
            ("2", "no_budget", "No Budget"),
        ):
            lead = Lead.objects.get(external_id=external_id)
            assert (lead.stage, lead.reason_code.code, lead.recycle_on) == (
                Stage.NURTURE,
                code,
                recycle_on,
            )
            transition = lead.transitions.get()
            assert (transition.rule, transition.note) == (
                "import:test",
                f"Imported from test: {reason}",
            )
        messages = dict(job.rows.values_list("row_number", "message"))
        assert messages[4] == (
            "is Nurture in the file with no reason; every nurtured lead here needs a reason code"
        )
        assert messages[5] == "“Teleported” matches none of our reason codes"

    def test_an_open_stage_keeps_its_reason_as_an_answer_and_stays_new(self, segment):
        import_bytes(b"LeadId,Stage,Disqualified Reason\n1,Working,Bad Timing\n", segment)

        lead = Lead.objects.get()
        assert (lead.stage, lead.reason_code) == (Stage.NEW, None)
        assert lead.form_answers == {
            "Stage in source system": "Working",
            "Reason in source system": "Bad Timing",
        }


def test_a_row_the_engine_refuses_leaves_no_contact_or_account_behind(segment):

    ReasonCode.objects.filter(code="junk").update(for_disqualification=False)
    content = (
        b"Email,Website,Stage,Disqualified Reason\n"
        b"spam@junk.io,junk.io,Disqualified,Bad Email\n"
        b"real@acme.io,acme.io,Disqualified,No Budget\n"
    )

    job = import_bytes(content, segment)

    assert outcomes(job) == (1, 0, 0, 1)
    assert "does not apply to disqualification" in job.rows.get(row_number=2).message
    assert not Contact.objects.filter(email="spam@junk.io").exists()
    assert not Account.objects.filter(domain="junk.io").exists()
    assert Lead.objects.get().reason_code.code == "no_budget"


class TestResumeAndRules:
    def test_an_import_cut_off_midway_resumes_without_duplicates(self, segment, monkeypatch):
        monkeypatch.setattr(importer, "BATCH_SIZE", 3)
        content = "Email\n" + "".join(f"p{i}@acme.io\n" for i in range(10))
        job = ImportJob(
            original_name="x.csv", segment=segment, source_system="t", apply_rules=False
        )
        job.file.save("x.csv", ContentFile(content.encode()), save=False)
        job.save()
        real_ingest = importer.ingest
        calls = {"n": 0}

        def failing_second_batch(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise ConnectionError("database went away")
            return real_ingest(*args, **kwargs)

        monkeypatch.setattr(importer, "ingest", failing_second_batch)
        job = run_import_job(job.pk)

        assert job.status == ImportJob.Status.FAILED  # not left running
        assert job.error == (
            "an unexpected error stopped it after 3 of 10 rows (the server log has the "
            "details). Those rows are imported; Resume imports the other 7."
        )
        assert Lead.objects.count() == 3  # the first batch, whole; nothing of the second
        assert job.processed_rows == 3

        job = run_import_job(job.pk)  # what Resume runs

        assert job.status == ImportJob.Status.DONE
        assert outcomes(job) == (10, 0, 0, 0)
        assert Lead.objects.count() == 10 and job.rows.count() == 10

    def test_with_rules_on_imported_leads_are_scored_and_parked_through_the_engine(
        self, segment, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            import_bytes(b"Email,Title\nann@acme.io,Analyst\n", segment, rules=True)
        lead = Lead.objects.get()
        assert lead.stage == Stage.NURTURE
        assert lead.transitions.get().rule == "nurture-floor"


def test_the_report_downloads_as_csv_with_cells_defused(segment):
    job = import_bytes(b"LeadId,Email\n=1+1,\n", segment)

    stream = io.StringIO()
    write_report(job, stream)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "row,outcome,message,email or source id,lead id"
    assert lines[1].startswith("2,created,,id:=1+1,")
    job = import_bytes(b"Email\n-bad\n", segment)
    stream = io.StringIO()
    write_report(job, stream)
    assert "“-bad” is not a valid email address" in stream.getvalue()


def test_safe_cell_defuses_formula_prefixes():

    assert [safe_cell(v) for v in ["=SUM(A1)", "+1", "-2", "@x", "\tx", "ok", None, 3]] == [
        "'=SUM(A1)",
        "'+1",
        "'-2",
        "'@x",
        "'\tx",
        "ok",
        "",
        "3",
    ]


def test_create_import_job_stores_the_file_and_names_the_source_after_it(segment):
    long_name = "marketstar_" + "x" * 80 + ".csv"

    job = importer.create_import_job(
        name=long_name, content=ContentFile(b"Email\na@b.io\n"), segment=segment, uploaded_by=None
    )

    job.refresh_from_db()
    assert (job.status, job.apply_rules, job.original_name) == (
        ImportJob.Status.QUEUED,
        True,
        long_name,
    )
    assert job.source_system == Path(long_name).stem[:60]
    with job.file.open("rb") as stored:
        assert stored.read() == b"Email\na@b.io\n"
    named = importer.create_import_job(
        name="fair.csv", content=ContentFile(b""), segment=segment, uploaded_by=None,
        source_system="HubSpot", apply_rules=False,
    )  # fmt: skip
    assert (named.source_system, named.apply_rules) == ("HubSpot", False)
