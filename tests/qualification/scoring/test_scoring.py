import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Account, Contact, IcpTier
from qualification.models import Activity, IcpRule, ScoringRule
from qualification.scoring.fit import account_fit, update_account_fits
from qualification.scoring.intent import score_leads
from tests.factories import AccountFactory, ContactFactory, LeadFactory, SegmentFactory, reason

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def activity(lead, kind, days_ago=0.0, hours_ago=0.0):
    return Activity.objects.create(
        contact=lead.contact,
        lead=lead,
        kind=kind,
        occurred_at=NOW - dt.timedelta(days=days_ago, hours=hours_ago),
    )


def scored(lead):
    score_leads([lead.pk], now=NOW)
    lead.refresh_from_db()
    return lead


def plain_lead(**kwargs):
    """A lead whose account and contact add no points of their own."""
    account = AccountFactory(icp_tier=IcpTier.C, relationship=Account.Relationship.PROSPECT)
    contact = ContactFactory(
        account=account,
        title="Analyst",
        persona_seniority="individual",
        email_kind=Contact.EmailKind.WORK,
    )
    kwargs.setdefault("intent_score", 0)
    return LeadFactory(contact=contact, account=account, **kwargs)


class TestFit:
    def test_a_target_company_in_a_core_market_is_tier_a_with_its_reasons(self):
        account = AccountFactory.build(industry="Software", country="GB", employee_count=600)
        fit = account_fit(account)
        assert fit.tier == IcpTier.A
        assert fit.reasons == [
            "Target industry (+20)",
            "Core market (+10)",
            "Mid-market size (200–5,000 staff) (+20)",
        ]

    def test_industry_matching_ignores_case_and_spacing(self):
        account = AccountFactory.build(industry="  SOFTWARE ", country="US", employee_count=60)
        assert account_fit(account).points == 40

    def test_a_competitor_is_out_whatever_else_fits(self):
        account = AccountFactory.build(
            industry="Software",
            country="GB",
            employee_count=600,
            relationship=Account.Relationship.COMPETITOR,
        )
        fit = account_fit(account)
        assert fit.tier == IcpTier.OUT
        assert fit.reasons == ["Excluded: Competitor"]

    def test_every_exclusion_is_named(self):
        account = AccountFactory.build(country="RU", employee_count=4)
        assert account_fit(account).reasons == [
            "Excluded: Unsupported geography",
            "Excluded: Too small (under 10 staff)",
        ]

    def test_an_account_we_know_nothing_about_is_tier_c_and_says_why(self):
        account = AccountFactory.build(industry="", country="", employee_count=None)
        fit = account_fit(account)
        assert fit.tier == IcpTier.C
        assert fit.reasons == ["No ICP rule matched what we know of the account"]

    def test_tech_constraints_and_revenue_bands_count(self):
        account = AccountFactory.build(
            industry="Retail",
            country="BR",
            employee_count=None,
            annual_revenue=50_000_000,
            tech_stack=["HubSpot"],
        )
        assert account_fit(account).points == 20

    def test_revops_edits_take_effect_and_are_saved_with_history(self):
        account = AccountFactory(industry="Manufacturing", country="GB", employee_count=300)
        IcpRule.objects.create(
            name="Manufacturing push",
            attribute="industry",
            match="in",
            values=["manufacturing"],
            points=25,
        )
        assert update_account_fits([account]) == 1
        account.refresh_from_db()
        assert account.icp_tier == IcpTier.A
        assert account.history.first().history_change_reason == "ICP rules recomputed the tier"
        assert update_account_fits([account]) == 0


