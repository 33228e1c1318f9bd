import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from qualification.lifecycle.evidence import Evidence, TransitionRefused
from qualification.models import Lead, ScoringRule, Segment, Stage, StageTransition
from review.models import Decision, ReviewItem, ReviewSession, RuleChangeProposal, Stratum
from review.sampling import candidates, month_bounds
from review.services import (
    CloseNeedsConfirmation,
    ReviewRefused,
    Unfinished,
    apply_proposal,
    close_session,
    decline_proposal,
    open_session,
    propose_change,
    record_decision,
)
from tests.factories import LeadFactory, SegmentFactory, reason

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 10, 1)


@pytest.fixture
def session(manager):
    return ReviewSession.objects.create(month=MONTH, seed=1, opened_by=manager)


def _item(session, lead, stratum=Stratum.SDR_REJECTED):
    position = session.items.count() + 1
    return ReviewItem.objects.create(
        session=session,
        lead=lead,
        stratum=stratum,
        position=position,
        stage_when_sampled=lead.stage,
    )


def _disqualified():
    return LeadFactory(stage=Stage.DISQUALIFIED, reason_code=reason("bad_fit"))


# Opening ----------------------------------------------------------------------------------


def test_opening_a_session_stores_its_seed_and_the_sample_it_drew(manager):
    borderline = LeadFactory.create_batch(6, stage=Stage.NEW, manual_review=True)
    Lead.objects.update(created_at=dt.datetime(2026, 10, 2, tzinfo=dt.UTC))

    session = open_session(month=dt.date(2026, 10, 17), actor=manager, size=5, seed=99)

    assert (session.month, session.seed, session.sample_size) == (MONTH, 99, 5)
    items = list(session.items.order_by("position"))
    assert [i.position for i in items] == [1, 2, 3, 4, 5]
    assert {i.lead_id for i in items} < {lead.pk for lead in borderline}
    assert {i.stage_when_sampled for i in items} == {Stage.NEW}


def test_a_month_has_one_session(manager, session):
    with pytest.raises(ReviewRefused, match="already has a review session"):
        open_session(month=MONTH, actor=manager)


def test_only_a_manager_opens_a_session(sdr):
    with pytest.raises(PermissionDenied):
        open_session(month=MONTH, actor=sdr)


def test_a_session_size_outside_the_bounds_is_refused(manager):
    with pytest.raises(ReviewRefused, match="between"):
        open_session(month=MONTH, actor=manager, size=500)


# Decisions and overturns ----------------------------------------------------------------------


def test_agreeing_records_the_decision_and_leaves_the_lead_alone(manager, session):
    lead = _disqualified()
    item = _item(session, lead)

    item = record_decision(item=item, actor=manager, decision=Decision.AGREE, note="Right call")

    assert (item.decision, item.note, item.decided_by) == (Decision.AGREE, "Right call", manager)
    assert item.overturn is None
    assert Lead.objects.get(pk=lead.pk).stage == Stage.DISQUALIFIED


def test_overturning_a_rejection_reopens_the_lead_through_the_engine(manager, session):
    lead = _disqualified()
    item = _item(session, lead)

    item = record_decision(
        item=item,
        actor=manager,
        decision=Decision.OVERTURN,
        note="Tier A account, champion engaged",
        overturn_to=Stage.MQL,
    )

    lead.refresh_from_db()
    assert lead.stage == Stage.MQL
    step = item.overturn
    assert (step.name, step.actor, step.from_stage, step.to_stage) == (
        "reopen",
        manager,
        Stage.DISQUALIFIED,
        Stage.MQL,
    )
    assert step.note == "Tier A account, champion engaged"
    assert lead.history.first().history_change_reason.startswith("Reopen: Disqualified → MQL")


def test_overturning_a_borderline_lead_marks_it_mql_with_the_review_as_decision(manager, session):
    lead = LeadFactory(stage=Stage.NEW, manual_review=True, intent_score=55)
    item = _item(session, lead, Stratum.MANUAL_REVIEW)

    item = record_decision(
        item=item,
        actor=manager,
        decision=Decision.OVERTURN,
        note="Pricing visits ×3",
        overturn_to=Stage.MQL,
    )

    assert item.overturn.name == "mark-mql"
    assert item.overturn.evidence["manual_review_decision"] == "Pricing visits ×3"
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL


