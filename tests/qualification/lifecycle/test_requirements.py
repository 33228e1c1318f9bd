"""LeadFacts: what the requirements read beyond the lead's row, loaded once per lead."""

import pytest

from accounts.models import BuyingGroupRole
from qualification.lifecycle.engine import unmet_requirements
from qualification.lifecycle.requirements import LeadFacts, framework_gaps
from qualification.lifecycle.table import transitions_from
from qualification.models import Checklist, Framework, Stage
from tests.factories import BuyingGroupRoleFactory, ContactFactory, LeadFactory, confirm_framework

pytestmark = pytest.mark.django_db
Role = BuyingGroupRole.Role


def sal(owner, **kwargs):
    return LeadFactory(stage=Stage.SAL, owner=owner, **kwargs)


def every_need(lead, actor, facts=None) -> dict[str, dict[str, list[str]]]:
    return {
        row.name: unmet_requirements(lead=lead, transition=row, actor=actor, facts=facts)
        for row in (*transitions_from(Stage.SAL), *transitions_from(Stage.SQL))
    }


def test_it_counts_people_not_roles(ae):
    lead = sal(ae)
    BuyingGroupRoleFactory(contact=lead.contact, role=Role.CHAMPION)
    BuyingGroupRoleFactory(contact=lead.contact, role=Role.ECONOMIC_BUYER)
    facts = LeadFacts.load(lead)
    assert (facts.buying_group_contacts, facts.has_economic_buyer) == (1, True)


def test_a_lead_without_an_account_has_no_buying_group(ae):
    lead = sal(ae, account=None, contact__account=None)
    facts = LeadFacts.load(lead)
    assert (facts.buying_group_contacts, facts.has_economic_buyer) == (0, False)


def test_one_checklist_at_its_minimum_leaves_no_gap(ae):
    lead = sal(ae)
    confirm_framework(lead, "bant", skip=("need",))
    confirm_framework(lead, "meddicc")
    assert LeadFacts.load(lead).framework_gaps == []


def test_the_gaps_name_each_checklists_missing_items_in_order(ae):
    lead = sal(ae)
    confirm_framework(lead, "bant", skip=("timeline", "authority"))
    Checklist.objects.create(lead=lead, framework=Framework.objects.get(key="champ"))
    gaps = LeadFacts.load(lead).framework_gaps
    assert gaps == [
        "BANT: authority, timeline confirmed",
        "CHAMP: challenges, authority, prioritisation confirmed",
    ]
    assert framework_gaps(lead) == gaps


def test_a_framework_without_sql_items_is_at_its_minimum_once_started(ae):
    lead = sal(ae)
    framework = Framework.objects.create(key="empty", name="Empty")
    Checklist.objects.create(lead=lead, framework=framework)
    facts = LeadFacts.load(lead)
    assert (facts.framework_gaps, len(facts.checklists)) == ([], 1)


def test_preloaded_facts_give_the_refusals_the_engine_gives_alone(ae):
    lead = sal(ae)
    confirm_framework(lead, "bant", skip=("need",))
    BuyingGroupRoleFactory(contact=ContactFactory(account=lead.account), role=Role.USER)
    assert every_need(lead, ae, LeadFacts.load(lead)) == every_need(lead, ae)


def test_preloaded_facts_spare_every_query(ae, django_assert_num_queries):
    lead = sal(ae)
    confirm_framework(lead, "bant", skip=("need",))
    facts = LeadFacts.load(lead)
    with django_assert_num_queries(0):
        every_need(lead, ae, facts)


def test_loading_the_facts_takes_three_queries(ae, django_assert_num_queries):
    lead = sal(ae)
    confirm_framework(lead, "bant")
    confirm_framework(lead, "meddicc", skip=("champion",))
    with django_assert_num_queries(3):
        LeadFacts.load(lead)
