"""Every row of the transition table: it succeeds with its evidence, is refused with the right
message (changing nothing) when a requirement is missing, and is refused for the wrong role."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from accounts.models import BuyingGroupRole, IcpTier
from qualification.lifecycle.business_hours import segment_sla_due
from qualification.lifecycle.engine import transition_lead
from qualification.lifecycle.evidence import Automation, Evidence
from qualification.lifecycle.table import TRANSITIONS, transition_label
from qualification.models import Lead, ReasonCode, Segment, Stage, StageTransition
from tests.asserts import assert_refused_with, refuse
from tests.factories import (
    AccountFactory,
    BuyingGroupRoleFactory,
    ContactFactory,
    LeadFactory,
    SegmentFactory,
    UserFactory,
    confirm_framework,
    in_days,
    reason,
    tomorrow,
)

pytestmark = pytest.mark.django_db

SCORING_RULE = Automation("intent-score")


def mql(**kwargs):
    return LeadFactory(stage=Stage.MQL, **kwargs)


def sal(owner, **kwargs):
    return LeadFactory(stage=Stage.SAL, owner=owner, **kwargs)


def sql(owner, **kwargs):
    return LeadFactory(stage=Stage.SQL, owner=owner, **kwargs)


def two_contact_buying_group(lead, *, economic_buyer=False):
    BuyingGroupRoleFactory(contact=lead.contact, role=BuyingGroupRole.Role.CHAMPION)
    second = ContactFactory(account=lead.account)
    role = BuyingGroupRole.Role.ECONOMIC_BUYER if economic_buyer else BuyingGroupRole.Role.USER
    BuyingGroupRoleFactory(contact=second, role=role)


def next_week():
    return timezone.now() + dt.timedelta(days=7)


# new → mql ---------------------------------------------------------------------------------


class TestMarkMql:
    def test_the_scoring_rule_makes_a_fit_lead_over_the_threshold_an_mql(self):
        lead = LeadFactory(intent_score=72)

        record = transition_lead(lead=lead, to=Stage.MQL, actor=SCORING_RULE)

        assert lead.stage == Stage.MQL
        assert record.rule == "intent-score" and record.actor is None
        assert record.evidence["intent_score"] == 72
        assert lead.sla_due_at > lead.stage_entered_at

    def test_marketing_may_mark_an_mql_by_hand(self, marketing):
        lead = LeadFactory()

        transition_lead(lead=lead, to=Stage.MQL, actor=marketing)

        assert lead.stage == Stage.MQL

    def test_a_manual_review_decision_admits_a_score_under_the_threshold(self, manager):
        lead = LeadFactory(intent_score=55)

        transition_lead(
            lead=lead,
            to=Stage.MQL,
            actor=manager,
            evidence=Evidence(manual_review_decision="Board: strong persona fit"),
        )

        assert lead.stage == Stage.MQL

    def test_a_written_override_admits_a_tier_c_lead(self, marketing):
        lead = LeadFactory(fit_tier=IcpTier.C)

        transition_lead(
            lead=lead,
            to=Stage.MQL,
            actor=marketing,
            evidence=Evidence(fit_override="Strategic logo for the region"),
        )

        assert lead.stage == Stage.MQL
        assert lead.fit_override == "Strategic logo for the region"

    def test_it_refuses_a_lead_without_an_account(self):
        lead = LeadFactory(account=None)
        assert_refused_with(
            lead,
            Stage.MQL,
            SCORING_RULE,
            None,
            "account",
            "the lead needs an account with a domain",
        )

    def test_it_refuses_an_account_without_a_domain(self):
        lead = LeadFactory(account=AccountFactory(domain=""))
        assert_refused_with(
            lead,
            Stage.MQL,
            SCORING_RULE,
            None,
            "account",
            "the lead needs an account with a domain",
        )

    def test_it_refuses_a_lead_without_a_source(self):
        lead = LeadFactory(source="")
        assert_refused_with(
            lead, Stage.MQL, SCORING_RULE, None, "source", "the lead needs a source"
        )

    @pytest.mark.parametrize("tier", [IcpTier.C, IcpTier.OUT, ""])
    def test_it_refuses_a_fit_tier_other_than_a_or_b_without_an_override(self, tier):
        lead = LeadFactory(fit_tier=tier)
        refused = refuse(lead, Stage.MQL, SCORING_RULE)
        assert refused.errors["fit_override"][0].startswith("fit tier must be A or B")

    def test_it_refuses_a_score_under_the_threshold_without_a_review(self):
        lead = LeadFactory(intent_score=69)
        assert_refused_with(
            lead,
            Stage.MQL,
            SCORING_RULE,
            None,
            "manual_review_decision",
            "intent score 69 is under the MQL threshold of 70; "
            "a manual-review decision is required",
        )

    def test_it_reports_every_missing_requirement_at_once(self):
        lead = LeadFactory(source="", fit_tier=IcpTier.C, intent_score=10)
        refused = refuse(lead, Stage.MQL, SCORING_RULE)
        assert set(refused.errors) == {"source", "fit_override", "manual_review_decision"}

    @pytest.mark.parametrize("role", ["sdr", "ae"])
    def test_it_refuses_roles_that_may_not_mark_mqls(self, role, request):
        lead = LeadFactory()
        assert_refused_with(
            lead,
            Stage.MQL,
            request.getfixturevalue(role),
            None,
            "__all__",
            "you may not move a lead from New to MQL",
        )


# mql → sal ---------------------------------------------------------------------------------


def accept_evidence(user, **overrides):
    values = dict(
        owner=user, icp_confirmed=True, next_action="Discovery call", next_action_due=tomorrow()
    )
    values.update(overrides)
    return Evidence(**values)


class TestAccept:
    def test_an_sdr_accepts_an_mql_with_owner_icp_and_next_action(self, sdr):
        lead = mql(sla_due_at=timezone.now())

        record = transition_lead(lead=lead, to=Stage.SAL, actor=sdr, evidence=accept_evidence(sdr))

        assert lead.stage == Stage.SAL
        assert lead.owner == sdr
        assert lead.next_action == "Discovery call"
        assert lead.first_touch_at is not None
        assert lead.sla_due_at is None
        assert lead.account.icp_confirmed_by == sdr
        assert record.actor == sdr and record.name == "accept"

    def test_the_routed_owner_counts_when_the_sdr_names_none(self, sdr):
        lead = mql(owner=sdr)
        transition_lead(lead=lead, to=Stage.SAL, actor=sdr, evidence=accept_evidence(None))
        assert lead.owner == sdr

    @pytest.mark.parametrize(
        ("override", "field", "message"),
        [
            ({"owner": None}, "owner", "an owner is required"),
            ({"icp_confirmed": False}, "icp_confirmed", "confirm the account fits the ICP"),
            ({"next_action": "  "}, "next_action", "a next action is required"),
            (
                {"next_action_due": None},
                "next_action_due",
                "a due date for the next action is required",
            ),
            (
                {"next_action_due": in_days(-1)},
                "next_action_due",
                "the next action's due date cannot be in the past",
            ),
        ],
    )
    def test_it_refuses_without_each_requirement(self, sdr, override, field, message):
        lead = mql()
        assert_refused_with(lead, Stage.SAL, sdr, accept_evidence(sdr, **override), field, message)

    @pytest.mark.parametrize("role", ["ae", "marketing", "manager", "revops"])
    def test_it_refuses_roles_other_than_sdr(self, role, request):
        actor = request.getfixturevalue(role)
        lead = mql()
        assert_refused_with(
            lead,
            Stage.SAL,
            actor,
            accept_evidence(actor),
            "__all__",
            "you may not move a lead from MQL to SAL",
        )

    def test_a_second_accept_of_the_same_lead_names_who_won(self, sdr):

        other = UserFactory(username="sdr2", role="SDR")
        Segment.objects.get(slug="core").sdrs.add(other)
        seen_by_sdr = mql()
        seen_by_other = type(seen_by_sdr).objects.get(pk=seen_by_sdr.pk)
        transition_lead(
            lead=seen_by_other, to=Stage.SAL, actor=other, evidence=accept_evidence(other)
        )

        refused = refuse(seen_by_sdr, Stage.SAL, sdr, accept_evidence(sdr))

        assert refused.messages == [
            f"this lead was already moved to SAL by {other.get_full_name()}"
        ]
        assert StageTransition.objects.filter(lead=seen_by_sdr, to_stage=Stage.SAL).count() == 1

    def test_an_inactive_user_may_not_act(self, sdr):
        sdr.is_active = False
        sdr.save()
        lead = mql()
        assert_refused_with(
            lead,
            Stage.SAL,
            sdr,
            accept_evidence(sdr),
            "__all__",
            "you may not move a lead from MQL to SAL",
        )


# mql → nurture (reject: timing) -----------------------------------------------------------


def timing_evidence(**overrides):
    values = dict(
        reason_code=reason("timing"), recycle_on=in_days(90), note="Budget cycle starts in Q3"
    )
    values.update(overrides)
    return Evidence(**values)


class TestRejectToNurture:
    def test_an_sdr_rejects_for_timing_with_a_future_recycle_date(self, sdr):
        lead = mql()

        record = transition_lead(lead=lead, to=Stage.NURTURE, actor=sdr, evidence=timing_evidence())

        assert lead.stage == Stage.NURTURE
        assert lead.recycle_on == in_days(90)
        assert lead.reason_code.code == "timing"
        assert record.name == "reject-to-nurture" and record.note == "Budget cycle starts in Q3"
        assert lead.first_touch_at is not None

    @pytest.mark.parametrize(
        ("override", "field", "message"),
        [
            ({"reason_code": None}, "reason_code", "reason code is required"),
            ({"recycle_on": None}, "recycle_on", "recycle date is required"),
            ({"recycle_on": in_days(0)}, "recycle_on", "recycle date must be in the future"),
            ({"recycle_on": in_days(-3)}, "recycle_on", "recycle date must be in the future"),
            ({"note": ""}, "note", "a note is required"),
        ],
    )
    def test_it_refuses_without_each_requirement(self, sdr, override, field, message):
        assert_refused_with(mql(), Stage.NURTURE, sdr, timing_evidence(**override), field, message)

    def test_it_refuses_a_reason_other_than_timing(self, sdr):
        assert_refused_with(
            mql(),
            Stage.NURTURE,
            sdr,
            timing_evidence(reason_code=reason("no_budget")),
            "reason_code",
            "“No budget” does not send a lead to nurture; use a timing reason",
        )

    def test_it_refuses_an_ae_who_does_not_own_the_lead(self, ae):
        assert_refused_with(
            mql(),
            Stage.NURTURE,
            ae,
            timing_evidence(),
            "__all__",
            "you may not move a lead from MQL to Nurture",
        )


# mql → disqualified (reject) --------------------------------------------------------------


def reject_evidence(**overrides):
    values = dict(reason_code=reason("bad_fit"), note="Two-person agency")
    values.update(overrides)
    return Evidence(**values)


class TestReject:
    def test_an_sdr_rejects_with_a_reason_code_and_a_note(self, sdr):
        lead = mql()

        record = transition_lead(
            lead=lead, to=Stage.DISQUALIFIED, actor=sdr, evidence=reject_evidence()
        )

        assert lead.stage == Stage.DISQUALIFIED
        assert lead.reason_code.code == "bad_fit"
        assert record.reason_code.code == "bad_fit" and record.name == "reject"

    def test_a_duplicate_names_the_surviving_lead(self, sdr):
        survivor = mql()
        lead = mql(contact=survivor.contact)

        transition_lead(
            lead=lead,
            to=Stage.DISQUALIFIED,
            actor=sdr,
            evidence=reject_evidence(reason_code=reason("duplicate"), duplicate_of=survivor),
        )

        assert lead.duplicate_of == survivor

    def test_a_duplicate_may_survive_as_another_persons_lead_at_the_same_account(self, sdr):
        survivor = sal(sdr)
        lead = mql(contact=ContactFactory(account=survivor.account))

        transition_lead(
            lead=lead,
            to=Stage.DISQUALIFIED,
            actor=sdr,
            evidence=reject_evidence(reason_code=reason("duplicate"), duplicate_of=survivor),
        )

        assert lead.duplicate_of == survivor

    def test_a_duplicate_of_an_unrelated_lead_is_refused(self, sdr):
        george = sal(
            sdr,
            contact=ContactFactory(
                first_name="George",
                last_name="Quinn",
                account=AccountFactory(name="Granitepeak Capital"),
            ),
        )
        nadia = mql(
            contact=ContactFactory(
                first_name="Nadia",
                last_name="Quinn",
                account=AccountFactory(name="Tessellate Labs"),
            )
        )
        assert_refused_with(
            nadia,
            Stage.DISQUALIFIED,
            sdr,
            reject_evidence(reason_code=reason("duplicate"), duplicate_of=george),
            "duplicate_of",
            "the surviving lead must be the same person or at the same account: "
            "George Quinn at Granitepeak Capital is neither",
        )

    @pytest.mark.parametrize(
        ("override", "field", "message"),
        [
            ({"reason_code": None}, "reason_code", "reason code is required"),
            ({"note": "   "}, "note", "a note is required"),
        ],
    )
    def test_it_refuses_without_each_requirement(self, sdr, override, field, message):
        assert_refused_with(
            mql(), Stage.DISQUALIFIED, sdr, reject_evidence(**override), field, message
        )

    def test_a_duplicate_without_the_surviving_lead_is_refused(self, sdr):
        assert_refused_with(
            mql(),
            Stage.DISQUALIFIED,
            sdr,
            reject_evidence(reason_code=reason("duplicate")),
            "duplicate_of",
            "“Duplicate” needs the surviving lead",
        )

    def test_a_lead_is_not_a_duplicate_of_itself(self, sdr):
        lead = mql()
        assert_refused_with(
            lead,
            Stage.DISQUALIFIED,
            sdr,
            reject_evidence(reason_code=reason("duplicate"), duplicate_of=lead),
            "duplicate_of",
            "a lead cannot be a duplicate of itself",
        )

    def test_timing_goes_to_nurture_not_to_disqualified(self, sdr):
        refused = refuse(
            mql(), Stage.DISQUALIFIED, sdr, reject_evidence(reason_code=reason("timing"))
        )
        assert any("sends a lead to nurture" in m for m in refused.errors["reason_code"])

    def test_a_code_that_does_not_apply_to_rejection_is_refused(self, sdr):
        lost_only = ReasonCode.objects.create(
            code="price",
            label="Lost on price",
            for_rejection=False,
            for_disqualification=False,
            for_lost=True,
        )
        assert_refused_with(
            mql(),
            Stage.DISQUALIFIED,
            sdr,
            reject_evidence(reason_code=lost_only),
            "reason_code",
            "reason code “Lost on price” does not apply to an SDR rejection",
        )

    def test_an_inactive_code_is_refused(self, sdr):
        code = reason("junk")
        code.active = False
        code.save()
        assert_refused_with(
            mql(),
            Stage.DISQUALIFIED,
            sdr,
            reject_evidence(reason_code=code),
            "reason_code",
            "reason code “Junk / spam” does not apply to an SDR rejection",
        )

    def test_it_refuses_marketing(self, marketing):
        assert_refused_with(
            mql(),
            Stage.DISQUALIFIED,
            marketing,
            reject_evidence(),
            "__all__",
            "you may not move a lead from MQL to Disqualified",
        )


# sal → sql --------------------------------------------------------------------------------


def sql_ready(owner, framework="bant"):
    lead = sal(owner)
    confirm_framework(lead, framework)
    two_contact_buying_group(lead)
    return lead


class TestPromoteSql:
    @pytest.mark.parametrize("framework", ["bant", "meddicc", "champ"])
    def test_each_framework_at_its_minimum_passes_the_gate(self, ae, framework):
        lead = sql_ready(ae, framework)

        record = transition_lead(
            lead=lead, to=Stage.SQL, actor=ae, evidence=Evidence(next_meeting_on=next_week())
        )

        assert lead.stage == Stage.SQL
        assert lead.sla_due_at == lead.stage_entered_at + dt.timedelta(hours=48)
        assert record.evidence["buying_group_contacts"] == 2

    @pytest.mark.parametrize(
        ("framework", "missing", "message"),
        [
            ("bant", "timeline", "BANT: timeline confirmed"),
            ("meddicc", "economic_buyer", "MEDDICC: economic buyer confirmed"),
            ("champ", "prioritisation", "CHAMP: prioritisation confirmed"),
        ],
    )
    def test_a_framework_short_of_its_minimum_is_refused_naming_the_gap(
        self, ae, framework, missing, message
    ):
        lead = sal(ae)
        confirm_framework(lead, framework, skip=(missing,))
        two_contact_buying_group(lead)
        refused = refuse(lead, Stage.SQL, ae, Evidence(next_meeting_on=next_week()))
        assert refused.errors["framework"] == [f"discovery is not at its minimum — {message}"]

    def test_no_discovery_at_all_is_refused(self, ae):
        lead = sal(ae)
        two_contact_buying_group(lead)
        assert_refused_with(
            lead,
            Stage.SQL,
            ae,
            Evidence(next_meeting_on=next_week()),
            "framework",
            "a discovery framework at its minimum is required (start a checklist)",
        )

    def test_a_single_threaded_deal_is_refused_without_an_override(self, ae):
        lead = sal(ae)
        confirm_framework(lead)
        BuyingGroupRoleFactory(contact=lead.contact)
        assert_refused_with(
            lead,
            Stage.SQL,
            ae,
            Evidence(next_meeting_on=next_week()),
            "single_thread_override",
            "at least two buying-group contacts must be mapped, "
            "or give a written single-thread override",
        )

    def test_two_roles_held_by_one_contact_are_still_single_threaded(self, ae):
        lead = sal(ae)
        confirm_framework(lead)
        BuyingGroupRoleFactory(contact=lead.contact, role=BuyingGroupRole.Role.CHAMPION)
        BuyingGroupRoleFactory(contact=lead.contact, role=BuyingGroupRole.Role.DECISION_MAKER)
        assert_refused_with(
            lead,
            Stage.SQL,
            ae,
            Evidence(next_meeting_on=next_week()),
            "single_thread_override",
            "at least two buying-group contacts must be mapped, "
            "or give a written single-thread override",
        )

    def test_a_written_single_thread_override_passes(self, ae):
        lead = sal(ae)
        confirm_framework(lead)
        transition_lead(
            lead=lead,
            to=Stage.SQL,
            actor=ae,
            evidence=Evidence(
                next_meeting_on=next_week(), single_thread_override="Founder-led, 12 staff"
            ),
        )
        assert lead.single_thread_override == "Founder-led, 12 staff"

    def test_a_blank_override_does_not_count(self, ae):
        lead = sal(ae)
        confirm_framework(lead)
        assert_refused_with(
            lead,
            Stage.SQL,
            ae,
            Evidence(next_meeting_on=next_week(), single_thread_override="   "),
            "single_thread_override",
            "at least two buying-group contacts must be mapped, "
            "or give a written single-thread override",
        )

    @pytest.mark.parametrize(
        ("meeting", "message"),
        [
            (None, "a next meeting date is required"),
            ("past", "the next meeting cannot be in the past"),
        ],
    )
    def test_it_needs_a_future_next_meeting(self, ae, meeting, message):
        lead = sql_ready(ae)
        when = timezone.now() - dt.timedelta(hours=2) if meeting == "past" else None
        assert_refused_with(
            lead, Stage.SQL, ae, Evidence(next_meeting_on=when), "next_meeting_on", message
        )

    def test_an_sdr_may_promote_too(self, sdr):
        lead = sql_ready(sdr)
        transition_lead(
            lead=lead, to=Stage.SQL, actor=sdr, evidence=Evidence(next_meeting_on=next_week())
        )
        assert lead.stage == Stage.SQL

    @pytest.mark.parametrize("role", ["marketing", "manager"])
    def test_it_refuses_roles_that_do_not_run_discovery(self, ae, role, request):
        lead = sql_ready(ae)
        assert_refused_with(
            lead,
            Stage.SQL,
            request.getfixturevalue(role),
            Evidence(next_meeting_on=next_week()),
            "__all__",
            "you may not move a lead from SAL to SQL",
        )


# sql → opportunity ------------------------------------------------------------------------


def opportunity_evidence(**overrides):
    values = dict(
        amount_estimate=Decimal("48000"),
        expected_close_date=in_days(60),
        mutual_next_step="Security review on the 14th",
    )
    values.update(overrides)
    return Evidence(**values)


class TestPromoteOpportunity:
    def test_an_ae_opens_an_opportunity_with_amount_date_buyer_and_next_step(self, ae):
        lead = sql(ae)
        two_contact_buying_group(lead, economic_buyer=True)

        transition_lead(lead=lead, to=Stage.OPPORTUNITY, actor=ae, evidence=opportunity_evidence())

        assert lead.stage == Stage.OPPORTUNITY
        assert lead.amount_estimate == Decimal("48000")
        assert lead.sla_due_at is None

    @pytest.mark.parametrize(
        ("override", "field", "message"),
        [
            ({"amount_estimate": None}, "amount_estimate", "an amount estimate is required"),
            (
                {"amount_estimate": Decimal("0")},
                "amount_estimate",
                "the amount estimate must be more than zero",
            ),
            (
                {"expected_close_date": None},
                "expected_close_date",
                "an expected close date is required",
            ),
            (
                {"expected_close_date": in_days(-1)},
                "expected_close_date",
                "the expected close date cannot be in the past",
            ),
            ({"mutual_next_step": ""}, "mutual_next_step", "a mutual next step is required"),
        ],
    )
    def test_it_refuses_without_each_requirement(self, ae, override, field, message):
        lead = sql(ae)
        two_contact_buying_group(lead, economic_buyer=True)
        assert_refused_with(
            lead, Stage.OPPORTUNITY, ae, opportunity_evidence(**override), field, message
        )

    def test_it_refuses_without_an_economic_buyer(self, ae):
        lead = sql(ae)
        two_contact_buying_group(lead, economic_buyer=False)
        assert_refused_with(
            lead,
            Stage.OPPORTUNITY,
            ae,
            opportunity_evidence(),
            "economic_buyer",
            "an economic buyer must be identified in the buying group",
        )

    def test_it_refuses_an_sdr(self, ae, sdr):
        lead = sql(ae)
        two_contact_buying_group(lead, economic_buyer=True)
        assert_refused_with(
            lead,
            Stage.OPPORTUNITY,
            sdr,
            opportunity_evidence(),
            "__all__",
            "you may not move a lead from SQL to Opportunity",
        )


# any open → nurture / disqualified ----------------------------------------------------------


def park_evidence(**overrides):
    values = dict(reason_code=reason("no_need"), recycle_on=in_days(120))
    values.update(overrides)
    return Evidence(**values)


class TestPark:
    @pytest.mark.parametrize("stage", [Stage.SAL, Stage.SQL, Stage.OPPORTUNITY])
    def test_the_owner_parks_an_open_lead_in_nurture(self, ae, stage):
        lead = LeadFactory(stage=stage, owner=ae, sla_due_at=timezone.now())

        record = transition_lead(lead=lead, to=Stage.NURTURE, actor=ae, evidence=park_evidence())

        assert lead.stage == Stage.NURTURE and record.name == "park"
        assert lead.recycle_on == in_days(120) and lead.sla_due_at is None

    def test_a_manager_may_park_a_lead_they_do_not_own(self, ae, manager):
        lead = sal(ae)
        transition_lead(lead=lead, to=Stage.NURTURE, actor=manager, evidence=park_evidence())
        assert lead.stage == Stage.NURTURE

    def test_a_rule_parks_a_new_lead_under_the_floor(self):
        lead = LeadFactory(intent_score=12)
        transition_lead(
            lead=lead, to=Stage.NURTURE, actor=Automation("nurture-floor"), evidence=park_evidence()
        )
        assert lead.stage == Stage.NURTURE

    @pytest.mark.parametrize(
        ("override", "field", "message"),
        [
            ({"recycle_on": None}, "recycle_on", "recycle date is required"),
            ({"recycle_on": in_days(-1)}, "recycle_on", "recycle date must be in the future"),
            ({"reason_code": None}, "reason_code", "reason code is required"),
        ],
    )
    def test_it_refuses_without_each_requirement(self, ae, override, field, message):
        assert_refused_with(sal(ae), Stage.NURTURE, ae, park_evidence(**override), field, message)

    def test_it_refuses_someone_who_neither_owns_the_lead_nor_manages(self, ae, sdr):
        assert_refused_with(
            sal(ae),
            Stage.NURTURE,
            sdr,
            park_evidence(),
            "__all__",
            "you may not move a lead from SAL to Nurture",
        )


def disqualify_evidence(**overrides):
    values = dict(reason_code=reason("no_budget"), note="Frozen budget after layoffs")
    values.update(overrides)
    return Evidence(**values)


class TestDisqualify:
    @pytest.mark.parametrize("stage", [Stage.SAL, Stage.SQL, Stage.OPPORTUNITY])
    def test_the_owner_disqualifies_an_open_lead(self, ae, stage):
        lead = LeadFactory(stage=stage, owner=ae)

        record = transition_lead(
            lead=lead, to=Stage.DISQUALIFIED, actor=ae, evidence=disqualify_evidence()
        )

        assert lead.stage == Stage.DISQUALIFIED and record.name == "disqualify"
        assert lead.reason_code.code == "no_budget"

    def test_a_manager_disqualifies_a_new_lead(self, manager):
        lead = LeadFactory()
        transition_lead(
            lead=lead, to=Stage.DISQUALIFIED, actor=manager, evidence=disqualify_evidence()
        )
        assert lead.stage == Stage.DISQUALIFIED

    @pytest.mark.parametrize(
        ("override", "field", "message"),
        [
            ({"reason_code": None}, "reason_code", "reason code is required"),
            ({"note": ""}, "note", "a note is required"),
        ],
    )
    def test_it_refuses_without_each_requirement(self, ae, override, field, message):
        assert_refused_with(
            sal(ae), Stage.DISQUALIFIED, ae, disqualify_evidence(**override), field, message
        )

    def test_a_duplicate_must_be_of_the_same_person_or_account(self, ae):
        unrelated, same_account = sal(ae), sal(ae)
        lead = sql(ae, contact=ContactFactory(account=same_account.account))
        duplicate = disqualify_evidence(reason_code=reason("duplicate"))

        duplicate.duplicate_of = unrelated
        refused = refuse(lead, Stage.DISQUALIFIED, ae, duplicate)
        duplicate.duplicate_of = same_account
        transition_lead(lead=lead, to=Stage.DISQUALIFIED, actor=ae, evidence=duplicate)

        assert list(refused.errors) == ["duplicate_of"]
        assert lead.duplicate_of == same_account

    def test_it_refuses_another_ae(self, ae):

        other = UserFactory(username="ae2", role="AE")
        assert_refused_with(
            sal(ae),
            Stage.DISQUALIFIED,
            other,
            disqualify_evidence(),
            "__all__",
            "you may not move a lead from SAL to Disqualified",
        )


# Who may move an MQL: the queue's scope, on every path ----------------------------------------

# Every way out of MQL a person may take, with evidence that would otherwise pass. The SDR owns
# the lead, as routing or a claim makes them, so park and disqualify (the owner's) apply too.
MQL_EXITS = {
    "accept": lambda sdr: (Stage.SAL, accept_evidence(sdr)),
    "reject-to-nurture": lambda sdr: (Stage.NURTURE, timing_evidence()),
    "reject": lambda sdr: (Stage.DISQUALIFIED, reject_evidence()),
}


class TestSdrScope:
    """An SDR accepts or rejects only the MQLs of their part of the queue (QUEUE_SDR_SCOPE),
    whatever page or service asks the engine: the queue, the lead page, a review, the shell."""

    @pytest.fixture
    def enterprise(self):
        return SegmentFactory(slug="enterprise", name="Enterprise", territories=["DACH"])

    @pytest.mark.parametrize("name", sorted(MQL_EXITS))
    def test_an_sdr_may_not_move_an_mql_outside_their_segments(self, sdr, enterprise, name):
        lead = mql(segment=enterprise, owner=sdr)
        to, evidence = MQL_EXITS[name](sdr)

        refused = refuse(lead, to, sdr, evidence)

        assert refused.messages == [
            "this MQL is in Enterprise, outside your segments: "
            "an SDR of that segment accepts or rejects it"
        ]

    @pytest.mark.parametrize("name", sorted(MQL_EXITS))
    def test_an_sdr_moves_the_mqls_of_their_segments(self, sdr, enterprise, name):
        enterprise.sdrs.add(sdr)
        lead = mql(segment=enterprise)
        to, evidence = MQL_EXITS[name](sdr)

        transition_lead(lead=lead, to=to, actor=sdr, evidence=evidence)

        assert lead.stage == to

    def test_the_owner_may_not_park_or_disqualify_an_mql_outside_their_segments(
        self, sdr, enterprise
    ):
        lead = mql(segment=enterprise, owner=sdr)
        outside = (
            "this MQL is in Enterprise, outside your segments: "
            "an SDR of that segment accepts or rejects it"
        )
        assert_refused_with(lead, Stage.NURTURE, sdr, park_evidence(), "__all__", outside)
        assert_refused_with(
            lead, Stage.DISQUALIFIED, sdr, disqualify_evidence(), "__all__", outside
        )

    def test_with_territory_scope_the_accounts_territory_decides(self, settings, sdr, enterprise):
        settings.QUEUE_SDR_SCOPE = "territory"
        SegmentFactory(slug="core", name="Core").sdrs.add(sdr)
        Segment.objects.filter(slug="core").update(territories=["DACH"])
        theirs = mql(segment=enterprise, account=AccountFactory(territory="DACH"))
        not_theirs = mql(account=AccountFactory(territory="Nordics"))

        transition_lead(lead=theirs, to=Stage.SAL, actor=sdr, evidence=accept_evidence(sdr))
        refused = refuse(not_theirs, Stage.SAL, sdr, accept_evidence(sdr))

        assert theirs.stage == Stage.SAL
        assert refused.messages == [
            "this MQL's account is in Nordics, outside your segments’ territories: "
            "an SDR covering that territory accepts or rejects it"
        ]

    def test_with_any_scope_an_sdr_moves_every_mql(self, settings, sdr, enterprise):
        settings.QUEUE_SDR_SCOPE = "any"
        lead = mql(segment=enterprise)
        transition_lead(lead=lead, to=Stage.SAL, actor=sdr, evidence=accept_evidence(sdr))
        assert lead.stage == Stage.SAL

    def test_managers_and_rules_are_not_limited(self, manager, enterprise):
        lead = mql(segment=enterprise)
        transition_lead(
            lead=lead, to=Stage.DISQUALIFIED, actor=manager, evidence=disqualify_evidence()
        )
        assert lead.stage == Stage.DISQUALIFIED

    def test_the_scope_limits_only_moves_out_of_mql(self, sdr, enterprise):
        lead = sal(sdr, segment=enterprise)
        transition_lead(lead=lead, to=Stage.NURTURE, actor=sdr, evidence=park_evidence())
        assert lead.stage == Stage.NURTURE


# nurture → mql, disqualified → mql ---------------------------------------------------------


class TestRecycle:
    def test_the_recycle_job_returns_a_lead_whose_date_has_come(self):
        lead = LeadFactory(
            stage=Stage.NURTURE,
            recycle_on=in_days(0),
            reason_code=reason("timing"),
            intent_band="low",
        )

        record = transition_lead(lead=lead, to=Stage.MQL, actor=Automation("recycle"))

        assert lead.stage == Stage.MQL and record.name == "recycle"
        assert lead.recycle_on is None and lead.reason_code is None
        assert lead.sla_due_at is not None

    def test_an_intent_spike_returns_a_lead_early(self):
        lead = LeadFactory(stage=Stage.NURTURE, recycle_on=in_days(30), intent_band="high")
        transition_lead(lead=lead, to=Stage.MQL, actor=Automation("intent-spike"))
        assert lead.stage == Stage.MQL

    def test_it_refuses_before_the_date_without_high_intent(self):
        lead = LeadFactory(stage=Stage.NURTURE, recycle_on=in_days(30), intent_band="medium")
        assert_refused_with(
            lead,
            Stage.MQL,
            Automation("recycle"),
            None,
            "recycle_on",
            "the recycle date has not come and intent is not high",
        )

    @pytest.mark.parametrize("role", ["manager", "sdr", "marketing"])
    def test_people_do_not_recycle_by_hand(self, role, request):
        lead = LeadFactory(stage=Stage.NURTURE, recycle_on=in_days(0))
        assert_refused_with(
            lead,
            Stage.MQL,
            request.getfixturevalue(role),
            None,
            "__all__",
            "you may not move a lead from Nurture to MQL",
        )


class TestReopen:
    def test_a_manager_reopens_a_disqualified_lead_with_a_note(self, manager):
        lead = LeadFactory(stage=Stage.DISQUALIFIED, reason_code=reason("bad_fit"))

        record = transition_lead(
            lead=lead,
            to=Stage.MQL,
            actor=manager,
            evidence=Evidence(note="Board overturned: they raised a round"),
        )

        assert lead.stage == Stage.MQL and record.name == "reopen"
        assert lead.reason_code is None

    def test_it_refuses_without_a_note(self, manager):
        lead = LeadFactory(stage=Stage.DISQUALIFIED, reason_code=reason("bad_fit"))
        assert_refused_with(
            lead, Stage.MQL, manager, Evidence(note=""), "note", "a note is required"
        )

    @pytest.mark.parametrize("role", ["sdr", "ae", "revops"])
    def test_only_a_manager_reopens(self, role, request):
        lead = LeadFactory(stage=Stage.DISQUALIFIED, reason_code=reason("bad_fit"))
        assert_refused_with(
            lead,
            Stage.MQL,
            request.getfixturevalue(role),
            Evidence(note="please"),
            "__all__",
            "you may not move a lead from Disqualified to MQL",
        )


# The table as a whole ------------------------------------------------------------------------


def test_a_move_the_table_does_not_have_is_refused(manager):
    lead = LeadFactory()
    assert_refused_with(
        lead, Stage.SAL, manager, None, "__all__", "a lead cannot move from New to SAL"
    )


def test_disqualified_and_nurture_are_not_open_sources():
    for row in TRANSITIONS:
        if row.name in {"park", "disqualify"}:
            assert Stage.NURTURE not in row.sources and Stage.DISQUALIFIED not in row.sources


SUCCESSFUL_MOVES = {
    "mark-mql": lambda users: (
        LeadFactory(),
        Stage.MQL,
        users["marketing"],
        Evidence(note="Event list, hand-picked"),
    ),
    "accept": lambda users: (mql(), Stage.SAL, users["sdr"], accept_evidence(users["sdr"])),
    "reject-to-nurture": lambda users: (mql(), Stage.NURTURE, users["sdr"], timing_evidence()),
    "reject": lambda users: (mql(), Stage.DISQUALIFIED, users["sdr"], reject_evidence()),
    "promote-sql": lambda users: (
        sql_ready(users["ae"]),
        Stage.SQL,
        users["ae"],
        Evidence(next_meeting_on=next_week(), note="Good call"),
    ),
    "promote-opportunity": lambda users: (
        _with_buyer(sql(users["ae"])),
        Stage.OPPORTUNITY,
        users["ae"],
        opportunity_evidence(),
    ),
    "park": lambda users: (sal(users["ae"]), Stage.NURTURE, users["ae"], park_evidence()),
    "disqualify": lambda users: (
        sal(users["ae"]),
        Stage.DISQUALIFIED,
        users["ae"],
        disqualify_evidence(),
    ),
    "merge-duplicate": lambda users: _merge_move(users["revops"]),
    "reopen": lambda users: (
        LeadFactory(stage=Stage.DISQUALIFIED, reason_code=reason("junk")),
        Stage.MQL,
        users["manager"],
        Evidence(note="Real company after all"),
    ),
}


def _with_buyer(lead):
    two_contact_buying_group(lead, economic_buyer=True)
    return lead


def _merge_move(revops):
    """RevOps may fold an MQL into its survivor, but only as a merge (merge-only row)."""
    survivor = mql()
    lead = mql(contact=survivor.contact)
    evidence = reject_evidence(reason_code=reason("duplicate"), duplicate_of=survivor)
    return lead, Stage.DISQUALIFIED, revops, evidence


@pytest.mark.parametrize("name", sorted(SUCCESSFUL_MOVES))
def test_each_transition_leaves_a_history_row_with_the_actor_and_reason(
    name, sdr, ae, manager, marketing, revops
):
    users = {"sdr": sdr, "ae": ae, "manager": manager, "marketing": marketing, "revops": revops}
    lead, to, actor, evidence = SUCCESSFUL_MOVES[name](users)
    from_label = lead.get_stage_display()

    record = transition_lead(
        lead=lead, to=to, actor=actor, evidence=evidence, merging=name == "merge-duplicate"
    )

    latest = lead.history.first()
    assert record.name == name
    assert latest.stage == to
    assert latest.history_user == actor
    label = transition_label(name)
    assert latest.history_change_reason.startswith(
        f"{label}: {from_label} → {lead.get_stage_display()}"
    )
    if evidence.note:
        assert evidence.note in latest.history_change_reason


def test_a_rule_transition_leaves_history_naming_the_rule():
    lead = LeadFactory(stage=Stage.NURTURE, recycle_on=in_days(0))

    transition_lead(lead=lead, to=Stage.MQL, actor=Automation("recycle"))

    latest = lead.history.first()
    assert latest.history_user is None
    assert latest.history_change_reason == "Recycle: Nurture → MQL"
    assert lead.transitions.get().acted_by == "rule: recycle"


def test_every_row_of_the_table_is_covered_by_a_success_test():
    assert set(SUCCESSFUL_MOVES) | {"recycle"} == {row.name for row in TRANSITIONS}


def test_a_code_revops_marks_as_needing_a_recycle_date_can_reject_to_nurture(sdr):
    code = ReasonCode.objects.create(
        code="budget_cycle", label="Next budget cycle", requires_recycle_date=True
    )
    lead = mql()

    transition_lead(
        lead=lead, to=Stage.NURTURE, actor=sdr, evidence=timing_evidence(reason_code=code)
    )

    assert lead.stage == Stage.NURTURE and lead.reason_code == code


def test_each_transition_records_when_the_stay_it_ends_began(sdr):
    """Time in stage is read off the audit row: the first stay began when the lead arrived,
    each later one at the previous transition."""
    lead = LeadFactory(intent_score=72)
    arrived = lead.stage_entered_at

    with time_machine.travel(timezone.now() + dt.timedelta(hours=5), tick=False):
        marked = transition_lead(lead=lead, to=Stage.MQL, actor=SCORING_RULE)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=8), tick=False):
        accepted = transition_lead(
            lead=lead, to=Stage.SAL, actor=sdr, evidence=accept_evidence(sdr)
        )

    assert marked.from_stage_entered_at == arrived
    assert accepted.from_stage_entered_at == marked.occurred_at
    assert accepted.time_in_stage == accepted.occurred_at - marked.occurred_at
    assert accepted.time_in_stage > dt.timedelta(hours=2)


def test_a_transition_given_now_is_dated_then_throughout(sdr):
    """`now=` dates everything the engine writes: the audit row, the timers and the history."""
    lead = LeadFactory(intent_score=72, stage_entered_at=timezone.now() - dt.timedelta(days=9))
    marked_at = timezone.now() - dt.timedelta(days=3)
    accepted_at = marked_at + dt.timedelta(hours=20)

    marked = transition_lead(lead=lead, to=Stage.MQL, actor=SCORING_RULE, now=marked_at)
    mql_row = Lead.history.filter(id=lead.pk).order_by("-history_id").first()
    accepted = transition_lead(
        lead=lead, to=Stage.SAL, actor=sdr, evidence=accept_evidence(sdr), now=accepted_at
    )

    assert (marked.occurred_at, accepted.occurred_at) == (marked_at, accepted_at)
    assert accepted.from_stage_entered_at == marked_at
    assert mql_row.stage_entered_at == marked_at
    assert mql_row.sla_due_at == segment_sla_due(lead.segment, marked_at)
    assert (lead.stage_entered_at, lead.first_touch_at) == (accepted_at, accepted_at)
    dates = (
        Lead.history.filter(id=lead.pk)
        .order_by("history_id")
        .values_list("history_date", flat=True)
    )
    assert list(dates)[1:] == [marked_at, accepted_at]
    assert lead.account.icp_confirmed_at == accepted_at
    assert lead.account.history.order_by("-history_id").first().history_date == accepted_at


LEAVING_NEW = {
    "mark-mql": lambda manager: (
        Stage.MQL,
        manager,
        Evidence(manual_review_decision="Board: strong persona fit"),
    ),
    "park": lambda manager: (Stage.NURTURE, Automation("nurture-floor"), park_evidence()),
    "disqualify": lambda manager: (Stage.DISQUALIFIED, manager, disqualify_evidence()),
}


@pytest.mark.parametrize("name", sorted(LEAVING_NEW))
def test_leaving_new_clears_the_manual_review_flag(manager, name):
    """The flag asks a person to decide on a new lead; once it has left new, someone has."""
    lead = LeadFactory(intent_score=55, manual_review=True)
    to, actor, evidence = LEAVING_NEW[name](manager)

    transition_lead(lead=lead, to=to, actor=actor, evidence=evidence)

    assert lead.manual_review is False
    assert type(lead).objects.get(pk=lead.pk).manual_review is False