class TestIntent:
    def test_a_recent_pricing_visit_scores_its_full_points(self):
        lead = plain_lead()
        activity(lead, "pricing_page")
        lead = scored(lead)
        assert lead.intent_score == 25
        assert lead.score_explanation == ["pricing page"]

    def test_the_same_activity_scores_less_as_it_ages(self):
        fresh, old, older = plain_lead(), plain_lead(), plain_lead()
        activity(fresh, "pricing_page", days_ago=0)
        activity(old, "pricing_page", days_ago=14)  # one half-life
        activity(older, "pricing_page", days_ago=28)
        assert [scored(x).intent_score for x in (fresh, old, older)] == [25, 13, 6]

    def test_activity_older_than_the_lookback_scores_nothing(self):
        lead = plain_lead()
        activity(lead, "demo_request", days_ago=200)
        assert scored(lead).intent_score == 0

    def test_repeats_count_up_to_the_rules_cap(self):
        lead = plain_lead()
        for hours in range(5):
            activity(lead, "pricing_page", hours_ago=hours)
        lead = scored(lead)
        assert lead.score_explanation == ["pricing page ×2"]
        assert lead.intent_score == 50

    def test_three_sessions_in_seven_days_earn_the_frequency_bonus(self):
        lead = plain_lead()
        for days in (0, 2, 5):
            activity(lead, "web_session", days_ago=days)
        lead = scored(lead)
        assert lead.score_explanation == ["3 sessions in 7 days"]
        assert lead.intent_score == 10

    def test_sessions_spread_wider_than_the_window_earn_nothing(self):
        lead = plain_lead()
        for days in (0, 9, 18):
            activity(lead, "web_session", days_ago=days)
        assert scored(lead).score_explanation == []

    def test_buying_work_pages_outweigh_passive_opens(self):
        pricing, opens = plain_lead(), plain_lead()
        activity(pricing, "pricing_page")
        for hours in range(5):
            activity(opens, "email_open", hours_ago=hours)
        assert scored(pricing).intent_score > scored(opens).intent_score
        assert ScoringRule.objects.get(value="pricing_page").buying_work

    @pytest.mark.parametrize(
        ("setup", "reason"),
        [
            ({"email_kind": "personal"}, "personal email (−20)"),
            ({"persona_seniority": "student"}, "student (−30)"),
        ],
    )
    def test_negative_contact_rules_subtract_and_say_so(self, setup, reason):
        lead = plain_lead()
        Contact.objects.filter(pk=lead.contact_id).update(**setup)
        activity(lead, "demo_request")
        activity(lead, "pricing_page")
        lead = scored(lead)
        assert reason in lead.score_explanation
        assert lead.intent_score == 45 - int(reason.split("−")[1].rstrip(")"))

    def test_a_careers_page_visit_counts_against_intent(self):
        lead = plain_lead()
        activity(lead, "pricing_page")
        activity(lead, "careers_page")
        lead = scored(lead)
        assert lead.intent_score == 10
        assert lead.score_explanation == ["pricing page", "careers page (−15)"]

    def test_a_competitor_domain_sinks_the_score(self):
        lead = plain_lead()
        Account.objects.filter(pk=lead.account_id).update(relationship="competitor")
        activity(lead, "demo_request")
        lead = scored(lead)
        assert lead.intent_score == 0
        assert "competitor (−50)" in lead.score_explanation

    def test_the_explanation_reads_as_the_team_writes_it(self):
        lead = plain_lead()
        Account.objects.filter(pk=lead.account_id).update(icp_tier=IcpTier.A)
        for hours in (1, 2):
            activity(lead, "pricing_page", hours_ago=hours)
        for days in (0, 1, 3):
            activity(lead, "web_session", days_ago=days)
        activity(lead, "demo_request")
        lead = scored(lead)
        assert " · ".join(lead.score_explanation) == (
            "pricing page ×2 · Tier A ICP · demo request · 3 sessions in 7 days"
        )
        assert lead.fit_tier == IcpTier.A
        assert lead.intent_score == 100  # 50 + 20 + 20 + 10, capped at 100

    def test_the_band_follows_the_segments_thresholds(self):
        strict = SegmentFactory(slug="strict", mql_threshold=90, nurture_floor=30)
        lead = plain_lead(segment=strict)
        activity(lead, "pricing_page")
        activity(lead, "demo_request")
        lead = scored(lead)
        assert (lead.intent_score, lead.intent_band) == (45, "medium")
        lenient = SegmentFactory(slug="lenient", mql_threshold=40, nurture_floor=20)
        lead.segment = lenient
        lead.save()
        assert scored(lead).intent_band == "high"

    def test_only_the_leads_asked_for_are_rescored(self):
        asked, other = plain_lead(), plain_lead()
        activity(asked, "pricing_page")
        activity(other, "pricing_page")
        assert score_leads([asked.pk], now=NOW) == 1
        other.refresh_from_db()
        assert other.intent_score == 0

    def test_rescoring_everything_leaves_disqualified_leads_alone(self):

        kept = plain_lead(stage="disqualified", reason_code=reason("junk"), intent_score=33)
        activity(kept, "pricing_page")
        score_leads(now=NOW)
        kept.refresh_from_db()
        assert kept.intent_score == 33

    def test_a_lead_with_nothing_to_count_is_still_scored(self):
        lead = plain_lead(scored_at=None)
        lead = scored(lead)
        assert (lead.intent_score, lead.score_explanation, lead.scored_at) == (0, [], NOW)

    def test_a_rescore_that_changes_nothing_rewrites_no_row(self):
        lead = plain_lead(scored_at=None)
        activity(lead, "pricing_page")
        assert score_leads([lead.pk], now=NOW) == 1
        assert score_leads([lead.pk], now=NOW) == 0

    def test_scores_are_not_copied_into_history(self):
        lead = plain_lead()
        activity(lead, "pricing_page")
        before = lead.history.count()
        scored(lead)
        assert lead.history.count() == before
