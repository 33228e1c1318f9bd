"""The duplicates review in real Chromium: an SDR sees the hint on a queue row, opens the
side-by-side comparison, merges the pair choosing whose email wins, and undoes the merge; the
same works without JavaScript. Fixtures: tests/browser/conftest.py."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts import roles
from qualification.duplicates.candidates import Pair, record_candidates
from qualification.models import Activity, DuplicateCandidate, Lead, Stage
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    LeadFactory,
    SegmentFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path("/tmp/shots")


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"dupmerge-{name}.png"), full_page=True)


@pytest.fixture
def sven_twice():
    """Sven Hartmann twice at one account: Tom's SAL, and a newer MQL in the SDR's queue with
    another address and a phone."""
    sdr = UserFactory(username="sdr-dup", role=roles.SDR, first_name="Sara", last_name="Diaz")
    SegmentFactory(slug="core", name="Core").sdrs.add(sdr)
    tom = UserFactory(username="tom", first_name="Tom", last_name="Becker", role=roles.SDR)
    account = AccountFactory(name="Hartmann Logistik")
    kept = LeadFactory(
        stage=Stage.SAL,
        owner=tom,
        next_action="Discovery call",
        next_action_due=timezone.localdate() + dt.timedelta(days=3),
        contact=ContactFactory(
            account=account, first_name="Sven", last_name="Hartmann", email="sven@hartmann.example"
        ),
    )
    twin = LeadFactory(
        stage=Stage.MQL,
        sla_due_at=timezone.now() + dt.timedelta(hours=3),
        contact=ContactFactory(
            account=account,
            first_name="Sven",
            last_name="Hartman",
            email="s.hartmann@hartmann.example",
            phone="+49 30 1234567",
            title="Chief Operating Officer",
        ),
    )
    ActivityFactory(lead=twin, kind=Activity.Kind.DEMO_REQUEST)
    record_candidates(
        [Pair(kept.pk, twin.pk, 82, [{"key": "near name at account", "value": "sven hartman"}])]
    )
    return sdr, kept, twin


def test_a_queue_row_says_how_many_other_open_leads_its_account_has(
    page: Page, live_server, log_in, expect_accessible, sven_twice
):
    sdr, kept, twin = sven_twice
    # A third open lead at Hartmann Logistik, in another segment: the SAL and this one are the
    # "2 other open leads"; a disqualified one is not open.
    LeadFactory(
        stage=Stage.NEW,
        segment=SegmentFactory(slug="expansion", name="Expansion"),
        contact=ContactFactory(account=twin.account, first_name="Lena", last_name="Vogel"),
    )
    log_in(page, sdr)
    page.goto("/queue/")
    row = page.locator(f"#lead-{twin.pk}")
    expect(
        row.get_by_role("link", name="Possible duplicate of Sven Hartmann (SAL, Tom)")
    ).to_be_visible()
    others = row.get_by_role("link", name="2 other open leads from this account")
    expect(others).to_be_visible()
    expect_accessible(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    row.screenshot(path=str(SHOTS / "benchfinish-queue-row.png"))
    page.screenshot(path=str(SHOTS / "benchfinish-queue.png"), full_page=True)
    others.click()

    page.wait_for_url(f"**/accounts/{twin.account_id}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hartmann Logistik")


def test_an_sdr_merges_a_pair_from_the_side_by_side_and_undoes_it(
    page: Page, live_server, log_in, expect_accessible, sven_twice
):
    sdr, kept, twin = sven_twice
    log_in(page, sdr)
    page.goto("/queue/")
    hint = page.get_by_role("link", name="Possible duplicate of Sven Hartmann (SAL, Tom)")
    expect(hint).to_be_visible()
    shot(page, "queue-hint")
    hint.click()

    page.wait_for_url("**/duplicates/*/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sven Hartmann")
    expect_accessible(page)
    # The SAL is kept by default; its email is the default, the phone it lacks comes over.
    expect(page.get_by_label(f"Keep lead #{kept.pk}")).to_be_checked()
    expect(page.get_by_label("+49 30 1234567")).to_be_checked()
    page.get_by_label("s.hartmann@hartmann.example").check()
    page.get_by_role("button", name="Merge").click()

    # Refused: no reason given. The choice made is still there, the error beside the field.
    expect(page.locator("#reason-error")).to_have_text("Say why these are the same lead")
    expect(page.get_by_label("s.hartmann@hartmann.example")).to_be_checked()
    shot(page, "refused")
    page.get_by_label("Why these are the same").fill("Same man, surname misspelt on the form")
    page.get_by_role("button", name="Merge").click()

    page.wait_for_url("**/duplicates/merges/*/")
    expect(page.locator(".messages")).to_contain_text(f"Merged lead #{twin.pk} into #{kept.pk}")
    expect(page.locator(".facts")).to_contain_text("Email, Phone")
    expect_accessible(page)
    shot(page, "merged")
    twin.refresh_from_db()
    assert (twin.stage, twin.duplicate_of_id) == (Stage.DISQUALIFIED, kept.pk)
    assert Lead.objects.get(pk=kept.pk).contact.email == "s.hartmann@hartmann.example"

    page.get_by_role("button", name="Undo merge").click()
    page.wait_for_url(f"**/leads/{twin.pk}/")
    expect(page.locator(".messages")).to_contain_text("Merge undone")
    shot(page, "undone")
    twin.refresh_from_db()
    assert (twin.stage, twin.duplicate_of_id) == (Stage.MQL, None)
    assert Lead.objects.get(pk=kept.pk).contact.email == "sven@hartmann.example"
    assert Activity.objects.get().lead_id == twin.pk
    assert DuplicateCandidate.objects.get().status == "open"


def test_the_review_works_without_javascript(
    page_without_js: Page, live_server, log_in, sven_twice
):
    page = page_without_js
    sdr, kept, twin = sven_twice
    log_in(page, sdr)
    page.goto("/duplicates/")
    expect(page.locator(".dup-pair")).to_have_count(1)
    shot(page, "list")
    page.get_by_role("button", name="Not a duplicate").click()
    expect(page.locator(".messages")).to_contain_text("will not be suggested again")
    expect(page.get_by_text("No open duplicate pairs")).to_be_visible()
