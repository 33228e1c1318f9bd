"""`decide` (qualification/intake/decide.py): what one row comes to against the batch's lookups.

No database: the lookups are built by hand as the loader would build them, and the pending
writes of batch.py are applied in memory where a test needs one row to see an earlier one."""

import copy
import datetime as dt

import pytest

from accounts.models import IcpTier
from qualification.intake.batch import PendingWrites
from qualification.intake.decide import (
    account_values,
    blanks_filled,
    contact_values,
    decide,
)
from qualification.intake.lookups import (
    ACCOUNT_FACTS,
    CONTACT_FACTS,
    KnownAccount,
    KnownContact,
    KnownLead,
    Lookups,
)
from qualification.intake.rows import LeadRow, Outcome, ReasonCodes, clean
from qualification.models import (
    IcpRule,
    IcpSettings,
    ReasonCode,
    Segment,
    Source,
    Stage,
)

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
NO_BUDGET = ReasonCode(code="no_budget", label="No budget")
TIMING = ReasonCode(code="timing", label="Timing", requires_recycle_date=True)
NOT_FOR_DISQUALIFYING = ReasonCode(code="junk", label="Junk / spam", for_disqualification=False)
REASONS = ReasonCodes([NO_BUDGET, TIMING, NOT_FOR_DISQUALIFYING])
SOFTWARE = IcpRule(
    name="Software", attribute="industry", match="in", values=["Software"], points=60
)


def row(line=2, **given):
    return clean(LeadRow(line=line, **given), reasons=REASONS, default_source=Source.LIST_IMPORT)


@pytest.fixture
def lookups() -> Lookups:
    return Lookups.for_batch(
        segment=Segment(name="Core", slug="core", nurture_recycle_days=30),
        source_system="crm",
        actor=None,
        now=NOW,
        icp_rules=[SOFTWARE],
        cutoffs=IcpSettings(),
    )


def known_account(pk=10, domain="acme.io", **facts) -> KnownAccount:
    return KnownAccount(
        facts={name: facts.get(name) for name in ACCOUNT_FACTS},
        domain=domain,
        icp_tier=IcpTier.B,
        pk=pk,
    )


def known_contact(pk=20, account=None, **facts) -> KnownContact:
    values = {name: facts.get(name, "") for name in CONTACT_FACTS}
    values["do_not_contact"] = facts.get("do_not_contact", False)
    return KnownContact(facts=values, account=account, pk=pk)


def known_lead(contact, pk=30, **kwargs) -> KnownLead:
    return KnownLead(contact=contact, pk=pk, **kwargs)


def with_person(lookups, *, email="ann@acme.io", lead=True, **facts) -> KnownLead | KnownContact:
    """Ann at Acme, in the database: her contact and account, and her lead in the segment."""
    account = known_account()
    contact = known_contact(account=account, **facts)
    lookups.accounts_by_domain["acme.io"] = account
    lookups.contacts_by_email[email] = contact
    if not lead:
        return contact
    lookups.leads_by_email[email] = known_lead(contact)
    return lookups.leads_by_email[email]


def take(lookups, pending, cleaned):
    """What batch.py does with each row: decide, then keep an accepted decision."""
    decision = decide(cleaned, lookups)
    if decision.outcome != Outcome.REFUSED:
        lookups.remember(decision)
        pending.add(decision)
    return decision


class TestNewPeople:
    def test_an_unknown_work_email_makes_an_account_a_contact_and_a_lead(self, lookups):
        decision = decide(row(email="ann@acme.io", first_name="Ann", industry="Software"), lookups)

        assert (decision.outcome, decision.message, decision.key) == (
            Outcome.CREATED,
            "",
            "ann@acme.io",
        )
        account, contact, lead = decision.new_account, decision.new_contact, decision.new_lead
        assert (account.new.domain, account.new.name, account.new.industry) == (
            "acme.io",
            "Acme",
            "Software",
        )
        assert account.new.icp_tier == IcpTier.A  # Software: 60 points
        assert contact.new.account is account.new and contact.new.first_name == "Ann"
        assert lead is decision.lead
        assert (lead.new.contact, lead.new.account) == (contact.new, account.new)
        assert (lead.new.fit_tier, lead.new.stage, lead.new.segment.slug) == (
            IcpTier.A,
            Stage.NEW,
            "core",
        )
        assert lead.new._change_reason == "Created by import from crm"

    def test_a_personal_email_makes_no_account_and_the_files_facts_give_the_fit(self, lookups):
        decision = decide(row(email="ann@gmail.com", industry="Software"), lookups)

        assert decision.new_account is None and decision.new_contact.new.account is None
        assert decision.new_lead.new.fit_tier == IcpTier.A

    def test_a_known_domain_gives_the_account_and_fills_only_its_blanks(self, lookups):
        account = known_account(industry="Retail")
        lookups.accounts_by_domain["acme.io"] = account

        decision = decide(row(email="bob@acme.io", industry="Software", employees="250"), lookups)

        assert decision.new_account is None
        assert decision.new_contact.new.account_id == 10
        assert decision.account is account
        assert decision.account_fills == {"employee_count": 250}

    def test_a_source_id_sets_the_external_key_of_the_lead(self, lookups):
        decision = decide(row(external_id="77"), lookups)

        assert decision.key == "id:77"
        assert (decision.new_lead.new.external_source, decision.new_lead.new.external_id) == (
            "crm",
            "77",
        )
        assert decision.new_contact.new.email is None

    def test_a_product_signup_is_product_led(self, lookups):
        decision = decide(row(email="ann@acme.io", source="product_signup"), lookups)
        assert decision.new_lead.new.motion == "product_led"