def test_an_overturn_the_engine_refuses_records_nothing(manager, session):
    lead = LeadFactory(stage=Stage.NEW, manual_review=True)
    item = _item(session, lead, Stratum.MANUAL_REVIEW)

    # Disqualifying needs a reason code the review did not give.
    with pytest.raises(TransitionRefused, match="reason code is required"):
        record_decision(
            item=item,
            actor=manager,
            decision=Decision.OVERTURN,
            note="Not a fit",
            overturn_to=Stage.DISQUALIFIED,
        )

    item.refresh_from_db()
    assert item.decision == Decision.PENDING
    assert Lead.objects.get(pk=lead.pk).stage == Stage.NEW
    assert not StageTransition.objects.filter(lead=lead).exists()


def test_an_overturn_the_engine_allows_with_evidence_moves_the_lead(manager, session):
    lead = LeadFactory(stage=Stage.NEW, manual_review=True)
    item = _item(session, lead, Stratum.MANUAL_REVIEW)

    record_decision(
        item=item,
        actor=manager,
        decision=Decision.OVERTURN,
        note="Student project",
        overturn_to=Stage.DISQUALIFIED,
        evidence=Evidence(reason_code=reason("student")),
    )

    lead.refresh_from_db()
    assert (lead.stage, lead.reason_code.code) == (Stage.DISQUALIFIED, "student")


def test_an_overturn_needs_a_note_and_a_stage(manager, session):
    item = _item(session, _disqualified())

    with pytest.raises(ReviewRefused, match="note"):
        record_decision(item=item, actor=manager, decision=Decision.OVERTURN, overturn_to="mql")
    with pytest.raises(ReviewRefused, match="stage"):
        record_decision(item=item, actor=manager, decision=Decision.OVERTURN, note="why")


def test_an_overturned_decision_cannot_be_changed(manager, session):
    item = _item(session, _disqualified())
    record_decision(
        item=item, actor=manager, decision=Decision.OVERTURN, note="Fit", overturn_to="mql"
    )

    with pytest.raises(ReviewRefused, match="already overturned"):
        record_decision(item=item, actor=manager, decision=Decision.AGREE)


def test_an_sdr_may_not_record_decisions(sdr, session):
    item = _item(session, _disqualified())

    with pytest.raises(PermissionDenied):
        record_decision(item=item, actor=sdr, decision=Decision.AGREE)


# Proposals --------------------------------------------------------------------------------


def test_applying_a_threshold_proposal_changes_the_segment_and_leaves_history(
    manager, revops, session
):
    segment = SegmentFactory(slug="core", name="Core", mql_threshold=70)
    proposal = propose_change(
        session=session,
        actor=manager,
        kind="threshold",
        target=segment,
        field="mql_threshold",
        value="65",
        rationale="Five good leads sat at 65-69",
    )
    assert proposal.current_value == "70"

    proposal = apply_proposal(proposal=proposal, actor=revops)

    segment.refresh_from_db()
    assert segment.mql_threshold == 65
    assert proposal.status == RuleChangeProposal.Status.APPLIED
    latest = segment.history.first()
    assert latest.history_user == revops
    assert latest.mql_threshold == 65
    assert "MQL threshold 70 → 65" in latest.history_change_reason
    assert "Five good leads sat at 65-69" in latest.history_change_reason


def test_applying_a_scoring_weight_proposal_changes_the_points_with_history(sdr, revops, session):
    rule = ScoringRule.objects.filter(kind="activity").first()
    old = rule.points
    proposal = propose_change(
        session=session,
        actor=sdr,
        kind="scoring_weight",
        target=rule,
        field="points",
        value=str(old + 5),
        rationale="Buyers who hit it convert",
    )

    apply_proposal(proposal=proposal, actor=revops)

    rule.refresh_from_db()
    assert rule.points == old + 5
    assert rule.history.first().history_user == revops


def test_a_proposal_that_breaks_a_rule_constraint_is_refused_and_changes_nothing(
    manager, revops, session
):
    segment = SegmentFactory(slug="core", name="Core", mql_threshold=70, nurture_floor=40)
    proposal = propose_change(
        session=session,
        actor=manager,
        kind="threshold",
        target=segment,
        field="mql_threshold",
        value="30",
        rationale="Lower it",
    )

    with pytest.raises(ReviewRefused):
        apply_proposal(proposal=proposal, actor=revops)

    assert Segment.objects.get(pk=segment.pk).mql_threshold == 70
    assert RuleChangeProposal.objects.get(pk=proposal.pk).status == "proposed"


