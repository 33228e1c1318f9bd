"""Words people read: no transition slugs in messages, history, the lead page, the queue or
emails (the labels come from the transition table); times say their zone where the segment's
differs from the viewer's; amounts say their currency."""

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from qualification.lifecycle.engine import transition_lead
from qualification.lifecycle.evidence import Automation
from qualification.lifecycle.notifications import send_lead_brief, send_sla_breach
from qualification.lifecycle.table import TRANSITIONS
from qualification.models import Stage
from tests.factories import (
    LeadFactory,
    SegmentFactory,
    StageTransitionFactory,
    UserFactory,
    reason,
)

pytestmark = pytest.mark.django_db

SLUGS = [row.name for row in TRANSITIONS]
# Tuesday 4 March 2025, 14:00 in London (GMT) is 09:00 in New York (EST).
TUESDAY_2PM = dt.datetime(2025, 3, 4, 14, 0, tzinfo=ZoneInfo("Europe/London"))


class _Text(HTMLParser):
    """What a person reads on a page: text nodes, not ids, values or scripts."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def text_nodes(html: str) -> str:
    """The page's text, one text node a line."""
    parser = _Text()
    parser.feed(html)
    return "\n".join(" ".join(part.split()) for part in parser.parts if part.strip())


def visible_text(html: str) -> str:
    return " ".join(text_nodes(html).split())


def slugs_in(text: str) -> list[str]:
    """Transition names in `text` (lines of plain text, or a page's text nodes): a hyphenated
    one anywhere, a one-word one (`accept`, `park`) as a whole line or in brackets, the way
    they used to be shown. "a accept · r reject" in the keyboard help is English."""
    found = []
    for slug in SLUGS:
        word = re.escape(slug)
        pattern = rf"(?<![\w-]){word}(?![\w-])" if "-" in slug else rf"(?:^|\(){word}(?:$|\))"
        if re.search(pattern, text, re.M):
            found.append(slug)
    return found


@pytest.fixture
def ae(db):
    return UserFactory(username="ae", role=roles.AE, first_name="Maya", last_name="Okafor")


# Internal names ------------------------------------------------------------------------------


def test_a_move_from_the_lead_page_says_what_happened_without_the_transitions_slug(client, ae):
    lead = LeadFactory(stage=Stage.SAL, owner=ae)
    client.force_login(ae)

    response = client.post(
        reverse("qualification:move-lead", args=[lead.pk]),
        {
            "transition": "park",
            "park-reason_code": str(reason("no_budget").pk),
            "park-recycle_on": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        },
        follow=True,
    )

    message = text_nodes(re.search(r'<ul class="messages.*?</ul>', response.text, re.S)[0])
    assert "Moved to Nurture" in message
    assert slugs_in(message) == []


def test_the_history_reason_names_the_transition_by_its_label(ae):
    lead = LeadFactory(stage=Stage.NEW)

    transition_lead(lead=lead, to=Stage.MQL, actor=Automation("intent-score"))

    reason_text = lead.history.latest().history_change_reason
    assert reason_text == "Mark MQL: New → MQL"
    assert slugs_in(reason_text) == []


def test_the_lead_pages_stage_history_shows_each_transitions_label(client, ae):
    lead = LeadFactory(stage=Stage.SAL, owner=ae)
    for row in TRANSITIONS:
        StageTransitionFactory(
            lead=lead, name=row.name, from_stage=sorted(row.sources)[0], to_stage=row.target
        )
    client.force_login(ae)

    text = text_nodes(client.get(reverse("qualification:lead-detail", args=[lead.pk])).text)

    assert slugs_in(text) == []
    history = text[text.index("Stage history") :]
    for row in TRANSITIONS:
        assert row.label in history


def test_every_row_of_the_table_has_a_label_in_words():
    for row in TRANSITIONS:
        assert row.label and row.label[0].isupper() and "-" not in row.label, row.name


def test_the_queue_shows_no_transition_slug(client, db):
    sdr = UserFactory(username="sdr", role=roles.SDR)
    segment = SegmentFactory(slug="core", name="Core")
    segment.sdrs.add(sdr)
    lead = LeadFactory(stage=Stage.MQL, sla_due_at=timezone.now() + dt.timedelta(hours=2))
    StageTransitionFactory(lead=lead, name="mark-mql", from_stage=Stage.NEW, to_stage=Stage.MQL)
    client.force_login(sdr)

    text = text_nodes(client.get(reverse("qualification:queue")).text)

    assert str(lead.contact) in text
    assert slugs_in(text) == []


def test_the_emails_show_no_transition_slug_or_field_name(mailoutbox, ae):
    lead = LeadFactory(stage=Stage.SAL, owner=ae, sla_due_at=timezone.now() - dt.timedelta(hours=1))

    send_lead_brief(lead.pk)
    send_sla_breach(lead.pk)

    for message in mailoutbox:
        for text in (message.subject, message.body):
            assert slugs_in(text) == []
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), text


