import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import IcpTier
from qualification.jobs.tasks import score_and_route
from qualification.models import Lead, Stage, StageTransition
from qualification.scoring.stage_rules import (
    apply_stage_rule,
    flag_stale_leads,
    leads_for_stage_rules,
    recycle_due_leads,
)
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    LeadFactory,
    SegmentFactory,
    in_days,
    reason,
)

pytestmark = pytest.mark.django_db


class TestStageRules:
    def test_a_fit_lead_at_the_threshold_becomes_an_mql_through_the_engine(self, segment, sdr):
        lead = LeadFactory(segment=segment, intent_score=70, fit_tier=IcpTier.B)

        assert apply_stage_rule(lead=lead) == "mql"

        lead.refresh_from_db()
        assert lead.stage == Stage.MQL and lead.owner == sdr
        transition = StageTransition.objects.get(lead=lead)
        assert (transition.name, transition.rule, transition.actor) == (
            "mark-mql",
            "intent-score",
            None,
        )

    def test_a_lead_under_the_floor_goes_to_nurture_with_a_recycle_date(self, segment):
        lead = LeadFactory(segment=segment, intent_score=39)

        assert apply_stage_rule(lead=lead) == "nurture"

        lead.refresh_from_db()
        assert lead.stage == Stage.NURTURE
        assert lead.recycle_on == in_days(segment.nurture_recycle_days)
        assert lead.reason_code.code == "low_intent"
        assert lead.transitions.get().rule == "nurture-floor"

    def test_the_rules_given_now_act_as_of_then(self, segment, sdr):
        then = timezone.now() - dt.timedelta(days=20)
        parked = LeadFactory(segment=segment, intent_score=39)
        marked = LeadFactory(segment=segment, intent_score=70, fit_tier=IcpTier.B)

        apply_stage_rule(lead=parked, now=then)
        apply_stage_rule(lead=marked, now=then)

        assert parked.recycle_on == timezone.localdate(then) + dt.timedelta(
            days=segment.nurture_recycle_days
        )
        assert parked.transitions.get().occurred_at == then
        assert marked.transitions.get().occurred_at == then
        routed = marked.history.order_by("-history_id").first()
        assert (routed.owner_id, routed.history_date) == (sdr.pk, then)

    def test_a_lead_in_the_band_is_flagged_for_manual_review_and_stays_new(self, segment):
        lead = LeadFactory(segment=segment, intent_score=55)

        assert apply_stage_rule(lead=lead) == "manual_review"

        lead.refresh_from_db()
        assert lead.stage == Stage.NEW and lead.manual_review
        assert not lead.transitions.exists()

    def test_high_intent_with_poor_fit_waits_for_a_person(self, segment):
        lead = LeadFactory(segment=segment, intent_score=90, fit_tier=IcpTier.C)
        assert apply_stage_rule(lead=lead) == "manual_review"
        assert Lead.objects.get(pk=lead.pk).stage == Stage.NEW

    def test_a_lead_the_engine_refuses_is_flagged_not_forced(self, segment):
        lead = LeadFactory(segment=segment, intent_score=95, account=None)
        assert apply_stage_rule(lead=lead) == "manual_review"
        assert Lead.objects.get(pk=lead.pk).stage == Stage.NEW

    def test_the_segments_own_thresholds_decide(self, sdr):
        strict = SegmentFactory(slug="strict", mql_threshold=90, nurture_floor=60)
        lead = LeadFactory(segment=strict, intent_score=75)
        assert apply_stage_rule(lead=lead) == "manual_review"

    def test_an_intent_spike_brings_a_nurtured_lead_back(self, segment):
        lead = LeadFactory(
            segment=segment,
            stage=Stage.NURTURE,
            recycle_on=in_days(60),
            reason_code=reason("timing"),
            intent_band="high",
        )
        assert apply_stage_rule(lead=lead) == "mql"
        assert lead.transitions.get().rule == "intent-spike"

    def test_only_new_and_spiking_nurture_leads_are_considered(self, segment):
        new = LeadFactory(segment=segment)
        quiet = LeadFactory(
            segment=segment, stage=Stage.NURTURE, recycle_on=in_days(9), intent_band="low"
        )
        LeadFactory(segment=segment, stage=Stage.MQL)
        assert list(leads_for_stage_rules()) == [new]
        assert quiet not in leads_for_stage_rules()


class TestScoreAndRoute:
    def test_activity_scores_then_the_rules_route_the_lead(self, segment, sdr):
        account = AccountFactory(icp_tier=IcpTier.A)
        lead = LeadFactory(
            segment=segment, account=account, contact__account=account, intent_score=0
        )
        for kind in ("pricing_page", "demo_request", "security_page"):
            ActivityFactory(lead=lead, kind=kind)

        outcomes = score_and_route.delay([lead.pk]).get()

        lead.refresh_from_db()
        assert outcomes == {"mql": 1}
        assert lead.intent_score == 80 and lead.stage == Stage.MQL and lead.owner == sdr
        assert "Tier A ICP" in lead.score_explanation

    def test_a_lead_never_scored_is_scored_before_the_rules_act(self, segment, sdr):
        account = AccountFactory(icp_tier=IcpTier.A)
        lead = LeadFactory(
            segment=segment,
            account=account,
            contact__account=account,
            intent_score=0,
            intent_band="low",
            scored_at=None,
        )
        for kind in ("pricing_page", "demo_request", "security_page"):
            ActivityFactory(lead=lead, kind=kind)

        assert apply_stage_rule(lead=lead) == "mql"

        transition = StageTransition.objects.get(lead=lead)
        assert transition.evidence["intent_score"] == 80
        assert Lead.objects.get(pk=lead.pk).scored_at is not None


class TestJobs:
    def test_the_recycle_job_returns_due_leads_once(self, segment):
        due = LeadFactory(
            segment=segment,
            stage=Stage.NURTURE,
            recycle_on=in_days(0),
            reason_code=reason("timing"),
        )
        LeadFactory(
            segment=segment,
            stage=Stage.NURTURE,
            recycle_on=in_days(3),
            reason_code=reason("timing"),
        )

        assert recycle_due_leads() == 1
        assert recycle_due_leads() == 0
        due.refresh_from_db()
        assert due.stage == Stage.MQL
        assert due.transitions.get().rule == "recycle"

    def test_the_recycle_job_given_now_recycles_as_of_then(self, segment):
        then = timezone.now() + dt.timedelta(days=3)
        due = LeadFactory(
            segment=segment,
            stage=Stage.NURTURE,
            recycle_on=in_days(3),
            reason_code=reason("timing"),
        )

        assert recycle_due_leads(now=then) == 1
        assert due.transitions.get().occurred_at == then

    def test_stale_open_leads_are_flagged_and_unflagged(self, segment):
        old = timezone.now() - dt.timedelta(days=30)
        quiet = LeadFactory(segment=segment, stage=Stage.MQL, stage_entered_at=old)
        busy = LeadFactory(
            segment=segment, stage=Stage.MQL, stage_entered_at=old, last_activity_at=timezone.now()
        )
        fresh = LeadFactory(segment=segment, stage=Stage.MQL)

        assert flag_stale_leads() == (1, 0)
        assert flag_stale_leads() == (0, 0)
        Lead.objects.filter(pk=quiet.pk).update(last_activity_at=timezone.now())
        assert flag_stale_leads() == (0, 1)
        for lead in (quiet, busy, fresh):
            lead.refresh_from_db()
            assert lead.stale_since is None