def test_a_proposal_needs_a_rationale_and_a_readable_value(manager, session):
    segment = SegmentFactory(slug="core", name="Core")
    with pytest.raises(ReviewRefused, match="rationale"):
        propose_change(
            session=session,
            actor=manager,
            kind="threshold",
            target=segment,
            field="mql_threshold",
            value="65",
            rationale=" ",
        )
    with pytest.raises(ReviewRefused, match="whole number"):
        propose_change(
            session=session,
            actor=manager,
            kind="threshold",
            target=segment,
            field="mql_threshold",
            value="sixty",
            rationale="Lower it",
        )


def test_only_revops_applies_and_declining_needs_a_reason(manager, revops, session):
    segment = SegmentFactory(slug="core", name="Core")
    proposal = propose_change(
        session=session,
        actor=manager,
        kind="threshold",
        target=segment,
        field="mql_threshold",
        value="65",
        rationale="Lower it",
    )

    with pytest.raises(PermissionDenied):
        apply_proposal(proposal=proposal, actor=manager)
    with pytest.raises(ReviewRefused, match="why"):
        decline_proposal(proposal=proposal, actor=revops)
    proposal = decline_proposal(proposal=proposal, actor=revops, note="Wait a month")

    assert proposal.status == RuleChangeProposal.Status.DECLINED
    assert Segment.objects.get(pk=segment.pk).mql_threshold == 70


# Closing ----------------------------------------------------------------------------------


def test_closing_keeps_a_summary_of_decisions_and_proposals(manager, revops, session):
    agreed, overturned, pending = (_item(session, _disqualified()) for _ in range(3))
    record_decision(item=agreed, actor=manager, decision=Decision.AGREE)
    record_decision(
        item=overturned, actor=manager, decision=Decision.OVERTURN, note="Fit", overturn_to="mql"
    )
    segment = SegmentFactory(slug="core", name="Core")
    applied = propose_change(
        session=session,
        actor=manager,
        kind="threshold",
        target=segment,
        field="mql_threshold",
        value="65",
        rationale="Lower it",
    )
    apply_proposal(proposal=applied, actor=revops)
    propose_change(
        session=session,
        actor=manager,
        kind="reason_code",
        target=reason("student"),
        field="active",
        value="no",
        rationale="Never used",
    )

    session = close_session(
        session=session, actor=manager, confirmed=Unfinished(leads=1, proposals=1)
    )

    assert session.status == ReviewSession.Status.CLOSED
    summary = session.summary
    assert summary["leads"] == 3
    assert summary["decisions"] == {"pending": 1, "agree": 1, "overturn": 1, "adjust": 0}
    assert summary["by_stratum"]["sdr_rejected"]["agree"] == 1
    assert summary["proposals"] == {"proposed": 1, "applied": 1, "declined": 0}
    assert summary["changes"][0] == {
        "status": "applied",
        "kind": "threshold",
        "field": "mql_threshold",
        "from": "70",
        "to": "65",
    }


def test_a_closed_session_refuses_decisions_and_new_proposals(manager, revops, session):
    item = _item(session, _disqualified())
    segment = SegmentFactory(slug="core", name="Core")
    close_session(session=session, actor=manager, confirmed=Unfinished(leads=1))

    with pytest.raises(ReviewRefused, match="closed"):
        record_decision(item=item, actor=manager, decision=Decision.AGREE)
    with pytest.raises(ReviewRefused, match="closed"):
        record_decision(
            item=item, actor=manager, decision=Decision.OVERTURN, note="x", overturn_to="mql"
        )
    with pytest.raises(ReviewRefused, match="closed"):
        propose_change(
            session=session,
            actor=manager,
            kind="threshold",
            target=segment,
            field="nurture_floor",
            value="35",
            rationale="x",
        )
    with pytest.raises(ReviewRefused, match="closed"):
        close_session(session=session, actor=manager)

    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.PENDING
    assert Lead.objects.get(pk=item.lead_id).stage == Stage.DISQUALIFIED
    assert not RuleChangeProposal.objects.exists()


def test_a_nurture_lead_cannot_be_overturned_and_the_refusal_says_why(manager, session):
    lead = LeadFactory(stage=Stage.NURTURE, recycle_on=dt.date(2027, 3, 1))
    item = _item(session, lead)

    with pytest.raises(ReviewRefused, match="cannot be overturned") as refused:
        record_decision(
            item=item, actor=manager, decision=Decision.OVERTURN, note="x", overturn_to="mql"
        )

    assert refused.value.field == "decision"
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.PENDING