# Time zones ----------------------------------------------------------------------------------


def new_york_lead(**kwargs):
    segment = SegmentFactory(slug="na", name="North America", time_zone="America/New_York")
    return LeadFactory(segment=segment, **kwargs)


@time_machine.travel(TUESDAY_2PM - dt.timedelta(hours=3), tick=False)
def test_a_time_in_another_segments_zone_says_both_zones(client, ae):
    lead = new_york_lead(stage=Stage.SAL, owner=ae, sla_due_at=TUESDAY_2PM)
    client.force_login(ae)

    text = visible_text(client.get(reverse("qualification:lead-detail", args=[lead.pk])).text)

    assert "Tue 4 Mar, 14:00 GMT (09:00 EST)" in text


@time_machine.travel(TUESDAY_2PM - dt.timedelta(hours=3), tick=False)
def test_a_time_in_the_viewers_own_zone_has_no_zone(client, ae):
    lead = LeadFactory(stage=Stage.SAL, owner=ae, sla_due_at=TUESDAY_2PM)
    client.force_login(ae)

    text = visible_text(client.get(reverse("qualification:lead-detail", args=[lead.pk])).text)

    assert "Tue 4 Mar, 14:00 " in text
    assert "GMT" not in text


@time_machine.travel(TUESDAY_2PM - dt.timedelta(hours=3), tick=False)
def test_the_next_meeting_of_a_lead_in_another_zone_says_both_zones(client, ae):
    lead = new_york_lead(stage=Stage.SQL, owner=ae, next_meeting_on=TUESDAY_2PM)
    client.force_login(ae)

    text = visible_text(client.get(reverse("qualification:lead-detail", args=[lead.pk])).text)

    assert "Tue 4 Mar 2025, 14:00 GMT (09:00 EST)" in text


@time_machine.travel(TUESDAY_2PM - dt.timedelta(hours=3), tick=False)
def test_the_queue_says_the_zone_of_a_deadline_in_another_segments_zone(client, db):
    sdr = UserFactory(username="sdr", role=roles.SDR)
    lead = new_york_lead(stage=Stage.MQL, sla_due_at=TUESDAY_2PM)
    lead.segment.sdrs.add(sdr)
    client.force_login(sdr)

    text = visible_text(client.get(reverse("qualification:queue")).text)

    assert "14:00 GMT (09:00 EST)" in text


@time_machine.travel(TUESDAY_2PM - dt.timedelta(hours=3), tick=False)
def test_claiming_a_lead_says_the_zone_of_its_deadline_in_another_segments_zone(client, db):
    sdr = UserFactory(username="sdr", role=roles.SDR)
    lead = new_york_lead(stage=Stage.MQL, sla_due_at=TUESDAY_2PM)
    lead.segment.sdrs.add(sdr)
    client.force_login(sdr)

    response = client.post(reverse("qualification:claim-next"), follow=True)

    assert "SLA due Tue 4 Mar, 14:00 GMT (09:00 EST)." in visible_text(response.text)


def test_the_brief_email_says_the_zone_of_a_deadline_in_another_segments_zone(mailoutbox, ae):
    lead = new_york_lead(stage=Stage.MQL, owner=ae, sla_due_at=TUESDAY_2PM)

    send_lead_brief(lead.pk)

    assert "Respond by Tue 4 Mar, 14:00 GMT (09:00 EST)." in mailoutbox[0].body


def test_the_breach_email_says_the_zone_of_a_deadline_in_another_segments_zone(mailoutbox, ae):
    lead = new_york_lead(stage=Stage.MQL, owner=ae, sla_due_at=TUESDAY_2PM)

    send_sla_breach(lead.pk)

    assert "passed at Tue 4 Mar, 14:00 GMT (09:00 EST)." in mailoutbox[0].body


# Currency ------------------------------------------------------------------------------------


def test_an_amount_shows_the_currency(client, ae):
    lead = LeadFactory(stage=Stage.SQL, owner=ae, amount_estimate=Decimal("120000.00"))
    client.force_login(ae)

    text = visible_text(client.get(reverse("qualification:lead-detail", args=[lead.pk])).text)

    assert "EUR 120,000.00" in text


def test_the_currency_is_a_setting(client, ae, settings):
    settings.CURRENCY = "GBP"
    lead = LeadFactory(stage=Stage.SQL, owner=ae, amount_estimate=Decimal("950.5"))
    client.force_login(ae)

    text = visible_text(client.get(reverse("qualification:lead-detail", args=[lead.pk])).text)

    assert "GBP 950.50" in text
    assert "Amount estimate (GBP)" in text
