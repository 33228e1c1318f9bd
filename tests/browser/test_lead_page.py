"""The AE's discovery workspace in real Chromium: autosave, the buying group, the SQL gate, and an
autosave that fails without losing what was typed. Fixtures come from tests/browser/conftest.py."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts import roles
from qualification.models import ChecklistAnswer, FrameworkItem, Stage
from tests.factories import LeadFactory, UserFactory

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
