"""The match review in real Chromium: RevOps opens /matches/, reads a waiting lead's candidate
accounts with their confidence and reasons, links the lead to one with one click, and the
account page then lists the lead. The match is made by intake, as a web form's lead would be.
Fixtures: tests/browser/conftest.py."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts import roles
from qualification.intake.batch import ingest
from qualification.intake.rows import LeadRow
from qualification.models import AccountMatch, Lead
from tests.factories import AccountFactory, SegmentFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path("/tmp/shots")


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"finish13-{name}.png"), full_page=True)


@pytest.fixture
def waiting_lead():
    """A lead whose typed company is close to Copperleaf Finance's name, not close enough to
    link by itself: intake leaves it in the match review."""
    copperleaf = AccountFactory(name="Copperleaf Finance", domain="copperleaffinance.example")
    AccountFactory(name="Contoso Pharma", domain="contoso.example")
    [result] = ingest(
        [
            LeadRow(
                line=1,
                first_name="Priya",
                last_name="Natarajan",
                email="priya.natarajan@copperleaf-fin.example",
                company="Copperleaf Financial",
            )
        ],
        segment=SegmentFactory(),
        source_system="browser-test",
    )
    match = AccountMatch.objects.get(lead__contact__email="priya.natarajan@copperleaf-fin.example")
    assert match.outcome == AccountMatch.Outcome.REVIEW, result
    return match, copperleaf


def test_revops_links_a_waiting_lead_to_its_candidate_and_the_account_page_lists_it(
    page: Page, live_server, log_in, expect_accessible, waiting_lead
):
    match, copperleaf = waiting_lead
    revops = UserFactory(username="revops-matches", role=roles.REVOPS, is_staff=True)
    log_in(page, revops)

    # Before: the account page names the lead waiting for it, with a way to the review.
    page.goto(f"/accounts/{copperleaf.pk}/")
    waiting_here = page.locator("#match-candidates")
    expect(waiting_here).to_contain_text("Priya Natarajan")
    expect(waiting_here).to_contain_text("“Copperleaf Financial”")
    shot(page, "account-before")
    waiting_here.get_by_role("link", name="Review the match").click()
    page.wait_for_url(f"**/matches/#match-{match.pk}")
    waiting = page.locator(f"#match-{match.pk}")
    expect(waiting).to_contain_text("Copperleaf Financial")
    expect(waiting).to_contain_text("Priya Natarajan")
    row = waiting.locator("tbody tr", has_text="Copperleaf Finance")
    candidate = match.candidates.get(account=copperleaf)
    expect(row).to_contain_text(str(candidate.confidence))
    expect(row).to_contain_text("name")
    expect_accessible(page)
    shot(page, "match-review")

    row.get_by_role("button", name="Link to Copperleaf Finance").click()
    page.wait_for_load_state()
    expect(page.locator(f"#match-{match.pk}")).to_have_count(0)
    shot(page, "after-link")

    page.goto(f"/accounts/{copperleaf.pk}/")
    leads = page.locator("#leads")
    expect(leads).to_contain_text("Priya Natarajan")
    expect(page.locator("#match-candidates")).to_contain_text(
        "No lead waits to be matched to this account."
    )
    shot(page, "account-page")
    lead = Lead.objects.get(pk=match.lead_id)
    assert lead.account == copperleaf and lead.contact.account == copperleaf
