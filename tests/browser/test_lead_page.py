"""The AE's discovery workspace in real Chromium: autosave, the buying group, the SQL gate, and an
autosave that fails without losing what was typed. Fixtures come from tests/browser/conftest.py."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts import roles
from accounts.models import BuyingGroupRole
from qualification.models import ChecklistAnswer, FrameworkItem, Stage
from tests.factories import BuyingGroupRoleFactory, ContactFactory, LeadFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def bant(key: str) -> FrameworkItem:
    return FrameworkItem.objects.get(framework__key="bant", key=key)


def fill_item(page: Page, item: FrameworkItem, status: str, answer: str) -> None:
    page.locator(f"#status-input-{item.pk}").select_option(status)
    page.locator(f"#answer-input-{item.pk}").fill(answer)


def expect_saved(page: Page, item: FrameworkItem) -> None:
    expect(page.locator(f"#status-{item.pk}")).to_have_attribute("data-state", "saved")


@pytest.fixture
def ae_lead():
    ae = UserFactory(username="ae-browser", role=roles.AE)
    lead = LeadFactory(stage=Stage.SAL, owner=ae, contact__title="Operations Manager")
    return ae, lead


def test_an_ae_qualifies_a_lead_to_sql(page: Page, live_server, log_in, ae_lead):
    ae, lead = ae_lead
    log_in(page, ae)
    page.goto(f"/leads/{lead.pk}/")
    expect(page.locator('[data-warning="single_threaded"]')).to_be_visible()

    # BANT's minimum, typed item by item: each autosaves.
    answers = {
        "need": "Month-end close takes nine days; the CFO wants three",
        "authority": "The CFO signs; the COO must agree",
        "timeline": "Live before the audit in June",
    }
    for key, text in answers.items():
        fill_item(page, bant(key), "confirmed", text)
        expect_saved(page, bant(key))

    page.reload()
    for key, text in answers.items():
        expect(page.locator(f"#answer-input-{bant(key).pk}")).to_have_value(text)
        expect(page.locator(f"#status-input-{bant(key).pk}")).to_have_value("confirmed")
    assert ChecklistAnswer.objects.filter(status="confirmed").count() == 3

    # The lead's contact is the champion; a new person is the economic buyer.
    group = page.locator("#buying-group")
    group.get_by_label("Person").select_option(str(lead.contact.pk))
    group.get_by_label("Role").select_option("champion")
    group.get_by_label("Sentiment").select_option("positive")
    group.get_by_role("button", name="Add to buying group").click()
    expect(group.locator("table")).to_contain_text("Champion")
    expect(page.locator('[data-warning="single_threaded"]')).to_be_visible()

    group = page.locator("#buying-group")
    group.get_by_label("Person").select_option("new")
    group.get_by_label("First name").fill("Grace")
    group.get_by_label("Last name").fill("Hopper")
    group.get_by_label("Title").fill("CFO")
    group.get_by_label("Role").select_option("economic_buyer")
    group.get_by_role("button", name="Add to buying group").click()
    expect(page.locator("#buying-group table")).to_contain_text("Grace Hopper")
    expect(page.locator('[data-warning="single_threaded"]')).to_have_count(0)
    expect(page.locator('[data-warning="no_economic_buyer"]')).to_have_count(0)
    expect(page.locator("#needs-promote-sql")).not_to_contain_text("buying-group")

    # Promote: the button says what is still missing, then the engine runs.
    action = page.locator("div.action", has_text="Promote to SQL")
    action.locator("summary").click()
    expect(action.locator(".needs")).to_contain_text("A next meeting date is required")
    meeting = timezone.localtime() + dt.timedelta(days=3)
    action.get_by_label("Next meeting").fill(meeting.strftime("%Y-%m-%dT%H:%M"))
    action.get_by_role("button", name="Promote to SQL", exact=True).click()
    expect(page.locator(".message-success")).to_contain_text("Moved to SQL")
    expect(page.locator(".lead-badges .stage-sql")).to_be_visible()
    lead.refresh_from_db()
    assert lead.stage == Stage.SQL


def test_typing_in_an_answer_puts_its_line_on_top_of_the_history(
    page: Page, live_server, log_in, ae_lead
):
    """A text-only autosave answers with the item's state and one history line, no redraw."""
    ae, lead = ae_lead
    log_in(page, ae)
    page.goto(f"/leads/{lead.pk}/")
    timeline = bant("timeline")
    fill_item(page, timeline, "partial", "This quarter")
    expect_saved(page, timeline)
    needs = page.locator("#needs-promote-sql").inner_text()
    rows = page.locator("#answer-history-rows tr")
    before = rows.count()
    page.locator(f"#answer-input-{timeline.pk}").fill("This quarter, after the board meets")
    expect(rows.first).to_contain_text("Timeline: answer edited")
    expect(rows.first).to_contain_text("This quarter, after the board meets")
    expect(rows).to_have_count(before + 1)
    assert page.locator("#needs-promote-sql").inner_text() == needs
    page.reload()  # the page drawn afresh says the same
    expect(page.locator("#answer-history-rows tr").first).to_contain_text("answer edited")
    expect(page.locator("#answer-history-rows tr")).to_have_count(before + 1)


