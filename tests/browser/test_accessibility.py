"""axe-core finds no violation on the pages people work in: the SAL queue, the lead page, a
review session, the metrics and the import form (the harness: tests/browser/accessibility.py)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from qualification.models import Stage
from review.models import ReviewItem, ReviewSession, RuleChangeProposal, Stratum
from tests.factories import (
    LeadFactory,
    SegmentFactory,
    UserFactory,
    rejected_mql,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def core():
    return SegmentFactory(slug="core", name="Core", mql_threshold=70)


@pytest.fixture
def last_month() -> dt.datetime:
    previous = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=10)
    return dt.datetime.combine(previous, dt.time(11), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def rejected(core, last_month):
    """Two MQLs an SDR rejected last month, for the review and the metrics to show."""
    sdr = UserFactory(username="tom", role=roles.SDR, first_name="Tom", last_name="Becker")
    leads = []
    for name, code in (("Ada", "bad_fit"), ("Ben", "no_budget")):
        lead = rejected_mql(segment=core, first_name=name, code=code, actor=sdr, at=last_month)
        leads.append(lead)
    return leads


def test_the_sal_queue_has_no_axe_violations(page, log_in, expect_accessible, core):
    sdr = UserFactory(username="priya", role=roles.SDR, first_name="Priya", last_name="Shah")
    core.sdrs.add(sdr)
    now = timezone.now()
    breached = LeadFactory(stage=Stage.MQL, sla_due_at=now - dt.timedelta(hours=1))
    LeadFactory(stage=Stage.MQL, sla_due_at=now + dt.timedelta(hours=3), source="webinar")
    log_in(page, sdr)
    page.goto("/queue/")
    expect(page.locator("tbody.lead")).to_have_count(2)
    expect_accessible(page)

    # A row with its forms open, and the results after a filter change.
    row = page.locator(f"#lead-{breached.pk}")
    row.get_by_text("Accept", exact=True).click()
    expect(row.get_by_role("button", name="Accept lead")).to_be_visible()
    expect_accessible(page)
    row.get_by_role("button", name="Accept lead").click()  # ICP not confirmed: refused
    expect(row.locator(".field-error").first).to_be_visible()
    expect_accessible(page)
    page.locator("#queue-filters").get_by_label("Source").select_option("webinar")
    expect(page.locator("tbody.lead")).to_have_count(1)
    expect_accessible(page)


def test_the_lead_page_has_no_axe_violations(page, log_in, expect_accessible):
    ae = UserFactory(username="ae-axe", role=roles.AE)
    lead = LeadFactory(stage=Stage.SAL, owner=ae, contact__title="Operations Manager")
    log_in(page, ae)
    page.goto(f"/leads/{lead.pk}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect_accessible(page)

    # Every "Fill in the evidence" open, as someone moving the lead sees them.
    page.locator("#actions details").evaluate_all("all => all.forEach(d => { d.open = true; })")
    expect_accessible(page)


def test_a_review_session_has_no_axe_violations(page, log_in, expect_accessible, core, rejected):
    manager = UserFactory(username="sofia", role=roles.MANAGER)
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    session = ReviewSession.objects.create(month=month, seed=1, opened_by=manager)
    for position, lead in enumerate(rejected, start=1):
        ReviewItem.objects.create(
            session=session,
            lead=lead,
            stratum=Stratum.SDR_REJECTED,
            position=position,
            stage_when_sampled=lead.stage,
        )
    RuleChangeProposal.objects.create(
        session=session,
        kind="threshold",
        segment=core,
        field="mql_threshold",
        current_value="70",
        proposed_value="65",
        rationale="Ben sat at 66 and bought",
        proposed_by=manager,
    )
    log_in(page, manager)
    page.goto(f"/review/{session.pk}/")
    expect(page.locator("article.review-card")).to_have_count(2)
    expect_accessible(page)


def test_the_metrics_have_no_axe_violations(page, log_in, expect_accessible, rejected):
    manager = UserFactory(username="sofia", role=roles.MANAGER)
    log_in(page, manager)
    page.goto("/review/metrics/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect_accessible(page)


def test_the_import_form_has_no_axe_violations(page, log_in, expect_accessible, core):
    marketer = UserFactory(username="mia", role=roles.MARKETING)
    log_in(page, marketer)
    page.goto("/imports/new/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect_accessible(page)