class TestKnownPeople:
    def test_a_known_contact_with_no_lead_in_the_segment_gets_one(self, lookups):
        contact = with_person(lookups, lead=False, first_name="Ann")

        decision = decide(
            row(email="ann@acme.io", first_name="Annie", phone="+44 20 7946 0000"), lookups
        )

        assert (decision.outcome, decision.message) == (
            Outcome.CREATED,
            "new lead for a contact we already had",
        )
        assert decision.new_contact is None and decision.new_lead.contact is contact
        assert decision.new_lead.new.contact_id == 20
        assert decision.new_lead.new.account_id == 10
        assert decision.new_lead.new.fit_tier == IcpTier.B  # the account's tier
        assert decision.contact_fills == {"phone": "+442079460000"}  # the name is never overwritten

    def test_a_known_lead_takes_the_rows_blanks_answers_and_activities(self, lookups):
        lead = with_person(lookups, first_name="Ann")
        lead.form_answers = {"Team size": "12"}
        lead.last_activity_at = NOW - dt.timedelta(days=2)
        given = row(email="Ann@Acme.io", first_name="Annie", title="CFO", industry="Software")
        given.answers = {"Team size": "99", "Budget": "yes"}
        given.activities = [("webinar", NOW - dt.timedelta(days=1))]

        decision = decide(given, lookups)

        assert decision.outcome == Outcome.MERGED
        assert decision.message == (
            "merged into lead 30: added title, persona function, persona seniority, "
            "industry, form answers, 1 activity"
        )
        assert decision.lead is lead and decision.new_lead is None
        assert decision.contact_fills == {
            "title": "CFO",
            "persona_function": "finance",
            "persona_seniority": "c_level",
        }
        assert (decision.account.pk, decision.account_fills) == (10, {"industry": "Software"})
        assert decision.new_answers == {"Budget": "yes"}
        assert decision.last_activity_at == NOW - dt.timedelta(days=1)

    def test_an_older_activity_is_added_without_moving_the_last_activity(self, lookups):
        lead = with_person(lookups)
        lead.last_activity_at = NOW
        given = row(email="ann@acme.io")
        given.activities = [("webinar", NOW - dt.timedelta(days=3))] * 2

        decision = decide(given, lookups)

        assert decision.message == "merged into lead 30: added 2 activities"
        assert decision.last_activity_at is None

    def test_a_row_that_adds_nothing_is_unchanged(self, lookups):
        with_person(lookups, first_name="Ann")

        decision = decide(row(email="ann@acme.io", first_name="Someone else"), lookups)

        assert (decision.outcome, decision.message) == (
            Outcome.UNCHANGED,
            "already imported as lead 30",
        )

    def test_the_source_id_finds_the_lead_before_the_email(self, lookups):
        by_email = with_person(lookups)
        by_id = known_lead(known_contact(pk=21), pk=31)
        lookups.leads_by_external["77"] = by_id

        decision = decide(row(external_id="77", email="ann@acme.io"), lookups)

        assert decision.lead is by_id and decision.lead is not by_email
        assert decision.key == "id:77"

    def test_an_unsubscribe_in_the_file_sets_do_not_contact_on_a_merge(self, lookups):
        with_person(lookups)

        decision = decide(row(email="ann@acme.io", do_not_contact="yes"), lookups)

        assert decision.contact_fills == {"do_not_contact": True}
        assert decision.message == "merged into lead 30: added do not contact"

    def test_a_contact_with_no_account_is_given_the_rows_account(self, lookups):
        contact = known_contact()
        lookups.leads_by_external["77"] = known_lead(contact)

        decision = decide(row(external_id="77", website="acme.io"), lookups)

        assert decision.link_account is decision.new_account
        assert decision.new_account.new.domain == "acme.io"
        assert decision.message == "merged into lead 30: added account"


class TestStages:
    def test_a_disqualified_row_moves_its_new_lead_through_the_engine(self, lookups):
        decision = decide(
            row(email="ann@acme.io", stage="Disqualified", disqualify_reason="No Budget"), lookups
        )

        lead = decision.new_lead.new
        assert (lead.stage, lead.reason_code) == (Stage.DISQUALIFIED, NO_BUDGET)
        transition = decision.transition
        assert (transition.lead, transition.rule, transition.note) == (
            lead,
            "import:crm",
            "Imported from crm: No Budget",
        )

    def test_a_nurture_row_recycles_after_the_segments_days(self, lookups):
        decision = decide(
            row(external_id="1", stage="Nurture", disqualify_reason="Timing"), lookups
        )

        lead = decision.new_lead.new
        assert (lead.stage, lead.recycle_on) == (Stage.NURTURE, dt.date(2026, 12, 2))

    def test_a_row_the_engine_refuses_writes_nothing(self, lookups):
        given = row(email="spam@acme.io", stage="Disqualified", disqualify_reason="junk")

        decision = decide(given, lookups)

        assert decision.outcome == Outcome.REFUSED
        assert "does not apply to disqualification" in decision.message
        assert decision.errors == {
            "reason_code": ["reason code “Junk / spam” does not apply to disqualification"]
        }
        assert (decision.lead, decision.new_account, decision.new_contact) == (None, None, None)
        assert decision.transition is None and decision.activities == []


