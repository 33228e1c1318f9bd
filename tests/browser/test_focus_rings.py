"""Focus is visible at every stop of a date or datetime field, its calendar button included.

Pico hides the real calendar button (opacity 0) and draws the icon as the field's background;
while that button has focus the field matches neither :focus nor :focus-visible, so the house
ring (static/css/app.css) needs its own rule."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page

from accounts import roles
from qualification.models import Stage
from tests.factories import LeadFactory, SegmentFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FOCUS_STATE = """field => {
    const style = getComputedStyle(field);
    return {
        inside: field === document.activeElement,
        calendar_button: field === document.activeElement && !field.matches(":focus"),
        outline: `${style.outlineStyle} ${parseFloat(style.outlineWidth)}px`,
    };
}"""


def expect_a_ring_at_every_stop(page: Page, field: Locator) -> None:
    """Tab from the field's first part to its calendar button: each stop draws an outline."""
    field.focus()
    stops = []
    for _ in range(10):
        state = field.evaluate(FOCUS_STATE)
        if not state["inside"]:
            break
        stops.append(state)
        page.keyboard.press("Tab")
    assert any(stop["calendar_button"] for stop in stops), stops
    for stop in stops:
        style, width = stop["outline"].split()
        assert style != "none" and float(width[:-2]) >= 2, stops


def test_a_date_field_shows_focus_on_its_calendar_button(page, log_in):
    sdr = UserFactory(username="priya", role=roles.SDR)
    SegmentFactory(slug="core", name="Core").sdrs.add(sdr)
    lead = LeadFactory(stage=Stage.MQL, sla_due_at=timezone.now() + dt.timedelta(hours=2))
    log_in(page, sdr)
    page.goto(f"/queue/?focus={lead.pk}&act=accept")

    expect_a_ring_at_every_stop(page, page.get_by_label("Due"))


def test_a_datetime_field_shows_focus_on_its_calendar_button(page, log_in):
    ae = UserFactory(username="ae-focus", role=roles.AE)
    lead = LeadFactory(stage=Stage.SAL, owner=ae)
    log_in(page, ae)
    page.goto(f"/leads/{lead.pk}/")

    field = page.locator('input[type="datetime-local"]').first  # promote to SQL's next meeting
    field.locator("xpath=ancestor::details").evaluate("details => { details.open = true; }")
    expect_a_ring_at_every_stop(page, field)
