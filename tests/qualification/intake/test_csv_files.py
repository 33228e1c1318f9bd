"""The import's file check: a stray quote refuses the file, naming the line it opens on, before
anything is written; a UTF-8 file with a Windows-1252 row is read row by row; and whatever the
file, the report has one row for each of its data lines."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts.models import Contact
from qualification.models import ImportJob, ImportRow, Lead
from tests.factories import SegmentFactory
from tests.qualification.intake.test_import_jobs import data_file, import_bytes, outcomes, world

pytestmark = pytest.mark.django_db

NOTHING = (0, 0, 0, 0, 0, 0)
NOT_UTF8_NOTE = "not UTF-8, read as Windows-1252: check its accents"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def segment():
    return SegmentFactory(slug="core", name="Core")


def people(count: int, *, quote_on_line: int | None = None) -> bytes:
    """A header and `count` people; the line `quote_on_line` opens a quote that never closes."""
    lines = ["Email,First Name,Title"]
    for number in range(2, count + 2):
        name = f'"Ann{number}' if number == quote_on_line else f"Ann{number}"
        lines.append(f"p{number}@acme.io,{name},Analyst")
    return ("\n".join(lines) + "\n").encode()


def refused_line(job: ImportJob) -> int:
    match = re.match(r"Line ([\d,]+) ", job.error)
    assert match, job.error
    return int(match.group(1).replace(",", ""))


class TestStrayQuotes:
    def test_a_quote_that_never_closes_refuses_the_file_naming_its_line(self, segment):
        job = import_bytes(people(5000, quote_on_line=4), segment)

        assert job.status == ImportJob.Status.FAILED
        assert job.error.startswith("Line 4 opens a quote that never closes")
        assert "the 4,997 lines after it" in job.error
        assert world() == NOTHING
        assert not job.rows.exists() and job.processed_rows == 0

    def test_a_stray_quote_in_a_real_export_is_refused_naming_its_line(self, segment):
        # marketstar quotes its values with commas ("Director, Operations" on line 7): the
        # stray quote on line 4 closes there, and lines 5 and 6 would vanish into one title.
        lines = data_file("marketstar_leads.csv").read_bytes().split(b"\r\n")[:5001]
        assert lines[3].startswith(b"3,C - Level,")
        lines[3] = lines[3].replace(b"3,C - Level", b'3,"C - Level', 1)

        job = import_bytes(b"\r\n".join(lines) + b"\r\n", segment)

        assert job.status == ImportJob.Status.FAILED
        assert refused_line(job) == 4
        assert "line 7" in job.error and "a stray quote?" in job.error
        assert world() == NOTHING

    def test_an_unclosed_quote_that_runs_past_a_megabyte_names_the_line_it_opens_on(self, segment):
        job = import_bytes(people(40_000, quote_on_line=10), segment)

        assert job.status == ImportJob.Status.FAILED
        assert refused_line(job) == 10
        assert "over 1 MB" in job.error
        assert world() == NOTHING

    def test_a_value_that_runs_over_two_lines_still_imports_as_one_row(self, segment):
        content = (
            b"Email,First Name,Company,Street,Country\r\n"
            b'ann@acme.io,Ann,Acme,"12 Main St\r\nSuite 4",GB\r\n'
            b"bob@acme.io,Bob,Acme,1 High St,GB\r\n"
        )

        job = import_bytes(content, segment)

        assert job.status == ImportJob.Status.DONE, job.error
        assert outcomes(job) == (2, 0, 0, 0)
        assert list(job.rows.values_list("row_number", flat=True)) == [2, 4]
        lead = Lead.objects.get(contact__email="ann@acme.io")
        assert lead.form_answers["Street"] == "12 Main St\r\nSuite 4"

    def test_a_quote_in_the_middle_of_a_value_is_kept_as_a_character(self, segment):
        job = import_bytes(
            b'Email,Title\nann@acme.io,27" screens buyer\nbob@acme.io,CFO\n', segment
        )
        assert outcomes(job) == (2, 0, 0, 0)
        assert Contact.objects.get(email="ann@acme.io").title == '27" screens buyer'


class TestMixedEncodings:
    def test_a_utf8_file_with_one_windows_1252_row_reads_each_row_in_its_own_encoding(
        self, segment
    ):
        content = (
            "Email,First Name,Last Name\njose@acme.io,José,García\n".encode()
            + "max@acme.io,Max,Müller\n".encode("cp1252")
            + "zoe@acme.io,Zoë,Ångström\n".encode()
        )

        job = import_bytes(content, segment)

        assert outcomes(job) == (3, 0, 0, 0)
        names = dict(Contact.objects.values_list("email", "last_name"))
        assert names == {
            "jose@acme.io": "García",
            "max@acme.io": "Müller",
            "zoe@acme.io": "Ångström",
        }
        assert Contact.objects.get(email="jose@acme.io").first_name == "José"
        messages = dict(job.rows.values_list("row_number", "message"))
        assert messages == {2: "", 3: NOT_UTF8_NOTE, 4: ""}

    def test_the_fallback_is_added_to_a_refused_rows_reason(self, segment):
        content = b"Email,Name\nann@acme.io,Ann\n" + "josé,José\n".encode("cp1252")
        content += "zoë@acme.io,Zoë\n".encode()

        job = import_bytes(content, segment)

        row = job.rows.get(row_number=3)
        assert row.outcome == ImportRow.Outcome.REFUSED
        assert row.message == f"“josé” is not a valid email address · {NOT_UTF8_NOTE}"

    def test_a_line_in_neither_encoding_is_refused_naming_it(self, segment):
        content = "Email,Name\nann@acme.io,Zoë\n".encode() + b"bob@acme.io,\x81\x8d\n"

        job = import_bytes(content, segment)

        assert job.status == ImportJob.Status.FAILED
        assert job.error.startswith("Line 3 is neither UTF-8 nor Windows-1252")
        assert world() == NOTHING


def upload(user, segment, content: bytes, name="leads.csv"):
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("qualification:import-new"),
        {
            "file": SimpleUploadedFile(name, content, content_type="text/csv"),
            "segment": segment.pk,
            "source_system": "",
            "apply_rules": "",
        },
    )
    return client, response


class TestUploadPage:
    def test_a_bad_quote_is_refused_beside_the_file_field_and_nothing_is_stored(
        self, revops, segment, tmp_path
    ):
        _, response = upload(revops, segment, people(5000, quote_on_line=4))

        assert response.status_code == 422
        page = response.content.decode()
        error = re.search(r'<small id="id_file_error" class="field-error"[^>]*>(.*?)<', page)
        assert error and error.group(1).startswith("Line 4 opens a quote that never closes")
        # beside the file field: after its input, before the next field's label
        assert page.index('type="file"') < error.start() < page.index('for="id_segment"')
        assert not ImportJob.objects.exists()
        assert not any(tmp_path.rglob("*.csv"))  # the upload was not stored either
        assert world() == NOTHING

    def test_a_mixed_encoding_upload_says_which_rows_were_read_as_windows_1252(
        self, revops, segment, django_capture_on_commit_callbacks
    ):
        content = "Email,First Name\njose@acme.io,José\n".encode() + "max@acme.io,Mäx\n".encode(
            "cp1252"
        )
        with django_capture_on_commit_callbacks(execute=True):
            client, response = upload(revops, segment, content)

        assert response.status_code == 302
        page = " ".join(client.get(response["Location"]).content.decode().split())
        assert "1 row was not UTF-8 and was read as Windows-1252: row 3. Check its accents." in page
        assert Contact.objects.get(email="max@acme.io").first_name == "Mäx"


# ---------------------------------------------------------------------------------------------
# The property: whatever the file, either it is refused whole, naming a line where a stray quote
# opens, with nothing written; or the report has exactly one row per data line, each read in
# its own encoding, the Windows-1252 ones saying so.

# Accented letters whose Windows-1252 bytes (0xC0-0xFF) are never valid UTF-8 after one another
# or before ASCII, so a row's encoding is never ambiguous (as it is for "Ã©", both ways valid).
LETTERS = "abcxyzABC019 " + "éüñçøåßàöÉÅ"
cells = st.text(LETTERS, min_size=1, max_size=8)
COLUMNS = ["Email", "Comment", "First Name", "Title", "Team"]


@st.composite
def csv_files(draw):
    width = draw(st.integers(1, 5))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [(",".join(COLUMNS[:width]).encode(), None)]  # (bytes, the row's cells or None)
    quoted = set()
    for index in range(draw(st.integers(1, 12))):
        for _ in range(draw(st.integers(0, 2))):  # blank lines in between
            blank = draw(st.sampled_from(["", "  ", "," * (width - 1)]))
            lines.append((blank.encode(), None))
        values = [f"p{index}@acme.io"] + [f"c-{draw(cells)}" for _ in range(width - 1)]
        text = ",".join(values)
        if draw(st.integers(0, 5)) == 0:  # a stray quote somewhere in the line
            at = draw(st.integers(0, len(text)))
            text = text[:at] + '"' + text[at:]
            quoted.add(len(lines) + 1)
        encoding = draw(st.sampled_from(["utf-8", "cp1252"]))
        lines.append((text.encode(encoding), (values, encoding)))
    content = ending.encode().join(line for line, _ in lines)
    if draw(st.booleans()):
        content += ending.encode()
    return content, lines, quoted


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(csv_files())
def test_the_report_always_accounts_for_every_data_line(segment, generated):
    content, lines, quoted = generated
    data_lines = [number for number, (_, row) in enumerate(lines, 1) if row is not None]
    utf8_evidence = any(row and row[1] == "utf-8" and not line.isascii() for line, row in lines)
    with transaction.atomic():
        before = world()
        job = import_bytes(content, segment)
        event(f"{job.status}, {'mixed' if utf8_evidence else 'one'} encoding")

        if job.status == ImportJob.Status.FAILED:
            assert world() == before and not job.rows.exists(), job.error
            assert refused_line(job) in quoted, job.error
        else:
            assert job.status == ImportJob.Status.DONE, job.error
            rows = {row.row_number: row for row in job.rows.all()}
            assert sorted(rows) == data_lines
            assert job.total_rows == job.processed_rows == sum(outcomes(job)) == len(data_lines)
            for number in data_lines:
                raw, (values, encoding) = lines[number - 1]
                mixed = encoding == "cp1252" and not raw.isascii() and utf8_evidence
                assert rows[number].message.endswith(NOT_UTF8_NOTE) == mixed
                if number in quoted or rows[number].outcome != ImportRow.Outcome.CREATED:
                    continue
                answers = Lead.objects.get(pk=rows[number].lead_id).form_answers
                assert answers.get("Comment", "") == (values[1] if len(values) > 1 else "")
        assert quoted or job.status == ImportJob.Status.DONE
        transaction.set_rollback(True)
