"""The monthly review in real Chromium: a Manager opens a session, decides, overturns, proposes
a change that RevOps applies, and closes the session."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from qualification.models import Lead, Segment, Stage
from review.models import ReviewSession
from tests.factories import (
    ContactFactory,
    LeadFactory,
    SegmentFactory,
    StageTransitionFactory,
    UserFactory,
    reason,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def last_month() -> dt.datetime:
    first = timezone.localdate().replace(day=1)
    previous = (first - dt.timedelta(days=1)).replace(day=10)
    return dt.datetime.combine(previous, dt.time(11), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def rejected(last_month):
    """Two MQLs an SDR rejected last month: Ada (bad fit) and Ben (no budget)."""
    core = SegmentFactory(slug="core", name="Core", mql_threshold=70)
    sdr = UserFactory(username="tom", role=roles.SDR)
    leads = {}
    for name, code in (("Ada", "bad_fit"), ("Ben", "no_budget")):
        lead = LeadFactory(
            segment=core,
            stage=Stage.DISQUALIFIED,
            reason_code=reason(code),
            contact=ContactFactory(first_name=name, last_name="Lovelace"),
        )
        StageTransitionFactory(
            lead=lead,
            from_stage=Stage.MQL,
            to_stage=Stage.DISQUALIFIED,
            name="reject",
            actor=sdr,
            occurred_at=last_month,
            reason_code=reason(code),
            note=f"{name}: not now",
        )
        leads[name] = lead
    return leads


def card(page, name):
    return page.locator("article.review-card", has_text=f"{name} Lovelace")


def test_a_manager_runs_a_review_session_end_to_end(page, browser, live_server, log_in, rejected):
    manager = UserFactory(username="sofia", role=roles.MANAGER)
    revops = UserFactory(username="jonas", role=roles.REVOPS, is_staff=True)
    log_in(page, manager)

    # The manager lands on the board and opens last month's session.
    expect(page.get_by_role("heading", name="Monthly review sessions")).to_be_visible()
    page.get_by_role("link", name="Open a session or see all sessions").click()
    page.get_by_label("Leads to sample").fill("20")
    page.get_by_role("button", name="Open session and sample leads").click()
    expect(page.locator(".messages")).to_contain_text("with 2 sampled leads")
    expect(page.locator("article.review-card")).to_have_count(2)
    ada, ben = card(page, "Ada"), card(page, "Ben")
    expect(ada).to_contain_text("Ada: not now")
    expect(ada).to_contain_text("Rejected by an SDR")

    # Agree on Ada; overturn Ben, which reopens him through the engine.
    ada.get_by_label("Agree", exact=True).check()
    ada.get_by_label("Note").fill("Right call: out of ICP")
    ada.get_by_role("button", name="Record decision").click()
    expect(page.locator(".messages")).to_contain_text("Recorded “agree” for Ada Lovelace")

    ben = card(page, "Ben")
    ben.get_by_label("Overturn", exact=True).check()
    ben.get_by_label("Note").fill("Budget confirmed by the CFO")
    ben.get_by_label("If overturned, move to").select_option("mql")
    ben.get_by_role("button", name="Record decision").click()
    expect(page.locator(".messages")).to_contain_text("Recorded “overturn” for Ben Lovelace")
    expect(card(page, "Ben")).to_contain_text("moved Disqualified → MQL")
    expect(page.locator('[data-count="pending"]')).to_have_text("0")

    # Propose a threshold change from Ben's case.
    segment = Segment.objects.get(slug="core")
    proposal = page.locator("form.proposal-form")
    proposal.get_by_label("Rule", exact=True).select_option(f"threshold:{segment.pk}")
    proposal.get_by_label("Change", exact=True).select_option("mql_threshold")
    proposal.get_by_label("To", exact=True).fill("65")
    proposal.get_by_label("Rationale").fill("Ben sat at 66 and bought")
    page.get_by_role("button", name="Propose change").click()
    expect(page.locator("#proposals tbody tr")).to_have_count(1)
    expect(page.locator("#proposals")).to_contain_text("Awaiting RevOps")

    # RevOps applies it from their own browser.
    revops_page = browser.new_context(base_url=live_server.url).new_page()
    log_in(revops_page, revops)
    revops_page.goto(page.url.split("#")[0])
    revops_page.get_by_role("button", name="Apply").click()
    expect(revops_page.locator(".messages")).to_contain_text("now has mql_threshold 65")
    revops_page.context.close()

    # The manager closes the session: a summary, no more forms.
    page.reload()
    expect(page.locator("#proposals")).to_contain_text("Applied")
    page.get_by_role("button", name="Close session").click()
    expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    expect(page.locator(".summary")).to_contain_text("All 2")
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)
    expect(page.get_by_role("button", name="Propose change")).to_have_count(0)

    session = ReviewSession.objects.get()
    assert session.status == "closed"
    assert session.summary["decisions"] == {"pending": 0, "agree": 1, "overturn": 1, "adjust": 0}
    assert Lead.objects.get(pk=rejected["Ben"].pk).stage == Stage.MQL
    assert Lead.objects.get(pk=rejected["Ada"].pk).stage == Stage.DISQUALIFIED
    segment.refresh_from_db()
    assert segment.mql_threshold == 65
    assert segment.history.first().history_user == revops
