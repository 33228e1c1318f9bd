"""The SAL queue in real Chromium: an SDR filters, accepts, rejects and claims."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from qualification.models import Lead, Stage
from tests.factories import (
    AccountFactory,
    ContactFactory,
    LeadFactory,
    SegmentFactory,
    UserFactory,
    in_days,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def sdr():
    user = UserFactory(username="priya", role=roles.SDR, first_name="Priya", last_name="Shah")
    SegmentFactory(slug="core", name="Core").sdrs.add(user)
    return user


@pytest.fixture
def leads(sdr):
    """Three MQLs, most urgent first: Cora (breached, someone else's), Ada, Ben."""
    now = timezone.now()
    tom = UserFactory(username="tom", role=roles.SDR, first_name="Tom", last_name="Becker")

    def mql(first_name, source, due, owner=None):
        contact = ContactFactory(first_name=first_name, last_name="Lovelace")
        return LeadFactory(
            stage=Stage.MQL, contact=contact, source=source, sla_due_at=due, owner=owner
        )

    return {
        "cora": mql("Cora", "demo_request", now - dt.timedelta(hours=1), owner=tom),
        "ada": mql("Ada", "webinar", now + dt.timedelta(hours=1)),
        "ben": mql("Ben", "form", now + dt.timedelta(hours=2)),
    }


def row(page, lead):
    return page.locator(f"#lead-{lead.pk}")


def counter(page, name):
    return page.locator(f'[data-counter="{name}"] .counter-value')


def test_an_sdr_filters_the_queue_in_place_and_goes_back(page, log_in, sdr, leads):
    log_in(page, sdr)
    page.goto("/queue/")
    expect(page.locator("tbody.lead")).to_have_count(3)

    page.keyboard.press("/")
    expect(page.get_by_label("Segment")).to_be_focused()
    page.get_by_label("Source").select_option("webinar")

    expect(page.locator("tbody.lead")).to_have_count(1)
    expect(row(page, leads["ada"])).to_be_visible()
    expect(page).to_have_url(re.compile(r"/queue/\?.*source=webinar"))

    page.go_back()
    expect(page.locator("tbody.lead")).to_have_count(3)


def expect_filters(page, **values) -> None:
    form = page.locator("#queue-filters")
    for name, value in values.items():
        expect(form.locator(f'[name="{name}"]')).to_have_value(value)


def test_back_and_forward_bring_the_filters_back_as_the_address_says(page, log_in, sdr, leads):
    Lead.objects.filter(pk=leads["ben"].pk).update(fit_tier="B")
    log_in(page, sdr)
    page.goto("/queue/")
    filters = page.locator("#queue-filters")

    filters.get_by_label("ICP tier").select_option("A")
    expect(page.locator("tbody.lead")).to_have_count(2)
    filters.get_by_label("Source").select_option("webinar")
    expect(page.locator("tbody.lead")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"icp_tier=A.*source=webinar"))

    page.go_back()
    expect(page).to_have_url(re.compile(r"icp_tier=A&(?!.*source=webinar)"))
    expect(page.locator("tbody.lead")).to_have_count(2)
    expect_filters(page, icp_tier="A", source="", owner="")

    page.go_forward()
    expect(page).to_have_url(re.compile(r"icp_tier=A.*source=webinar"))
    expect(page.locator("tbody.lead")).to_have_count(1)
    expect_filters(page, icp_tier="A", source="webinar", owner="")

    # The next change keeps what the address and the list say.
    page.go_back()
    expect(page.locator("tbody.lead")).to_have_count(2)
    filters.get_by_label("Owner").select_option("unassigned")
    expect(page).to_have_url(re.compile(r"icp_tier=A.*owner=unassigned"))
    expect(page.locator("tbody.lead")).to_have_count(1)
    expect(row(page, leads["ada"])).to_be_visible()


