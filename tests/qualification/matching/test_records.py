"""Matching from the admin: the "Match to an account" action over leads without an account."""

import pytest
from django.urls import reverse

from accounts.models import Account
from qualification.models import AccountMatch, MatchSettings
from tests.factories import AccountFactory, ContactFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_the_admin_action_links_reviews_and_makes_accounts(client, revops):
    acme = AccountFactory(name="Acme Logistics", domain="acmelogistics.com", country="GB")
    AccountFactory(name="Tyrell Corporation", domain="tyrell.example", country="")
    linked = LeadFactory(
        contact=ContactFactory(account=None, email="a@gmail.com", country="GB"),
        account=None,
        form_answers={"Company": "ACME Logistics, LLC"},
    )
    review = LeadFactory(
        contact=ContactFactory(account=None, email="b@gmail.com", country=""),
        account=None,
        form_answers={"Company": "Tyrel Corporation"},
    )
    new = LeadFactory(
        contact=ContactFactory(account=None, email="c@gmail.com"),
        account=None,
        form_answers={"Company": "Zeta Analytics"},
    )
    client.force_login(revops)
    response = client.post(
        reverse("admin:qualification_lead_changelist"),
        {"action": "match_to_an_account", "_selected_action": [linked.pk, review.pk, new.pk]},
        follow=True,
    )
    assert "1 linked, 1 in match review, 1 new accounts" in response.content.decode()
    linked.refresh_from_db()
    review.refresh_from_db()
    new.refresh_from_db()
    assert linked.account == acme and linked.contact.account == acme
    assert review.account is None
    assert new.account == Account.objects.get(name="Zeta Analytics")
    assert dict(AccountMatch.objects.values_list("lead", "outcome")) == {
        linked.pk: "linked",
        review.pk: "review",
        new.pk: "new",
    }
    assert linked.history.first().history_change_reason.startswith("Matched to Acme Logistics")


def test_revops_tunes_the_thresholds_in_the_admin_and_they_keep_history(client, revops):
    settings = MatchSettings.load()
    client.force_login(revops)
    url = reverse("admin:qualification_matchsettings_change", args=[settings.pk])
    response = client.post(
        url,
        {
            "upper_threshold": "0.95",
            "lower_threshold": "0.97",
            "tie_breakers": '["customer"]',
            "change_reason": "Try",
        },
    )
    assert response.status_code == 200  # refused: lower above upper
    assert "cannot be above" in response.content.decode()
    response = client.post(
        url,
        {
            "upper_threshold": "0.95",
            "lower_threshold": "0.70",
            "tie_breakers": '["has_owner", "customer"]',
            "change_reason": "Fewer false links",
        },
    )
    assert response.status_code == 302
    settings.refresh_from_db()
    assert settings.tie_breakers == ["has_owner", "customer"]
    assert settings.history.count() == 2