def test_a_suggested_stakeholder_is_mapped_in_one_click(page: Page, live_server, log_in, ae_lead):
    ae, lead = ae_lead
    cfo = ContactFactory(
        account=lead.account,
        first_name="Dana",
        last_name="Whitley",
        title="CFO",
        persona_function="finance",
        persona_seniority="c_level",
    )
    log_in(page, ae)
    page.goto(f"/leads/{lead.pk}/")
    warning = page.locator('[data-warning="no_economic_buyer"]')
    expect(warning).to_contain_text("Dana Whitley, CFO, is at this account")
    page.get_by_role("button", name="Map as economic buyer for Dana Whitley").click()
    expect(page.locator("#buying-group table")).to_contain_text("Dana Whitley")
    expect(warning).to_have_count(0)
    assert BuyingGroupRole.objects.get(contact=cfo).role == "economic_buyer"


def test_a_refused_promotion_names_what_is_missing_in_place(
    page: Page, live_server, log_in, ae_lead
):
    ae, lead = ae_lead
    log_in(page, ae)
    page.goto(f"/leads/{lead.pk}/")
    action = page.locator("div.action", has_text="Promote to SQL")
    action.locator("summary").click()
    action.get_by_role("button", name="Promote to SQL", exact=True).click()
    refused = page.locator("#actions .form-errors")
    expect(refused).to_contain_text("discovery")
    expect(page.locator("#actions")).to_contain_text("A next meeting date is required")
    assert page.url.endswith(f"/leads/{lead.pk}/")


def test_an_autosave_after_the_session_expired_is_visible_and_keeps_the_text(
    page: Page, live_server, log_in, ae_lead
):
    ae, lead = ae_lead
    log_in(page, ae)
    page.goto(f"/leads/{lead.pk}/")
    # The session ends (the CSRF cookie stays, so the server answers with the login redirect).
    csrf = [c for c in page.context.cookies() if c["name"] == "csrftoken"]
    page.context.clear_cookies()
    page.context.add_cookies(csrf)

    need = bant("need")
    typed = "They lose two days a month reconciling by hand"
    fill_item(page, need, "partial", typed)
    status = page.locator(f"#status-{need.pk}")
    expect(status).to_have_attribute("data-state", "failed")
    expect(status).to_contain_text("session has expired")
    expect(page.locator(f"#answer-input-{need.pk}")).to_have_value(typed)
    assert not ChecklistAnswer.objects.exists()


def test_an_autosave_the_server_fails_is_visible_and_keeps_the_text(
    page: Page, live_server, log_in, ae_lead
):
    ae, lead = ae_lead
    log_in(page, ae)
    page.goto(f"/leads/{lead.pk}/")
    page.route(re.compile(r".*/answers/\d+/$"), lambda route: route.fulfill(status=500, body="x"))

    timeline = bant("timeline")
    typed = "Before the June audit"
    fill_item(page, timeline, "confirmed", typed)
    status = page.locator(f"#status-{timeline.pk}")
    expect(status).to_have_attribute("data-state", "failed")
    expect(status).to_contain_text("500")
    expect(page.locator(f"#answer-input-{timeline.pk}")).to_have_value(typed)

    # The server recovers: Save retries what was kept.
    page.unroute(re.compile(r".*/answers/\d+/$"))
    page.get_by_role("button", name="Save Timeline").click()
    expect(status).to_have_attribute("data-state", "saved")
    assert ChecklistAnswer.objects.get().answer == typed