def test_back_from_a_lead_page_brings_the_filters_back_as_the_address_says(
    page, log_in, sdr, leads
):
    Lead.objects.filter(pk=leads["ben"].pk).update(fit_tier="B")
    log_in(page, sdr)
    page.goto("/queue/")
    filters = page.locator("#queue-filters")
    filters.get_by_label("ICP tier").select_option("A")
    expect(page.locator("tbody.lead")).to_have_count(2)
    filters.get_by_label("Source").select_option("webinar")
    expect(page.locator("tbody.lead")).to_have_count(1)

    row(page, leads["ada"]).locator(".lead-link").click()
    page.wait_for_url(re.compile(rf"/leads/{leads['ada'].pk}/"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"icp_tier=A.*source=webinar"))
    expect_filters(page, icp_tier="A", source="webinar", owner="")

    page.go_back()
    expect(page).to_have_url(re.compile(r"icp_tier=A&(?!.*source=webinar)"))
    expect(page.locator("tbody.lead")).to_have_count(2)
    expect_filters(page, icp_tier="A", source="", owner="")


def test_the_new_result_count_is_announced_after_a_filter_change(page, log_in, sdr, leads):
    log_in(page, sdr)
    page.goto("/queue/")
    count = page.locator("#queue-match-count")
    expect(count).to_contain_text("3 MQLs in your queue")
    before = count.element_handle()

    page.locator("#queue-filters").get_by_label("Source").select_option("webinar")
    expect(page.locator("tbody.lead")).to_have_count(1)

    # A screen reader announces new content in a live region it already knows, not a new
    # element swapped in its place.
    expect(count).to_contain_text("1 MQL matches these filters")
    assert before.evaluate("node => node.isConnected")
    assert before.evaluate("node => node.closest('[aria-live]')?.getAttribute('aria-live')") == (
        "polite"
    )
    assert "1 MQL matches these filters" in before.inner_text()


def test_an_sdr_accepts_a_lead_and_it_leaves_the_queue(page, log_in, sdr, leads):
    log_in(page, sdr)
    page.goto("/queue/")
    expect(counter(page, "waiting")).to_have_text("3")
    expect(counter(page, "mine-today")).to_have_text("0")

    # j moves down the queue, most urgent first; a opens Accept on the current lead.
    for name in ("cora", "ada", "ben"):
        page.keyboard.press("j")
        expect(row(page, leads[name]).locator(".lead-link")).to_be_focused()
    page.keyboard.press("k")
    expect(row(page, leads["ada"]).locator(".lead-link")).to_be_focused()
    page.keyboard.press("a")
    ada = row(page, leads["ada"])
    expect(ada.get_by_label("Owner")).to_be_focused()
    ada.get_by_label("ICP confirmed at account level").check()
    ada.get_by_role("button", name="Accept lead").click()

    expect(ada).to_have_count(0)
    expect(counter(page, "waiting")).to_have_text("2")
    expect(counter(page, "mine-today")).to_have_text("1")
    expect(page.locator("#queue-status")).to_contain_text("Accepted Ada Lovelace")
    expect(row(page, leads["ben"]).locator(".lead-link")).to_be_focused()
    lead = Lead.objects.get(pk=leads["ada"].pk)
    assert (lead.stage, lead.owner) == (Stage.SAL, sdr)


def test_an_sdr_rejects_for_timing_only_with_a_recycle_date(page, log_in, sdr, leads):
    log_in(page, sdr)
    page.goto("/queue/")
    ben = row(page, leads["ben"])

    ben.get_by_text("Reject", exact=True).click()
    ben.get_by_label("Reason").select_option("timing")
    ben.get_by_label("Note").fill("Budget opens in Q3")
    ben.get_by_role("button", name="Reject lead").click()

    expect(ben.get_by_text("Recycle date is required")).to_be_visible()
    expect(ben.get_by_label("Note")).to_have_value("Budget opens in Q3")
    expect(counter(page, "waiting")).to_have_text("3")

    ben.get_by_label("Recycle on").fill(in_days(90).isoformat())
    ben.get_by_role("button", name="Reject lead").click()

    expect(ben).to_have_count(0)
    expect(counter(page, "waiting")).to_have_text("2")
    lead = Lead.objects.get(pk=leads["ben"].pk)
    assert (lead.stage, lead.recycle_on) == (Stage.NURTURE, in_days(90))