class TestPurity:
    def test_deciding_changes_nothing_in_the_lookups(self, lookups):
        lead = with_person(lookups)
        before = copy.deepcopy((lead.contact.facts, lead.contact.account.facts, lead.form_answers))
        keys = {
            name: set(getattr(lookups, name)) for name in ("leads_by_email", "accounts_by_domain")
        }
        given = row(email="ann@acme.io", title="CFO", industry="Software")
        given.answers = {"Budget": "yes"}

        decide(given, lookups)
        decide(row(email="new@other.io"), lookups)

        assert (lead.contact.facts, lead.contact.account.facts, lead.form_answers) == before
        assert {name: set(getattr(lookups, name)) for name in keys} == keys
        assert "new@other.io" not in lookups.contacts_by_email


class TestLaterRowsOfTheBatch:
    def test_the_same_person_twice_is_one_lead_and_the_second_row_fills_its_blanks(self, lookups):
        pending = PendingWrites(source_system="crm", actor=None, now=NOW)

        first = take(lookups, pending, row(2, email="ann@acme.io"))
        second = take(lookups, pending, row(3, email="ANN@acme.io", title="CFO"))

        assert second.lead is first.new_lead
        assert second.message == (
            "merged into a lead earlier in this file: added title, persona function, "
            "persona seniority"
        )
        assert first.new_contact.new.title == "CFO"  # the instance that will be inserted
        assert pending.new_contacts == [first.new_contact.new]
        assert pending.contact_changes == {}

    def test_a_third_row_sees_what_the_second_filled_in(self, lookups):
        pending = PendingWrites(source_system="crm", actor=None, now=NOW)
        with_person(lookups)

        take(lookups, pending, row(2, email="ann@acme.io", title="CFO"))
        third = take(lookups, pending, row(3, email="ann@acme.io", title="CTO"))

        assert third.outcome == Outcome.UNCHANGED
        assert pending.contact_changes == {
            20: {"title": "CFO", "persona_function": "finance", "persona_seniority": "c_level"}
        }
        assert pending.contacts_filled == {20}

    def test_colleagues_share_the_account_the_first_of_them_made(self, lookups):
        pending = PendingWrites(source_system="crm", actor=None, now=NOW)

        ann = take(lookups, pending, row(2, email="ann@acme.io"))
        bob = take(lookups, pending, row(3, email="bob@acme.io", industry="Software"))

        assert bob.new_account is None
        assert bob.new_contact.new.account is ann.new_account.new
        assert ann.new_account.new.industry == "Software"  # a blank filled before insert
        assert pending.new_accounts == [ann.new_account.new]

    def test_a_refused_row_leaves_nothing_for_the_rows_after_it(self, lookups):
        pending = PendingWrites(source_system="crm", actor=None, now=NOW)
        with_person(lookups, lead=False)
        lookups.accounts_by_domain["acme.io"].facts["industry"] = None

        refused = take(
            lookups,
            pending,
            row(2, email="spam@junk.io", stage="Disqualified", disqualify_reason="junk"),
        )
        again = take(lookups, pending, row(3, email="spam@junk.io"))

        assert refused.outcome == Outcome.REFUSED
        assert (again.outcome, again.message) == (Outcome.CREATED, "")
        assert again.new_account.new.domain == "junk.io"
        assert pending.new_accounts == [again.new_account.new]
        assert pending.new_contacts == [again.new_contact.new]
        assert pending.transitions == []

    def test_a_refused_row_fills_no_blank_of_an_account_that_exists(self, lookups):
        pending = PendingWrites(source_system="crm", actor=None, now=NOW)
        account = known_account()
        lookups.accounts_by_domain["acme.io"] = account

        take(
            lookups,
            pending,
            row(
                2,
                email="spam@acme.io",
                industry="Spam",
                stage="Disqualified",
                disqualify_reason="junk",
            ),
        )

        assert account.facts["industry"] is None
        assert pending.account_changes == {}


class TestFills:
    def test_a_value_fills_only_a_blank_and_a_blank_value_fills_nothing(self):
        have = {"a": "", "b": "kept", "c": None, "d": 0}
        assert blanks_filled(have, {"a": "x", "b": "y", "c": "", "d": 5}) == {"a": "x"}

    def test_the_rows_facts_are_keyed_as_the_lookups_load_them(self):
        given = row(email="ann@acme.io")
        assert tuple(contact_values(given)) == CONTACT_FACTS
        assert tuple(account_values(given)) == ACCOUNT_FACTS
