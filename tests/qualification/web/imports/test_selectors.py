"""Where an import's leads went (qualification/web/imports/selectors.py)."""

import pytest
from django.core.files.base import ContentFile

from qualification.intake.import_jobs import create_import_job, run_import_job
from qualification.web.imports.selectors import where_leads_went
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db

CSV = b"Email,First Name,Last Name,Company\nann@acme.io,Ann,Lee,Acme\nbob@acme.io,Bob,Ray,Acme\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_lines_come_from_one_query_and_add_up_to_the_file(django_assert_num_queries):
    job = create_import_job(
        name="two.csv",
        content=ContentFile(CSV),
        segment=SegmentFactory(slug="core", name="Core"),
        uploaded_by=None,
        apply_rules=False,
    )
    job = run_import_job(job.pk)

    with django_assert_num_queries(1):
        lines = where_leads_went(job)

    assert [(line.rows, line.words) for line in lines] == [(2, "created")]
    (part,) = lines[0].parts
    assert (part.stage, part.leads, part.words, part.causes) == (
        "new",
        2,
        "still new",
        [(2, "with the stage rules off")],
    )
    assert f"import_job={job.pk}" in part.url