def test_without_javascript_the_workspace_still_saves(
    page_without_js: Page, live_server, log_in, ae_lead
):
    ae, lead = ae_lead
    page = page_without_js
    log_in(page, ae)
    page.goto(f"/leads/{lead.pk}/")

    need = bant("need")
    fill_item(page, need, "partial", "Reconciliation by hand")
    page.get_by_role("button", name="Save Need").click()
    expect(page.locator(f"#answer-input-{need.pk}")).to_have_value("Reconciliation by hand")
    expect(page.locator(f"#status-{need.pk}")).to_have_attribute("data-state", "saved")

    page.get_by_label("New note").fill("Call booked with the COO.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".message-success")).to_contain_text("Note added.")
    expect(page.locator("#notes")).to_contain_text("Call booked with the COO.")


ECON = BuyingGroupRole.Role.ECONOMIC_BUYER
TECH = BuyingGroupRole.Role.TECHNICAL_EVALUATOR
USER = BuyingGroupRole.Role.USER


LONG_EMAIL = "procurement.and.vendor.management.office@subsidiary.enormous-holdings.example"


@pytest.fixture
def mapped_lead(ae_lead):
    """An SAL lead whose contact has a long email, and four people in its buying group."""
    ae, lead = ae_lead
    lead.contact.email = LONG_EMAIL
    lead.contact.save()
    people = [
        (lead.contact, BuyingGroupRole.Role.CHAMPION),
        (ContactFactory(account=lead.account, first_name="Grace", last_name="Hopper"), ECON),
        (ContactFactory(account=lead.account, first_name="Alan", last_name="Kay"), TECH),
        (ContactFactory(account=lead.account, first_name="Ada", last_name="Byron"), USER),
    ]
    for contact, role in people:
        BuyingGroupRoleFactory(contact=contact, role=role)
    return ae, lead


def test_at_200_percent_zoom_the_lead_page_does_not_scroll_sideways(
    page: Page, live_server, log_in, mapped_lead
):
    ae, lead = mapped_lead
    page.set_viewport_size({"width": 640, "height": 900})  # 1280 px at 200 %
    log_in(page, ae)
    page.goto(f"/leads/{lead.pk}/")
    for summary in page.locator("#actions summary").all():
        summary.click()  # the evidence forms open too

    width = page.evaluate(
        "({scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth})"
    )
    assert width["scroll"] <= width["client"], width
    expect(page.get_by_role("link", name=LONG_EMAIL)).to_be_visible()


def test_each_evidence_toggle_and_remove_button_says_which(
    page: Page, live_server, log_in, mapped_lead
):
    ae, lead = mapped_lead
    log_in(page, ae)
    page.goto(f"/leads/{lead.pk}/")

    summaries = page.locator("#actions summary")
    expect(summaries).to_have_count(3)
    for summary, label in zip(
        summaries.all(), ["Promote to SQL", "Park in nurture", "Disqualify"], strict=True
    ):
        expect(summary).to_have_accessible_name(f"Fill in the evidence to {label}")

    group = page.locator("#buying-group")
    expect(group.get_by_role("button", name=re.compile("^Remove"))).to_have_count(4)
    for name in (
        f"Remove {lead.contact} as Champion",
        "Remove Grace Hopper as Economic buyer",
        "Remove Alan Kay as Technical evaluator",
        "Remove Ada Byron as User",
    ):
        expect(group.get_by_role("button", name=name, exact=True)).to_have_count(1)
    page.get_by_role("button", name="Remove Grace Hopper as Economic buyer").click()
    expect(page.locator("#buying-group table")).not_to_contain_text("Grace Hopper")