def test_an_sdr_rejects_a_duplicate_picking_the_lead_to_keep(page, log_in, sdr):
    tessellate = AccountFactory(name="Tessellate Labs")
    nadia = ContactFactory(first_name="Nadia", last_name="Quinn", account=tessellate)
    george = ContactFactory(first_name="George", last_name="Quinn")
    lead = LeadFactory(stage=Stage.MQL, contact=nadia, sla_due_at=timezone.now())
    kept = LeadFactory(
        stage=Stage.SAL,
        contact=nadia,
        owner=sdr,
        segment=SegmentFactory(slug="enterprise", name="Enterprise"),
    )
    LeadFactory(stage=Stage.MQL, contact=george, sla_due_at=timezone.now())
    log_in(page, sdr)
    page.goto("/queue/")
    nadias = row(page, lead)

    nadias.get_by_text("Reject", exact=True).click()
    picker = nadias.get_by_label("Surviving lead")
    expect(picker).to_be_hidden()  # asked for only when the reason is a duplicate
    nadias.get_by_label("Reason").select_option("duplicate")
    expect(picker).to_be_visible()
    expect(picker.locator("option")).to_have_text(
        ["Choose the lead to keep…", "Nadia Quinn · SAL in Enterprise, owner Priya Shah"]
    )
    nadias.get_by_label("Note").fill("Asked twice for a demo")
    nadias.get_by_role("button", name="Reject lead").click()

    expect(nadias.get_by_text("“Duplicate” needs the surviving lead")).to_be_visible()
    expect(picker).to_be_visible()
    expect(nadias.get_by_label("Note")).to_have_value("Asked twice for a demo")

    picker.select_option(label="Nadia Quinn · SAL in Enterprise, owner Priya Shah")
    nadias.get_by_role("button", name="Reject lead").click()

    expect(nadias).to_have_count(0)
    rejected = Lead.objects.get(pk=lead.pk)
    assert (rejected.stage, rejected.duplicate_of_id) == (Stage.DISQUALIFIED, kept.pk)
    page.goto(f"/leads/{lead.pk}/")
    page.get_by_role("link", name="Nadia Quinn").click()
    expect(page).to_have_url(re.compile(rf"/leads/{kept.pk}/$"))


def test_claim_next_hands_the_sdr_the_most_urgent_unclaimed_lead(page, log_in, sdr, leads):
    log_in(page, sdr)
    page.goto("/queue/")

    page.get_by_role("button", name="Claim next").click()

    focus = page.locator("section.focus")
    expect(focus.get_by_role("heading", name="Your next lead")).to_be_visible()
    claimed = focus.locator(f"#lead-{leads['ada'].pk}")  # Cora is breached but Tom's
    expect(claimed.locator(".col-owner")).to_have_text("Priya Shah")
    expect(claimed.get_by_role("button", name="Accept lead")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"focus={leads['ada'].pk}"))
    assert Lead.objects.get(pk=leads["ada"].pk).owner == sdr


def test_without_javascript_the_forms_post_and_come_back_to_the_queue(
    page_without_js, log_in, sdr, leads
):
    page = page_without_js
    log_in(page, sdr)
    page.goto("/queue/?source=form")
    ben = row(page, leads["ben"])

    ben.get_by_text("Accept", exact=True).click()
    ben.get_by_label("ICP confirmed at account level").check()
    ben.get_by_role("button", name="Accept lead").click()

    expect(page.get_by_text("Accepted Ben Lovelace")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/queue/\?source=form$"))
    expect(page.locator("tbody.lead")).to_have_count(0)
