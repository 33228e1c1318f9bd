import datetime as dt
import hashlib
import io
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from simple_history.models import registered_models

from accounts import roles
from accounts.models import Account, AccountDomain, AccountFieldSource, BuyingGroupRole, Contact
from qualification.duplicates.merge import undo_blockers
from qualification.lifecycle.requirements import framework_gaps
from qualification.models import (
    OWNED_STAGES,
    AccountMatch,
    DuplicateCandidate,
    DuplicateMerge,
    Lead,
    Stage,
    StageTransition,
)
from review.models import Decision, ReviewSession, RuleChangeProposal
from review.services import MIN_SIZE

DEMO_LOGINS = {
    "sdr": roles.SDR,
    "sdr2": roles.SDR,
    "ae": roles.AE,
    "ae2": roles.AE,
    "manager": roles.MANAGER,
    "revops": roles.REVOPS,
    "marketing": roles.MARKETING,
}


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def digest_of_demo() -> str:
    """What must come out the same every time: who, where, which stage and by which steps."""
    rows = sorted(
        (
            lead.contact.email,
            lead.segment.slug,
            lead.stage,
            lead.source,
            lead.intent_score,
            lead.owner.username if lead.owner else "",
            lead.reason_code.code if lead.reason_code else "",
            tuple(t.name for t in lead.transitions.all()),
        )
        for lead in Lead.objects.select_related(
            "contact", "segment", "owner", "reason_code"
        ).prefetch_related("transitions")
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@dataclass
class Demo:
    output: str
    digest_of_an_earlier_run: str


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """Seed an empty database twice: once to take a digest and roll back, then once to keep
    for the class's read-only tests (rolled back after them)."""
    with django_db_blocker.unblock(), transaction.atomic():
        with transaction.atomic():
            assert not Lead.objects.exists()
            seed()
            earlier = digest_of_demo()
            transaction.set_rollback(True)
        assert not Lead.objects.exists()
        yield Demo(output=seed(), digest_of_an_earlier_run=earlier)
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo")
class TestSeededDemo:
    def test_it_creates_one_login_per_role_in_its_group(self):
        users = get_user_model().objects.filter(username__in=DEMO_LOGINS)
        assert {user.username: user.groups.get().name for user in users} == DEMO_LOGINS
        assert all(user.first_name and user.last_name for user in users)
        assert all(user.check_password("leadreview-demo") for user in users)

    def test_it_lets_revops_into_the_admin_and_makes_an_admin_superuser(self):
        User = get_user_model()
        assert User.objects.get(username="revops").is_staff
        assert User.objects.get(username="admin").is_superuser

    def test_it_prints_the_logins_and_the_password(self, demo):
        for username in [*DEMO_LOGINS, "admin"]:
            assert f"\n{username} " in demo.output
        assert "leadreview-demo" in demo.output

    def test_an_empty_database_gets_the_same_demo_every_time(self, demo):
        assert digest_of_demo() == demo.digest_of_an_earlier_run

    def test_it_creates_about_40_accounts_150_contacts_and_250_leads(self):
        assert 35 <= Account.objects.count() <= 45
        assert 130 <= Contact.objects.count() <= 170
        assert 230 <= Lead.objects.count() <= 270

    def test_it_puts_leads_in_every_stage(self):
        stages = set(Lead.objects.values_list("stage", flat=True))
        assert stages == set(Stage.values)

    def test_each_lead_reached_its_stage_through_the_engine(self):
        for lead in Lead.objects.prefetch_related("transitions"):
            transitions = list(lead.transitions.all())
            if lead.stage == Stage.NEW:
                assert transitions == [], lead
                continue
            assert transitions, lead
            assert transitions[-1].to_stage == lead.stage, lead
            assert transitions[0].from_stage == Stage.NEW, lead
            for earlier, later in zip(transitions, transitions[1:], strict=False):
                assert earlier.to_stage == later.from_stage, lead

    def test_its_history_runs_forwards_and_ends_in_the_past(self):
        now = timezone.now()
        for lead in Lead.objects.prefetch_related("transitions"):
            moments = [lead.created_at] + [t.occurred_at for t in lead.transitions.all()]
            assert moments == sorted(moments), lead
            assert moments[-1] < now, lead
            assert lead.stage_entered_at == moments[-1], lead
            history = list(lead.history.order_by("history_id"))
            assert [row.history_date for row in history][0] == lead.created_at, lead
            assert all(
                earlier.history_date <= later.history_date < now
                for earlier, later in zip(history, history[1:], strict=False)
            ), lead

    def test_the_stage_invariants_hold(self):
        assert not Lead.objects.filter(stage=Stage.DISQUALIFIED, reason_code=None).exists()
        assert not Lead.objects.filter(stage__in=OWNED_STAGES, owner=None).exists()
        assert not Lead.objects.filter(stage=Stage.NURTURE, recycle_on=None).exists()

    def test_the_queue_has_breached_and_fresh_slas(self):
        queue = Lead.objects.sal_queue()
        now = timezone.now()
        assert queue.filter(sla_due_at__lt=now).exists()
        assert queue.filter(sla_due_at__gte=now).exists()
        # Some came in through a person's manual-review decision, which cleared their flag.
        assert queue.filter(transitions__evidence__has_key="manual_review_decision").exists()
        assert not queue.filter(manual_review=True).exists()

    def test_sql_and_opportunity_leads_carry_their_discovery(self):
        leads = Lead.objects.filter(stage__in=[Stage.SQL, Stage.OPPORTUNITY])
        assert leads.exists()
        for lead in leads:
            assert lead.checklists.exists() and framework_gaps(lead) == [], lead
            seats = BuyingGroupRole.objects.filter(account=lead.account)
            assert seats.values("contact").distinct().count() >= 2 or lead.single_thread_override

    def test_leads_explain_their_scores(self):
        assert not Lead.objects.filter(score_explanation=[]).exists()
        assert Lead.objects.exclude(form_answers={}).count() == Lead.objects.count()

    def test_a_closed_review_of_two_months_ago_shows_how_the_board_works(self):
        session = ReviewSession.objects.get()
        today = timezone.localdate()
        assert session.month == (today.replace(day=1) - dt.timedelta(days=32)).replace(day=1)
        assert session.closed_at is not None
        assert session.items.count() >= MIN_SIZE
        assert not session.items.filter(decision=Decision.PENDING).exists()
        assert session.summary["proposals"]["applied"] == 1
        assert session.summary["proposals"]["declined"] == 1
        applied = session.proposals.get(status=RuleChangeProposal.Status.APPLIED)
        changed = applied.scoring_rule.history.order_by("-history_id").first()
        assert str(session) in changed.history_change_reason
        assert str(changed.points) == applied.proposed_value

    def test_every_row_of_a_tracked_model_starts_its_history(self):
        """So the first change to any of them, seeded rules included, shows what it changed."""
        for model in registered_models.values():
            if model._meta.app_label not in {"accounts", "qualification", "review"}:
                continue
            rows = set(model.objects.values_list("pk", flat=True))
            assert rows <= set(model.history.values_list("id", flat=True)), model.__name__

    def test_a_group_has_two_domains_and_a_regional_arm(self):
        group = Account.objects.get(name="Meridian Freight Group")
        domains = AccountDomain.objects.filter(account=group)
        assert sorted(domains.values_list("domain", "is_primary")) == [
            ("meridianfreight.com", False),
            ("meridianfreight.de", True),
        ]
        arm = Account.objects.get(parent=group)
        assert (arm.name, arm.domain) == ("Meridian Freight UK", "meridianfreight.co.uk")

    def test_the_arm_is_enriched_from_the_demos_own_file_and_re_tiered_with_the_reason(self):
        arm = Account.objects.get(name="Meridian Freight UK")
        sources = dict(
            AccountFieldSource.objects.filter(account=arm).values_list("field", "source")
        )
        assert sources == {
            "industry": "demo-list",
            "employee_count": "demo-list",
            "annual_revenue": "demo-list",
            "country": "demo-list",
        }
        assert (arm.industry, arm.employee_count, arm.country) == ("Logistics", 1100, "GB")
        reason = arm.history.order_by("-history_id").first().history_change_reason
        assert reason.startswith("Enriched: industry Logistics, employees 1,100")
        assert "from demo-list" in reason and f"to {arm.icp_tier}" in reason

    def test_two_typed_companies_wait_in_match_review_and_a_gmail_lead_is_linked_by_name(self):
        waiting = AccountMatch.objects.filter(outcome=AccountMatch.Outcome.REVIEW)
        assert sorted(waiting.values_list("company", flat=True)) == [
            "Copperleaf Financial",
            "Ironbridge Insurers",
        ]
        for match in waiting:
            best = match.candidates.order_by("rank").first()
            assert best.reasons and best.reasons[0]["signal"] == "name", match
            assert 0.6 <= float(best.confidence) < 0.9, match
        gmail = AccountMatch.objects.get(lead__contact__email="rory.fitzgerald.ops@gmail.com")
        assert gmail.outcome == AccountMatch.Outcome.LINKED
        assert gmail.account.name == "Harbourline Telecom"
        assert gmail.lead.account == gmail.account
        assert gmail.reasons[0]["signal"] == "name"

    def test_detection_found_pairs_of_each_kind_and_merged_the_same_inbox(self):
        kinds = {
            frozenset(found["key"] for found in pair.matched)
            for pair in DuplicateCandidate.objects.open()
        }
        assert any("phone" in keys for keys in kinds)
        assert any(keys == {"same name"} for keys in kinds)
        assert any(keys == {"similar name"} for keys in kinds)
        assert DuplicateCandidate.objects.open().count() >= 6
        merge = DuplicateMerge.objects.get()
        assert "+webinar@" in merge.merged.contact.email
        assert merge.merged.stage == Stage.DISQUALIFIED
        assert merge.merged.reason_code.code == "duplicate"
        assert merge.merged.duplicate_of == merge.survivor
        assert merge.undone_at is None
        assert undo_blockers(merge) == []  # its merge page offers Undo

    def test_a_second_run_changes_nothing(self):
        counts = (Lead.objects.count(), Contact.objects.count(), StageTransition.objects.count())

        output = seed()

        assert "Already seeded" in output
        assert counts == (
            Lead.objects.count(),
            Contact.objects.count(),
            StageTransition.objects.count(),
        )