def test_a_proposal_that_changes_nothing_is_refused(manager, session):
    segment = SegmentFactory(slug="core", name="Core", nurture_floor=40)

    with pytest.raises(ReviewRefused, match="Core already has nurture floor 40") as refused:
        propose_change(
            session=session, actor=manager, kind="threshold", target=segment,
            field="nurture_floor", value=" 40", rationale="x",
        )  # fmt: skip

    assert refused.value.field == "value"


def _threshold_proposal(session, manager, value="65"):
    return propose_change(
        session=session,
        actor=manager,
        kind="threshold",
        target=SegmentFactory(slug=f"core-{value}", name=f"Core {value}", mql_threshold=70),
        field="mql_threshold",
        value=value,
        rationale="Lower it",
    )


def test_closing_with_undecided_leads_or_pending_proposals_asks_first(manager, session):
    _item(session, _disqualified())
    _item(session, _disqualified())
    _threshold_proposal(session, manager)

    with pytest.raises(CloseNeedsConfirmation) as asked:
        close_session(session=session, actor=manager)

    assert asked.value.unfinished == Unfinished(leads=2, proposals=1)
    assert "2 leads are still undecided and 1 proposal awaits RevOps" in str(asked.value)
    assert ReviewSession.objects.get(pk=session.pk).is_open


def test_a_confirmation_holds_only_for_the_numbers_confirmed(manager, session):
    _item(session, _disqualified())
    _threshold_proposal(session, manager)

    # Confirmed when one lead was undecided and nothing pending; a proposal came in since.
    with pytest.raises(CloseNeedsConfirmation):
        close_session(session=session, actor=manager, confirmed=Unfinished(leads=1))
    closed = close_session(
        session=session, actor=manager, confirmed=Unfinished(leads=1, proposals=1)
    )

    assert closed.status == ReviewSession.Status.CLOSED


def test_a_session_with_everything_decided_closes_without_asking(manager, session):
    item = _item(session, _disqualified())
    record_decision(item=item, actor=manager, decision=Decision.AGREE)

    assert close_session(session=session, actor=manager).status == ReviewSession.Status.CLOSED


def test_revops_applies_a_proposal_left_pending_at_close_and_the_summary_says_so(
    manager, revops, session
):
    proposal = _threshold_proposal(session, manager)
    close_session(session=session, actor=manager, confirmed=Unfinished(proposals=1))

    apply_proposal(proposal=proposal, actor=revops)

    assert Segment.objects.get(pk=proposal.segment_id).mql_threshold == 65
    summary = ReviewSession.objects.get(pk=session.pk).summary
    assert summary["proposals"] == {"proposed": 0, "applied": 1, "declined": 0}
    assert summary["changes"][0]["status"] == "applied"
    (late,) = summary["after_close"]
    assert (late["id"], late["status"], late["by"]) == (proposal.pk, "applied", "revops")


def test_revops_declines_a_proposal_left_pending_at_close(manager, revops, session):
    kept, declined = (
        _threshold_proposal(session, manager),
        _threshold_proposal(session, manager, "60"),
    )
    close_session(session=session, actor=manager, confirmed=Unfinished(proposals=2))

    decline_proposal(proposal=declined, actor=revops, note="Capacity is short")

    summary = ReviewSession.objects.get(pk=session.pk).summary
    assert summary["proposals"] == {"proposed": 1, "applied": 0, "declined": 1}
    assert [late["status"] for late in summary["after_close"]] == ["declined"]
    with pytest.raises(ReviewRefused, match="already declined"):
        apply_proposal(proposal=declined, actor=revops)
    assert RuleChangeProposal.objects.get(pk=kept.pk).status == "proposed"


def test_a_borderline_lead_overturned_to_mql_leaves_the_manual_review_band(manager, session):
    lead = LeadFactory(stage=Stage.NEW, manual_review=True, intent_score=55)
    item = _item(session, lead, Stratum.MANUAL_REVIEW)

    record_decision(
        item=item,
        actor=manager,
        decision=Decision.OVERTURN,
        note="Pricing visits ×3",
        overturn_to=Stage.MQL,
    )

    assert Lead.objects.get(pk=lead.pk).manual_review is False
    start, end = month_bounds(MONTH)
    assert candidates(Stratum.MANUAL_REVIEW, start=start, end=end) == []
