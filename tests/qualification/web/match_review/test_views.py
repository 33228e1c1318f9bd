"""The match review page and its one POST: who sees what, and each way to resolve a match."""

import pytest
from django.urls import reverse

from accounts.models import Account
from qualification.matching.companies import CompanyFacts, match_companies
from qualification.matching.records import record_match
from qualification.models import AccountMatch, Stage
from tests.factories import AccountFactory, ContactFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("qualification:match-review")


@pytest.fixture
def waiting(sdr):
    """A lead of `sdr`'s typed "Tyrel Corporation"; two accounts come close."""
    tyrell = AccountFactory(name="Tyrell Corporation", domain="tyrell.example", country="")
    AccountFactory(name="Tyrell Corp Europe", domain="tyrell.eu.example", country="")
    contact = ContactFactory(account=None, email="roy@gmail.com")
    lead = LeadFactory(contact=contact, account=None, stage=Stage.SAL, owner=sdr)
    decision = match_companies([CompanyFacts("Tyrel Corporation")])[0]
    assert decision.outcome == AccountMatch.Outcome.REVIEW
    return record_match(decision, lead=lead, contact=contact), tyrell


def resolve_url(match) -> str:
    return reverse("qualification:resolve-match", args=[match.pk])


def test_revops_sees_every_waiting_match_with_its_candidates(
    client, revops, waiting, django_assert_num_queries
):
    match, tyrell = waiting
    client.force_login(revops)
    client.get(PAGE)  # warm the session and the user's roles
    with django_assert_num_queries(5):
        response = client.get(PAGE)
    body = response.content.decode()
    assert "Tyrel Corporation" in body and "Tyrell Corporation" in body
    assert "name 0." in body
    assert f'value="{tyrell.pk}"' in body


def test_an_sdr_sees_only_the_matches_of_their_own_leads(client, sdr, waiting):
    other = UserFactory(username="sdr2", role="SDR")
    client.force_login(other)
    assert "Tyrel Corporation" not in client.get(PAGE).content.decode()
    client.force_login(sdr)
    assert "Tyrel Corporation" in client.get(PAGE).content.decode()


def test_linking_to_a_candidate_gives_the_lead_and_contact_the_account(client, revops, waiting):
    match, tyrell = waiting
    client.force_login(revops)
    response = client.post(resolve_url(match), {"action": "candidate", "account": tyrell.pk})
    assert response.status_code == 302
    match.refresh_from_db()
    assert (match.outcome, match.resolution, match.account, match.resolved_by) == (
        "linked",
        "candidate",
        tyrell,
        revops,
    )
    assert match.lead.account == tyrell and match.contact.account == tyrell
    assert match.history.first().history_change_reason.startswith("Linked to candidate")


def test_picking_another_account_by_its_domain(client, manager, waiting):
    match, _ = waiting
    other = AccountFactory(name="Wallace Corp", domain="wallace.example")
    client.force_login(manager)
    client.post(resolve_url(match), {"action": "other", "other": "https://wallace.example/"})
    match.refresh_from_db()
    assert (match.resolution, match.account) == ("other", other)


def test_making_a_new_account_from_what_the_lead_typed(client, sdr, waiting):
    match, _ = waiting
    client.force_login(sdr)
    client.post(resolve_url(match), {"action": "new"})
    match.refresh_from_db()
    assert match.outcome == "new" and match.account.name == "Tyrel Corporation"
    assert match.lead.account == match.account


def test_a_match_resolved_once_is_refused_the_second_time(client, revops, waiting):
    match, tyrell = waiting
    client.force_login(revops)
    client.post(resolve_url(match), {"action": "new"})
    count = Account.objects.count()
    response = client.post(
        resolve_url(match), {"action": "candidate", "account": tyrell.pk}, follow=True
    )
    assert "Already resolved by" in response.content.decode()
    assert Account.objects.count() == count


def test_an_sdr_may_not_resolve_another_sdrs_lead(client, waiting):
    match, _ = waiting
    client.force_login(UserFactory(username="sdr2", role="SDR"))
    assert client.post(resolve_url(match), {"action": "new"}).status_code == 404
    match.refresh_from_db()
    assert match.outcome == "review"


def test_an_account_not_among_the_candidates_is_refused(client, revops, waiting):
    match, _ = waiting
    stranger = AccountFactory(name="Stranger")
    client.force_login(revops)
    response = client.post(
        resolve_url(match), {"action": "candidate", "account": stranger.pk}, follow=True
    )
    assert "not one of this match" in response.content.decode()


def test_it_rejects_get(client, revops, waiting):
    client.force_login(revops)
    assert client.get(resolve_url(waiting[0])).status_code == 405


def test_the_lead_page_says_where_the_lead_waits(client, sdr, waiting):
    match, _ = waiting
    client.force_login(sdr)
    body = client.get(reverse("qualification:lead-detail", args=[match.lead.pk])).content.decode()
    assert "waits in" in body and "match review" in body and "name 0." in body


def test_the_lead_page_says_what_the_lead_was_matched_to_and_why(client, sdr):
    owner = UserFactory(username="ana", first_name="Ana", last_name="Silva", role="AE")
    acme = AccountFactory(
        name="Acme Group", domain="acme.com", country="GB", relationship="customer", owner=owner
    )
    contact = ContactFactory(account=acme, email="jo@gmail.com")
    lead = LeadFactory(contact=contact, account=acme)
    decision = match_companies(
        [CompanyFacts("ACME Group Ltd", email_domain="acme.de", country="GB")]
    )[0]
    record_match(decision, lead=lead, contact=contact)
    client.force_login(sdr)
    body = client.get(reverse("qualification:lead-detail", args=[lead.pk])).content.decode()
    assert "Matched to Acme Group (customer, owner Ana Silva): name 1.00 + domain" in body
