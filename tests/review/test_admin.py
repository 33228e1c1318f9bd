"""RevOps decides proposals in the admin too, through the board's services: including those a
closed session left pending."""

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from qualification.models import Segment
from review.models import ReviewSession, RuleChangeProposal
from review.services import Unfinished, close_session, propose_change
from tests.factories import SegmentFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:review_rulechangeproposal_changelist")


@pytest.fixture
def pending(manager):
    """A proposal left awaiting RevOps when its session closed."""
    session = ReviewSession.objects.create(month=dt.date(2026, 10, 1), seed=1, opened_by=manager)
    segment = SegmentFactory(slug="core", name="Core", mql_threshold=70, nurture_floor=40)
    proposal = propose_change(
        session=session, actor=manager, kind="threshold", target=segment,
        field="mql_threshold", value="65", rationale="Good leads sat at 65-69",
    )  # fmt: skip
    close_session(session=session, actor=manager, confirmed=Unfinished(proposals=1))
    return proposal


def test_revops_sees_the_proposals_in_words(client, revops, pending):
    client.force_login(revops)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert "MQL threshold: 70 → 65" in response.text
    assert "Awaiting RevOps" in response.text


def test_revops_applies_a_proposal_left_pending_at_close(client, revops, pending):
    client.force_login(revops)

    response = client.post(
        CHANGELIST,
        {"action": "apply_selected", ACTION_CHECKBOX_NAME: [pending.pk]},
        follow=True,
    )

    assert "Applied 1 proposal." in response.text
    assert Segment.objects.get(slug="core").mql_threshold == 65
    assert Segment.objects.get(slug="core").history.first().history_user == revops
    summary = ReviewSession.objects.get().summary
    assert summary["proposals"]["applied"] == 1
    assert summary["after_close"][0]["by"] == "revops"


def test_declining_in_the_admin_asks_why_first(client, revops, pending):
    client.force_login(revops)
    chosen = {"action": "decline_selected", ACTION_CHECKBOX_NAME: [pending.pk]}

    asked = client.post(CHANGELIST, chosen)
    no_reason = client.post(CHANGELIST, {**chosen, "confirm": "yes", "note": ""})
    done = client.post(
        CHANGELIST, {**chosen, "confirm": "yes", "note": "SDRs are at capacity"}, follow=True
    )

    assert asked.status_code == 200 and "Why not" in asked.text
    assert no_reason.status_code == 200 and "This field is required" in no_reason.text
    assert "Declined 1 proposal." in done.text
    proposal = RuleChangeProposal.objects.get()
    assert (proposal.status, proposal.decision_note) == ("declined", "SDRs are at capacity")


def test_a_refused_apply_in_the_admin_says_why(client, revops, manager, pending):
    floor = RuleChangeProposal.objects.create(
        session=pending.session, kind="threshold", segment=pending.segment, field="nurture_floor",
        current_value="40", proposed_value="90", rationale="x", proposed_by=manager,
    )  # fmt: skip
    client.force_login(revops)

    response = client.post(
        CHANGELIST, {"action": "apply_selected", ACTION_CHECKBOX_NAME: [floor.pk]}, follow=True
    )

    assert "Core (Nurture floor): not applied:" in response.text
    assert RuleChangeProposal.objects.get(pk=floor.pk).status == "proposed"


def test_a_manager_may_not_apply_in_the_admin(client, manager, pending):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)

    client.post(CHANGELIST, {"action": "apply_selected", ACTION_CHECKBOX_NAME: [pending.pk]})

    assert RuleChangeProposal.objects.get().status == "proposed"
