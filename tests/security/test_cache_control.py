"""Nothing a signed-in person sees is kept by a browser or proxy cache: every response to them,
and every CSV export, says `Cache-Control: private, no-store`."""

import pytest
from django.urls import reverse

from qualification.models import ImportJob, Stage
from tests.factories import LeadFactory, SegmentFactory

pytestmark = pytest.mark.django_db


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture
def lead():
    return LeadFactory(stage=Stage.MQL)


@pytest.mark.parametrize(
    "url",
    [
        lambda lead: reverse("home"),
        lambda lead: reverse("qualification:queue"),
        lambda lead: reverse("qualification:lead-list"),
        lambda lead: reverse("qualification:lead-detail", args=[lead.pk]),
        lambda lead: reverse("review:sessions"),
        lambda lead: reverse("review:metrics"),
        lambda lead: reverse("admin:index"),
        lambda lead: reverse("admin:qualification_lead_change", args=[lead.pk]),
        lambda lead: reverse("password_change"),
    ],
    ids=["home", "queue", "lead list", "lead page", "review", "metrics", "admin", "admin lead",
         "password change"],
)  # fmt: skip
def test_pages_for_a_signed_in_person_are_not_stored(client, revops, lead, url):
    client.force_login(revops)

    response = client.get(url(lead))

    assert response.status_code in {200, 302}
    assert {"private", "no-store"} <= cache_control(response)
    assert "public" not in cache_control(response)


def test_the_metrics_csv_is_not_stored(client, revops, lead):
    client.force_login(revops)

    response = client.get(reverse("review:metrics-csv"))

    assert response["Content-Type"].startswith("text/csv")
    assert {"private", "no-store"} <= cache_control(response)


def test_an_import_report_csv_is_not_stored(client, revops):
    job = ImportJob.objects.create(
        file="imports/leads.csv", original_name="leads.csv", source_system="fair",
        segment=SegmentFactory(), uploaded_by=revops,
    )  # fmt: skip
    client.force_login(revops)

    response = client.get(reverse("qualification:import-report", args=[job.pk]))

    assert response["Content-Type"].startswith("text/csv")
    assert {"private", "no-store"} <= cache_control(response)


def test_an_htmx_partial_for_a_signed_in_person_is_not_stored(client, sdr, lead):
    client.force_login(sdr)

    response = client.get(reverse("qualification:queue"), headers={"HX-Request": "true"})

    assert {"private", "no-store"} <= cache_control(response)
