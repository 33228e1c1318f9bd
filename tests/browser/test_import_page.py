"""The import page in real Chromium: RevOps uploads a file with a stray quote and is told,
beside the file field, which line to fix; a file with one Windows-1252 row imports, and the
job page says which row was read that way."""

import pytest
from playwright.sync_api import expect

from accounts import roles
from qualification.models import ImportJob
from tests.factories import SegmentFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def ops(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    SegmentFactory(slug="core", name="Core")
    return UserFactory(username="rosa", role=roles.REVOPS, is_staff=True)


def choose(page, name: str, content: bytes) -> None:
    page.goto("/imports/new/")
    page.get_by_label("CSV file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_label("Apply the stage rules after scoring").uncheck()
    page.get_by_role("button", name="Import").click()


def test_a_stray_quote_is_refused_beside_the_file_field(page, log_in, ops):
    rows = [f"p{n}@acme.io,Ann {n},Analyst" for n in range(2, 5002)]
    rows[2] = rows[2].replace("Ann", '"Ann')  # line 4 opens a quote that never closes
    log_in(page, ops)

    choose(page, "leads.csv", ("Email,First Name,Title\n" + "\n".join(rows) + "\n").encode())

    field = page.get_by_label("CSV file")
    expect(field).to_have_attribute("aria-invalid", "true")
    error = page.locator("#id_file_error")
    expect(error).to_contain_text("Line 4 opens a quote that never closes")
    expect(error).to_contain_text("the 4,997 lines after it")
    described_by = field.get_attribute("aria-describedby").split()
    assert "id_file_error" in described_by
    assert ImportJob.objects.count() == 0


def test_a_row_in_windows_1252_imports_and_is_named_on_the_job_page(page, log_in, ops):
    content = "Email,First Name\njose@acme.io,José\n".encode() + "max@acme.io,Mäx\n".encode(
        "cp1252"
    )
    log_in(page, ops)

    choose(page, "trade-show.csv", content)

    expect(page.get_by_role("heading", name="trade-show.csv")).to_be_visible()
    expect(page.locator("#import-progress")).to_contain_text("Done")
    expect(page.locator("#not-utf8")).to_contain_text(
        "1 row was not UTF-8 and was read as Windows-1252: row 3."
    )
