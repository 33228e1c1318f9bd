"""The search selector (qualification/web/search/selectors.py) on PostgreSQL: exact matches
jump, typos still find, results are grouped and capped, a bare number is a lead number."""

import pytest
from django.urls import reverse

from qualification.models import Stage
from qualification.web.search import selectors
from qualification.web.search.selectors import search
from tests.factories import AccountFactory, ContactFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def northwind():
    return AccountFactory(name="Northwind Logistics", domain="northwind-logistics.example")


@pytest.fixture
def dana(northwind):
    return ContactFactory(
        account=northwind,
        first_name="Dana",
        last_name="Whitley",
        email="dana.whitley@northwind-logistics.example",
        phone="+442079460123",  # E.164, as intake stores it
    )


def account_url(account) -> str:
    return reverse("qualification:account-detail", args=[account.pk])


def lead_url(lead) -> str:
    return reverse("qualification:lead-detail", args=[lead.pk])


def test_a_misspelt_company_finds_the_account(ae, northwind):
    AccountFactory(name="Contoso Pharma", domain="contoso.example")

    results = search(query="Northwnd Logistcs", user=ae)

    assert results.jump_to is None
    assert results.accounts == [northwind]


def test_the_closest_account_comes_first(ae, northwind):
    AccountFactory(name="Northwind Logistics Holdings International", domain="nwh.example")

    results = search(query="northwind logistics", user=ae)

    assert results.accounts[0] == northwind


def test_a_pasted_email_jumps_to_the_persons_open_lead(ae, dana):
    open_lead = LeadFactory(contact=dana, stage=Stage.MQL)
    LeadFactory(contact=dana, stage=Stage.NURTURE, recycle_on="2027-01-01")  # newer, closed

    results = search(query="  Dana.Whitley@Northwind-Logistics.example ", user=ae)

    assert results.jump_to == lead_url(open_lead)


def test_an_email_of_a_person_without_a_lead_lists_them_instead(ae, dana):
    results = search(query=dana.email, user=ae)

    assert results.jump_to is None
    assert results.people == [dana]
    assert results.people[0].latest_lead_id is None


def test_a_pasted_domain_jumps_to_the_account(ae, northwind):
    assert search(query="northwind-logistics.example", user=ae).jump_to == account_url(northwind)


def test_a_pasted_website_with_a_subdomain_and_path_jumps_to_the_account(ae, northwind):
    results = search(query="https://www.eu.northwind-logistics.example/pricing?x=1", user=ae)

    assert results.jump_to == account_url(northwind)


def test_a_hash_and_a_number_jumps_to_that_lead(ae, dana):
    lead = LeadFactory(contact=dana)

    assert search(query=f"#{lead.pk}", user=ae).jump_to == lead_url(lead)


def test_a_hash_and_an_unknown_number_finds_nothing(ae):
    results = search(query="#987654", user=ae)

    assert results.jump_to is None
    assert results.found == 0


def test_a_bare_number_lists_the_lead_without_jumping(ae, dana):
    lead = LeadFactory(contact=dana)

    results = search(query=str(lead.pk), user=ae)

    assert results.jump_to is None
    assert results.leads == [lead]
    assert results.accounts == []


def test_a_misspelt_name_finds_the_person_with_their_latest_lead(ae, dana):
    LeadFactory(contact=dana, stage=Stage.NEW)
    latest = LeadFactory(contact=dana, stage=Stage.SAL, owner=ae)
    ContactFactory(first_name="Omar", last_name="Haddad", email="omar@elsewhere.example")

    results = search(query="Dana Whitly", user=ae)

    assert results.people == [dana]
    assert results.people[0].latest_lead_id == latest.pk
    assert results.people[0].latest_lead_stage == Stage.SAL


@pytest.mark.parametrize(
    "typed", ["7946 0123", "020 7946 0123", "+44 20 7946 0123", "0044 (20) 7946-0123"]
)
def test_a_phone_number_typed_in_any_format_finds_the_person(ae, dana, typed):
    assert search(query=typed, user=ae).people == [dana]


def test_an_accounts_open_leads_are_listed_with_it(ae, dana, northwind):
    open_lead = LeadFactory(contact=dana, stage=Stage.MQL)
    LeadFactory(contact=dana, stage=Stage.NURTURE, recycle_on="2027-01-01")

    results = search(query="Northwind", user=ae)

    assert results.leads == [open_lead]


def test_each_group_is_capped(ae, monkeypatch):
    monkeypatch.setattr(selectors, "ACCOUNT_LIMIT", 3)
    for n in range(5):
        AccountFactory(name=f"Fabrikam {n}", domain=f"fabrikam{n}.example")

    assert len(search(query="Fabrikam", user=ae).accounts) == 3


def test_a_query_under_two_characters_is_too_short(ae, northwind):
    results = search(query=" N ", user=ae)

    assert results.too_short
    assert results.found == 0


def test_an_empty_query_is_too_short(ae):
    assert search(query="", user=ae).too_short


def test_nothing_close_finds_nothing(ae, northwind, dana):
    results = search(query="Zyxwvut Qqq", user=ae)

    assert not results.too_short
    assert results.found == 0


def test_a_user_without_a_role_finds_nothing(northwind):
    results = search(query="Northwind Logistics", user=UserFactory())

    assert results.found == 0
    assert search(query="northwind-logistics.example", user=UserFactory()).jump_to is None
