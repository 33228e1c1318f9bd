"""The monthly review in real Chromium: a Manager opens a session, decides, overturns, proposes
a change that RevOps applies, and closes the session."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from qualification.models import Lead, Segment, Stage
from review.models import ReviewItem, ReviewSession, RuleChangeProposal, Stratum
from tests.factories import (
    ContactFactory,
    LeadFactory,
    SegmentFactory,
    UserFactory,
    reason,
    rejected_mql,
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
        lead = rejected_mql(segment=core, first_name=name, code=code, actor=sdr, at=last_month)
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
    expect(page.locator("#page-status")).to_contain_text("Recorded “agree” for Ada Lovelace")

    ben = card(page, "Ben")
    ben.get_by_label("Overturn", exact=True).check()
    ben.get_by_label("Note").fill("Budget confirmed by the CFO")
    ben.get_by_label("If overturned, move to").select_option("mql")
    ben.get_by_role("button", name="Record decision").click()
    expect(page.locator("#page-status")).to_contain_text("Recorded “overturn” for Ben Lovelace")
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
    expect(revops_page.locator("#page-status")).to_contain_text("now has MQL threshold 65")
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


@pytest.fixture
def borderline_session():
    """An open session of last month with one borderline lead (new, manual review) and one
    parked lead (nurture), and a proposal awaiting RevOps."""
    manager = UserFactory(username="sofia", role=roles.MANAGER)
    core = SegmentFactory(slug="core", name="Core", mql_threshold=70)
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    session = ReviewSession.objects.create(month=month, seed=1, opened_by=manager)
    leads = {
        "Cleo": LeadFactory(
            segment=core, stage=Stage.NEW, manual_review=True,
            contact=ContactFactory(first_name="Cleo", last_name="Lovelace"),
        ),
        "Dan": LeadFactory(
            segment=core, stage=Stage.NURTURE, recycle_on=timezone.localdate() + dt.timedelta(30),
            reason_code=reason("timing"),
            contact=ContactFactory(first_name="Dan", last_name="Lovelace"),
        ),
    }  # fmt: skip
    for position, lead in enumerate(leads.values(), start=1):
        ReviewItem.objects.create(
            session=session, lead=lead, stratum=Stratum.MANUAL_REVIEW, position=position,
            stage_when_sampled=lead.stage,
        )  # fmt: skip
    RuleChangeProposal.objects.create(
        session=session, kind="threshold", segment=core, field="mql_threshold",
        current_value="70", proposed_value="65", rationale="Cleo sat at 66", proposed_by=manager,
    )  # fmt: skip
    return session, manager


def test_a_refused_overturn_answers_in_the_card_with_the_typing_kept(
    page, log_in, borderline_session
):
    session, manager = borderline_session
    log_in(page, manager)
    page.goto(f"/review/{session.pk}/")
    page.evaluate("window.notReloaded = true")
    cleo = card(page, "Cleo")

    # Overturn to Disqualified with a note but no reason code: the engine refuses.
    cleo.get_by_label("Overturn", exact=True).check()
    cleo.get_by_label("Note").fill("Reseller, not a buyer")
    cleo.get_by_label("If overturned, move to").select_option("disqualified")
    cleo.get_by_role("button", name="Record decision").click()

    cleo = card(page, "Cleo")
    error = cleo.locator(".field-error", has_text="reason code is required")
    expect(error).to_be_visible()
    reason_select = cleo.get_by_label("Reason code")
    expect(reason_select).to_have_attribute("aria-invalid", "true")
    expect(reason_select).to_have_attribute("aria-describedby", error.get_attribute("id"))
    expect(reason_select).to_be_focused()
    expect(cleo.get_by_label("Note")).to_have_value("Reseller, not a buyer")
    expect(cleo.get_by_label("Overturn", exact=True)).to_be_checked()
    expect(cleo.get_by_label("If overturned, move to")).to_have_value("disqualified")
    assert page.evaluate("window.notReloaded") is True  # answered in place
    expect(page.locator(".messages")).to_have_count(0)  # not a banner at the top

    # Pick the reason and send again: recorded, and the counts follow.
    reason_select.select_option(label="Bad fit")
    cleo.get_by_role("button", name="Record decision").click()
    expect(card(page, "Cleo")).to_contain_text("moved New → Disqualified")
    expect(page.locator('[data-count="overturn"]')).to_have_text("1")
    expect(page.locator("#page-status")).to_contain_text("Recorded “overturn” for Cleo Lovelace")
    assert page.evaluate("window.notReloaded") is True

    # Dan is parked in nurture: no overturn is offered, and the card says why.
    dan = card(page, "Dan")
    expect(dan.get_by_label("Overturn", exact=True)).to_have_count(0)
    expect(dan).to_contain_text("No overturn: from Nurture")

    # Closing with Dan undecided and a proposal pending asks first, with the numbers.
    expect(page.locator("#close-box")).to_contain_text(
        "1 lead is still undecided and 1 proposal awaits RevOps"
    )
    page.get_by_role("button", name="Close session").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "1 lead is still undecided and 1 proposal awaits RevOps."
    )
    assert ReviewSession.objects.get(pk=session.pk).is_open
    page.get_by_role("button", name="Close anyway").click()
    expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    assert ReviewSession.objects.get(pk=session.pk).status == "closed"


def test_without_javascript_a_refused_overturn_comes_back_on_the_page_with_the_typing_kept(
    page_without_js, log_in, borderline_session
):
    page = page_without_js
    session, manager = borderline_session
    log_in(page, manager)
    page.goto(f"/review/{session.pk}/")
    cleo = card(page, "Cleo")
    cleo.get_by_label("Overturn", exact=True).check()
    cleo.get_by_label("If overturned, move to").select_option("disqualified")
    cleo.get_by_label("Note").fill("Reseller, not a buyer")

    with page.expect_response(lambda r: "/decide/" in r.url) as answer:
        cleo.get_by_role("button", name="Record decision").click()

    assert answer.value.status == 422
    cleo = card(page, "Cleo")
    expect(cleo.locator(".field-error", has_text="reason code is required")).to_be_visible()
    expect(cleo.get_by_label("Note")).to_have_value("Reseller, not a buyer")
    expect(cleo.get_by_label("If overturned, move to")).to_have_value("disqualified")
