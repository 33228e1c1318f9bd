"""Written evidence counts only when a person can read it: text made of spaces, zero-width and
other invisible characters is refused wherever the engine or a form asks for words."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import BuyingGroupRole
from qualification.lifecycle.engine import transition_lead
from qualification.lifecycle.evidence import Evidence, TransitionRefused, has_text
from qualification.models import DiscoveryNote, Stage
from review.models import Decision, ReviewItem, ReviewSession, Stratum
from review.services import ReviewRefused, propose_change, record_decision
from tests.factories import (
    BuyingGroupRoleFactory,
    LeadFactory,
    SegmentFactory,
    confirm_framework,
    reason,
    tomorrow,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

INVISIBLE = [
    "\u200b",  # zero-width space (Cf)
    "\u200c\u200d",  # zero-width non-joiner and joiner (Cf)
    "\u2060",  # word joiner (Cf)
    "\ufeff",  # byte-order mark (Cf)
    "\u00ad",  # soft hyphen (Cf)
    "\u00a0",  # no-break space (Zs)
    "\u3000",  # ideographic space (Zs)
    "\u2028",  # line separator (Zl)
    " \t\n\u200b \u202f",  # a mixture
]


@pytest.mark.parametrize("text", INVISIBLE)
def test_invisible_characters_are_not_text(text):
    assert not has_text(text)


@pytest.mark.parametrize("text", ["ok", "\u200bCall Tuesday\u200b", "7", "—", "电话"])
def test_anything_a_person_can_read_is_text(text):
    assert has_text(text)


@pytest.mark.parametrize("text", INVISIBLE)
def test_an_invisible_next_action_does_not_accept_a_lead(sdr, text):
    lead = LeadFactory(stage=Stage.MQL)
    with pytest.raises(TransitionRefused) as refused:
        transition_lead(
            lead=lead,
            to=Stage.SAL,
            actor=sdr,
            evidence=Evidence(
                owner=sdr, icp_confirmed=True, next_action=text, next_action_due=tomorrow()
            ),
        )
    assert refused.value.errors["next_action"] == ["a next action is required"]
    assert type(lead).objects.get(pk=lead.pk).stage == Stage.MQL


def test_an_invisible_single_thread_override_does_not_promote_to_sql(client, ae):
    client.force_login(ae)
    lead = LeadFactory(stage=Stage.SAL, owner=ae)
    confirm_framework(lead)
    BuyingGroupRoleFactory(contact=lead.contact)
    meeting = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("qualification:move-lead", args=[lead.pk]),
        {
            "transition": "promote-sql",
            "promote-sql-next_meeting_on": meeting,
            "promote-sql-single_thread_override": "\u200b",
        },
    )
    assert response.status_code == 422
    assert "give a written single-thread override" in response.content.decode()
    lead.refresh_from_db()
    assert (lead.stage, lead.single_thread_override) == (Stage.SAL, "")


def test_an_invisible_note_does_not_reopen_a_lead(manager):
    lead = LeadFactory(stage=Stage.DISQUALIFIED, reason_code=reason("bad_fit"))
    with pytest.raises(TransitionRefused) as refused:
        transition_lead(lead=lead, to=Stage.MQL, actor=manager, evidence=Evidence(note="\u200b"))
    assert refused.value.errors["note"] == ["a note is required"]


def test_an_invisible_mutual_next_step_does_not_open_an_opportunity(ae):
    lead = LeadFactory(stage=Stage.SQL, owner=ae)
    with pytest.raises(TransitionRefused) as refused:
        transition_lead(
            lead=lead,
            to=Stage.OPPORTUNITY,
            actor=ae,
            evidence=Evidence(mutual_next_step="\u2060"),
        )
    assert refused.value.errors["mutual_next_step"] == ["a mutual next step is required"]


def test_an_invisible_review_decision_does_not_admit_a_low_score(manager):
    lead = LeadFactory(intent_score=55)
    with pytest.raises(TransitionRefused) as refused:
        transition_lead(
            lead=lead,
            to=Stage.MQL,
            actor=manager,
            evidence=Evidence(manual_review_decision="\u200b\u00a0"),
        )
    assert refused.value.errors["manual_review_decision"] == [
        "intent score 55 is under the MQL threshold of 70; a manual-review decision is required"
    ]


def test_an_invisible_fit_override_does_not_admit_a_tier_c_lead(marketing):
    lead = LeadFactory(fit_tier="C")
    with pytest.raises(TransitionRefused) as refused:
        transition_lead(
            lead=lead, to=Stage.MQL, actor=marketing, evidence=Evidence(fit_override="\ufeff")
        )
    assert refused.value.errors["fit_override"] == [
        "fit tier must be A or B (it is Tier C), or give a written override"
    ]


def test_an_invisible_note_is_refused_with_the_form(client, ae):
    client.force_login(ae)
    lead = LeadFactory(stage=Stage.SAL, owner=ae)
    response = client.post(
        reverse("qualification:add-note", args=[lead.pk]), {"body": "\u200b\u200b"}, **HTMX
    )
    assert response.status_code == 422
    assert "Write the note" in response.content.decode()
    assert not DiscoveryNote.objects.exists()


def test_a_new_person_with_an_invisible_name_is_refused(client, ae):
    client.force_login(ae)
    lead = LeadFactory(stage=Stage.SAL, owner=ae)
    response = client.post(
        reverse("qualification:map-role", args=[lead.pk]),
        {
            "contact": "new",
            "first_name": "\u200b",
            "last_name": "\u3000",
            "role": BuyingGroupRole.Role.CHAMPION,
            "sentiment": "unknown",
        },
        **HTMX,
    )
    assert response.status_code == 422
    assert "Name the new person" in response.content.decode()
    assert not BuyingGroupRole.objects.exists()


@pytest.fixture
def session(manager):
    return ReviewSession.objects.create(month=dt.date(2026, 10, 1), seed=1, opened_by=manager)


def test_an_overturn_with_an_invisible_note_is_refused(manager, session):
    lead = LeadFactory(stage=Stage.NEW, manual_review=True, intent_score=55)
    item = ReviewItem.objects.create(
        session=session,
        lead=lead,
        stratum=Stratum.MANUAL_REVIEW,
        position=1,
        stage_when_sampled=lead.stage,
    )
    with pytest.raises(ReviewRefused, match="needs a note"):
        record_decision(
            item=item,
            actor=manager,
            decision=Decision.OVERTURN,
            note="\u200b",
            overturn_to=Stage.MQL,
        )
    assert type(lead).objects.get(pk=lead.pk).stage == Stage.NEW


def test_a_proposal_with_an_invisible_rationale_is_refused(manager, session):
    with pytest.raises(ReviewRefused, match="rationale"):
        propose_change(
            session=session,
            actor=manager,
            kind="threshold",
            target=SegmentFactory(slug="core", name="Core"),
            field="mql_threshold",
            value="65",
            rationale="\u2060\u200b",
        )
