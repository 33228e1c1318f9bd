"""The header search in real Chromium: an AE presses Ctrl-K, types a misspelt company, opens the
account and sees its people and leads; and the same without JavaScript, through the plain form.
Fixtures: tests/browser/conftest.py."""

import pytest
from playwright.sync_api import Page, expect

from accounts import roles
from qualification.models import Stage
from tests.factories import AccountFactory, ContactFactory, LeadFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def northwind():
    """An AE, and Northwind Logistics with two people and their leads, beside another company."""
    ae = UserFactory(username="ae-search", role=roles.AE, first_name="Ana", last_name="Ruiz")
    account = AccountFactory(name="Northwind Logistics", domain="northwind-logistics.example")
    AccountFactory(name="Contoso Pharma", domain="contoso.example")
    dana = ContactFactory(account=account, first_name="Dana", last_name="Whitley", title="CFO")
    omar = ContactFactory(account=account, first_name="Omar", last_name="Haddad")
    leads = [
        LeadFactory(contact=dana, stage=Stage.SAL, owner=ae),
        LeadFactory(contact=omar, stage=Stage.MQL),
    ]
    return ae, account, leads


def test_an_ae_finds_a_misspelt_company_with_ctrl_k_and_opens_it(
    page: Page, live_server, log_in, expect_accessible, northwind
):
    ae, account, leads = northwind
    log_in(page, ae)
    page.goto("/leads/")

    page.keyboard.press("Control+K")
    box = page.get_by_label("Search")
    expect(box).to_be_focused()
    page.keyboard.type("Northwnd Logistcs")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=Northwnd+Logistcs")

    accounts = page.locator("#search-accounts")
    expect(accounts.get_by_role("link")).to_have_text(["Northwind Logistics"])
    expect(page.locator("#search-leads li")).to_have_count(2)
    expect_accessible(page)

    accounts.get_by_role("link", name="Northwind Logistics").click()
    page.wait_for_url(f"**/accounts/{account.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind Logistics")
    expect(page.locator("#contacts")).to_contain_text("Dana Whitley")
    expect(page.locator("#contacts")).to_contain_text("Omar Haddad")
    for lead in leads:
        expect(page.locator(f'#leads [data-lead="{lead.pk}"]')).to_be_visible()


def test_ctrl_k_reaches_the_box_from_another_field(page: Page, live_server, log_in, northwind):
    ae, _account, _leads = northwind
    log_in(page, ae)
    page.goto("/leads/")
    page.get_by_label("Stage").focus()

    page.keyboard.press("Control+K")

    expect(page.get_by_label("Search")).to_be_focused()


def test_a_pasted_email_opens_the_persons_lead(page: Page, live_server, log_in, northwind):
    ae, _account, leads = northwind
    log_in(page, ae)

    page.get_by_label("Search").fill(leads[0].contact.email)
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/leads/{leads[0].pk}/")


def test_search_works_without_javascript(page_without_js: Page, live_server, log_in, northwind):
    ae, account, _leads = northwind
    log_in(page_without_js, ae)

    page_without_js.get_by_label("Search").fill("northwind logistcs")
    page_without_js.get_by_label("Search").press("Enter")

    page_without_js.wait_for_url("**/search/?q=*")
    page_without_js.locator("#search-accounts").get_by_role("link").first.click()
    page_without_js.wait_for_url(f"**/accounts/{account.pk}/")
