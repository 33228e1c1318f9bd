"""The search page (qualification/web/search/views.py): who may open it, the jumps (302), the
grouped results, the empty states, the header's box on every page, and what it costs."""

import pytest
from django.urls import reverse

from accounts import roles
from qualification.models import Stage
from tests.factories import AccountFactory, ContactFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("qualification:search")


@pytest.fixture
def northwind():
    return AccountFactory(name="Northwind Logistics", domain="northwind-logistics.example")


@pytest.fixture
def dana_lead(northwind):
    dana = ContactFactory(
        account=northwind,
        first_name="Dana",
        last_name="Whitley",
        email="dana.whitley@northwind-logistics.example",
    )
    return LeadFactory(contact=dana, stage=Stage.MQL)


@pytest.mark.parametrize("role", roles.ROLES)
def test_every_role_may_search(client, role, northwind):
    client.force_login(UserFactory(role=role))

    response = client.get(URL, {"q": "Northwnd"})

    assert response.status_code == 200
    assert "Northwind Logistics" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(URL, {"q": "Northwind"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_misspelt_company_lists_the_account_with_a_link(client, ae, northwind):
    client.force_login(ae)

    html = client.get(URL, {"q": "Northwnd Logistcs"}).content.decode()

    assert f'href="{reverse("qualification:account-detail", args=[northwind.pk])}"' in html
    assert 'id="search-accounts"' in html


def test_an_exact_email_jumps_to_the_persons_lead(client, ae, dana_lead):
    client.force_login(ae)

    response = client.get(URL, {"q": dana_lead.contact.email})

    assert response.status_code == 302
    assert response.url == reverse("qualification:lead-detail", args=[dana_lead.pk])


@pytest.mark.parametrize(
    "pasted", ["northwind-logistics.example", "https://www.northwind-logistics.example/about"]
)
def test_a_domain_or_website_jumps_to_the_account(client, ae, northwind, pasted):
    client.force_login(ae)

    response = client.get(URL, {"q": pasted})

    assert response.status_code == 302
    assert response.url == reverse("qualification:account-detail", args=[northwind.pk])


def test_a_lead_number_jumps_to_the_lead(client, ae, dana_lead):
    client.force_login(ae)

    response = client.get(URL, {"q": f"#{dana_lead.pk}"})

    assert response.status_code == 302
    assert response.url == reverse("qualification:lead-detail", args=[dana_lead.pk])


def test_a_person_links_to_their_latest_lead(client, ae, dana_lead):
    client.force_login(ae)

    html = client.get(URL, {"q": "Dana Whitley"}).content.decode()

    assert (
        f'href="{reverse("qualification:lead-detail", args=[dana_lead.pk])}">Dana Whitley' in html
    )


@pytest.mark.parametrize("query", ["", "N"])
def test_an_empty_or_short_query_explains_what_to_type(client, ae, query):
    client.force_login(ae)

    response = client.get(URL, {"q": query})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="search-empty"' in html
    assert "lead number (#123)" in html


def test_no_results_says_so(client, ae, northwind):
    client.force_login(ae)

    html = client.get(URL, {"q": "Zyxwvut Qqq"}).content.decode()

    assert "Nothing matches “Zyxwvut Qqq”." in html


def test_the_header_carries_the_search_box_on_every_page(client, ae):
    client.force_login(ae)

    html = client.get(reverse("qualification:lead-list")).content.decode()

    assert f'action="{URL}"' in html
    assert 'placeholder="People, accounts, lead #"' in html
    assert '<label for="header-search"' in html
    assert "js/search.js" in html


def test_the_search_box_keeps_the_query_on_the_results_page(client, ae):
    client.force_login(ae)

    html = client.get(URL, {"q": "Northwind"}).content.decode()

    assert 'value="Northwind"' in html


def test_a_search_runs_a_fixed_number_of_queries(client, ae, django_assert_num_queries):
    for n in range(6):
        account = AccountFactory(name=f"Northwind Logistics {n}", domain=f"nw{n}.example")
        contact = ContactFactory(account=account, first_name="Northwind", last_name=f"Fan {n}")
        LeadFactory(contact=contact, stage=Stage.MQL)
    client.force_login(ae)
    # session, user, roles; accounts (owner); people (account, latest lead); leads at the best
    # accounts (contact, account, owner, segment)
    with django_assert_num_queries(6):
        response = client.get(URL, {"q": "Northwind Logistics"})
    assert response.status_code == 200


def test_a_jump_runs_one_query_after_the_login(client, ae, dana_lead, django_assert_num_queries):
    client.force_login(ae)
    with django_assert_num_queries(4):
        response = client.get(URL, {"q": dana_lead.contact.email})
    assert response.status_code == 302
