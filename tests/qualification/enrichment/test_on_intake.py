"""Enrichment on intake: the web form's JSON API and the CSV import enrich the accounts a
batch makes or changes, as one set, before the batch's leads are scored with their tiers."""

import datetime as dt
import json

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, AccountFieldSource, IcpTier
from qualification.intake.batch import ingest
from qualification.intake.import_jobs import run_import_job
from qualification.intake.rows import LeadRow
from qualification.intake.web_form import issue_token
from qualification.models import (
    EnrichmentSettings,
    FirmographicRecord,
    IcpRule,
    IcpSettings,
    ImportJob,
    IntakeSource,
    Lead,
)
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def mid_market_rule(db):
    IcpRule.objects.update(active=False)
    IcpSettings.load()
    IcpRule.objects.create(
        name="Mid-market",
        attribute=IcpRule.Attribute.EMPLOYEES,
        match=IcpRule.Match.BETWEEN,
        min_value=1000,
        max_value=5000,
        points=60,
    )


def firm(domain: str, *, employees=1200, source="inc5000") -> FirmographicRecord:
    return FirmographicRecord.objects.create(
        source=source,
        key=domain,
        domain=domain,
        name=domain.split(".")[0].title(),
        name_key=domain.split(".")[0],
        industry="Software",
        employee_count=employees,
        line=2,
        loaded_at=NOW,
    )


@pytest.fixture
def inc5000(db):
    settings = EnrichmentSettings.load()
    settings.providers = ["inc5000"]
    settings.save()


def test_a_web_form_lead_makes_an_enriched_account_and_is_scored_with_its_tier(segment, inc5000):
    firm("acme.io")
    source = IntakeSource(name="Demo form", segment=segment, default_source="demo_request")
    token = issue_token(source)
    source.save()
    body = {"email": "ann@acme.io", "first_name": "Ann", "company": "Acme"}

    response = Client().post(
        "/api/intake/leads/",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k-1"},
    )

    assert response.status_code == 202, response.content
    account = Account.objects.get(domain="acme.io")
    assert (account.employee_count, account.industry, account.icp_tier) == (
        1200,
        "Software",
        IcpTier.A,
    )
    assert AccountFieldSource.objects.get(account=account, field="employee_count").source == (
        "inc5000"
    )
    assert Lead.objects.get(contact__email="ann@acme.io").fit_tier == IcpTier.A


def test_a_csv_import_enriches_new_and_changed_accounts(segment, inc5000):
    known = AccountFactory(domain="known.io", industry="", employee_count=None)
    untouched = AccountFactory(domain="quiet.io", employee_count=None, industry="Retail")
    for domain in ("new.io", "known.io", "quiet.io"):
        firm(domain)
    content = (
        "email,company,industry\n"
        "a@new.io,New,\n"
        "b@known.io,Known,Logistics\n"  # fills the known account's industry: it changed
    )
    job = ImportJob(original_name="leads.csv", segment=segment, source_system="crm")
    job.file.save("leads.csv", ContentFile(content.encode()), save=False)
    job.save()

    job = run_import_job(job.pk)

    assert job.status == ImportJob.Status.DONE, job.error
    assert Account.objects.get(domain="new.io").employee_count == 1200
    known.refresh_from_db()
    assert (known.industry, known.employee_count) == ("Logistics", 1200)  # the row's, then ours
    untouched.refresh_from_db()
    assert untouched.employee_count is None  # no row of the file changed it


def rows(count: int, *, start: int = 0) -> list[LeadRow]:
    return [
        LeadRow(line=n + 2, email=f"p{n}@firm{n}.io", company=f"Firm {n}")
        for n in range(start, start + count)
    ]


def test_an_import_batch_enriches_in_as_many_queries_for_forty_rows_as_for_four(segment, inc5000):
    for n in range(60):
        firm(f"firm{n}.io")
    ingest(rows(1, start=59), segment=segment, source_system="warm-up")  # settings, sequences

    with CaptureQueriesContext(connection) as few:
        ingest(rows(4), segment=segment, source_system="crm")
    with CaptureQueriesContext(connection) as many:
        ingest(rows(40, start=10), segment=segment, source_system="crm")

    assert len(many) == len(few)
    enriched = Account.objects.filter(employee_count=1200, domain__startswith="firm")
    assert enriched.count() == 45
    assert AccountFieldSource.objects.filter(source="inc5000").count() == 45 * 2
