"""The account page in real Chromium: an AE goes from a lead to its account and finds the
account's people and leads, with JavaScript and without. Fixtures: tests/browser/conftest.py."""

import pytest
from playwright.sync_api import Page, expect

from accounts import roles
from accounts.models import BuyingGroupRole
from qualification.models import Stage
from tests.factories import (
    AccountFactory,
    BuyingGroupRoleFactory,
    ContactFactory,
    LeadFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def acme_lead():
    """An AE's SAL at Acme, whose account also holds a CFO mapped as economic buyer and an MQL
    of another person."""
    ae = UserFactory(username="ae-account", role=roles.AE, first_name="Ana", last_name="Ruiz")
    acme = AccountFactory(name="Acme Logistics", icp_reasons=["Industry is logistics (+30)"])
    lead = LeadFactory(
        stage=Stage.SAL, owner=ae, contact=ContactFactory(account=acme, first_name="Nadia")
    )
    cfo = ContactFactory(account=acme, first_name="Dana", last_name="Whitley", title="CFO")
    BuyingGroupRoleFactory(contact=cfo, role=BuyingGroupRole.Role.ECONOMIC_BUYER)
    other = LeadFactory(stage=Stage.MQL, contact=ContactFactory(account=acme, first_name="Omar"))
    return ae, acme, lead, other


def open_account_from_lead(page: Page, log_in, acme_lead) -> None:
    ae, acme, lead, other = acme_lead
    log_in(page, ae)
    page.goto(f"/leads/{lead.pk}/")
    page.locator("[data-account-link]").click()
    page.wait_for_url(f"**/accounts/{acme.pk}/")


def test_an_ae_goes_from_a_lead_to_its_account_and_sees_its_people_and_leads(
    page: Page, live_server, log_in, expect_accessible, acme_lead
):
    _ae, acme, lead, other = acme_lead
    open_account_from_lead(page, log_in, acme_lead)

    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Logistics")
    contacts = page.locator("#contacts")
    expect(contacts.locator("tbody tr")).to_have_count(3)
    expect(contacts).to_contain_text("Dana Whitley")
    expect(contacts.locator("tbody tr", has_text="Dana Whitley")).to_contain_text("Economic buyer")
    leads = page.locator("#leads")
    expect(leads.locator("tbody tr")).to_have_count(2)
    expect(leads.locator(f'[data-lead="{other.pk}"]')).to_contain_text("MQL")
    expect(page.locator(".icp-reasons")).to_contain_text("Industry is logistics (+30)")
    expect_accessible(page)

    # And back to a lead from its row.
    leads.get_by_role("link", name=str(lead.contact)).click()
    page.wait_for_url(f"**/leads/{lead.pk}/")


def test_the_account_page_works_without_javascript(
    page_without_js: Page, live_server, log_in, acme_lead
):
    open_account_from_lead(page_without_js, log_in, acme_lead)

    expect(page_without_js.locator("#contacts tbody tr")).to_have_count(3)
    expect(page_without_js.locator("#leads tbody tr")).to_have_count(2)
