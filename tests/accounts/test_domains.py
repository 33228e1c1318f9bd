"""An account's domains (accounts/domains.py) and its parent: the service, the database's rules
behind it, and the admin that edits both."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.domains import account_ids_by_domain, add_domain, make_primary, remove_domain
from accounts.models import Account, AccountDomain
from tests.factories import AccountFactory, UserFactory
from tests.qualification.test_admin import _form_data

pytestmark = pytest.mark.django_db


def domains_of(account: Account) -> list[tuple[str, bool]]:
    return list(account.domains.order_by("domain").values_list("domain", "is_primary"))


def assert_mirror_agrees(account: Account) -> None:
    """Account.domain is the primary AccountDomain's, in memory and stored."""
    stored = Account.objects.get(pk=account.pk).domain
    primary = account.domains.filter(is_primary=True).values_list("domain", flat=True).first()
    assert account.domain == stored == primary


class TestAddDomain:
    def test_the_first_domain_is_primary_and_mirrored_on_the_account(self):
        account = AccountFactory(domain=None)

        add_domain(account=account, domain="https://eu.acme.co.uk/pricing", reason="Website")

        assert domains_of(account) == [("acme.co.uk", True)]
        assert_mirror_agrees(account)
        row = account.domains.get().history.get()
        assert (row.history_type, row.history_change_reason) == ("+", "Website")

    def test_a_second_domain_is_not_primary_until_made_so(self):
        account = AccountFactory(domain="acme.com")
        second = add_domain(account=account, domain="www.acme.de")
        assert domains_of(account) == [("acme.com", True), ("acme.de", False)]

        make_primary(account_domain=second, actor=UserFactory(), reason="German HQ leads")

        assert domains_of(account) == [("acme.com", False), ("acme.de", True)]
        assert_mirror_agrees(account)
        assert account.history.first().history_change_reason == "German HQ leads"

    def test_a_domain_another_account_has_is_refused_with_its_name(self):
        AccountFactory(name="Acme Group", domain="acme.com")
        other = AccountFactory(domain="other.example")

        with pytest.raises(ValidationError) as refused:
            add_domain(account=other, domain="shop.acme.com")

        assert refused.value.message_dict == {"domain": ["acme.com already belongs to Acme Group."]}
        assert domains_of(other) == [("other.example", True)]

    @pytest.mark.parametrize("domain", ["gmail.com", "https://www.mailinator.com/"])
    def test_a_free_or_throwaway_mailbox_domain_is_refused(self, domain):
        account = AccountFactory(domain=None)
        with pytest.raises(ValidationError, match="nobody's company"):
            add_domain(account=account, domain=domain)
        assert domains_of(account) == []

    def test_removing_the_primary_promotes_the_oldest_other(self):
        account = AccountFactory(domain="acme.com")
        add_domain(account=account, domain="acme.de")
        add_domain(account=account, domain="acme.fr")

        remove_domain(account_domain=account.domains.get(domain="acme.com"), reason="Sold")

        assert domains_of(account) == [("acme.de", True), ("acme.fr", False)]
        account.refresh_from_db()
        assert_mirror_agrees(account)

    def test_removing_the_last_domain_clears_the_mirror(self):
        account = AccountFactory(domain="acme.com")
        remove_domain(account_domain=account.domains.get(), reason="Wrong company")
        assert domains_of(account) == [] and Account.objects.get(pk=account.pk).domain is None

    def test_lookups_find_an_account_by_any_of_its_domains_in_one_query(
        self, django_assert_num_queries
    ):
        acme = AccountFactory(domain="acme.com")
        add_domain(account=acme, domain="acme.co.uk")
        with django_assert_num_queries(1):
            found = account_ids_by_domain(["https://eu.acme.co.uk/", "acme.com", "nobody.example"])
        assert found == {"acme.co.uk": acme.pk, "acme.com": acme.pk}


class TestTheDatabaseHoldsTheRules:
    def test_a_domain_belongs_to_one_account_only(self):
        add_domain(account=AccountFactory(domain=None), domain="acme.com")
        with pytest.raises(IntegrityError), transaction.atomic():
            AccountDomain.objects.create(account=AccountFactory(domain=None), domain="ACME.com")

    def test_an_account_has_at_most_one_primary(self):
        account = AccountFactory(domain="acme.com")
        with pytest.raises(IntegrityError), transaction.atomic():
            AccountDomain.objects.create(account=account, domain="acme.de", is_primary=True)

    def test_a_domain_is_stored_as_its_registered_domain(self):
        row = AccountDomain.objects.create(
            account=AccountFactory(domain=None), domain="https://Shop.Example.COM.au/x"
        )
        row.refresh_from_db()
        assert row.domain == "example.com.au"


class TestParents:
    def test_children_are_listed_under_their_parent(self):
        group = AccountFactory(name="Acme Group")
        AccountFactory(name="Acme UK", parent=group)
        AccountFactory(name="Acme DE", parent=group)
        assert list(group.children.values_list("name", flat=True)) == ["Acme DE", "Acme UK"]

    def test_an_account_cannot_be_its_own_parent(self):
        account = AccountFactory()
        account.parent = account
        with pytest.raises(ValidationError) as refused:
            account.full_clean()
        assert refused.value.message_dict["parent"] == ["An account cannot be its own parent."]

    def test_a_loop_through_the_group_is_refused(self):
        group = AccountFactory(name="Acme Group")
        uk = AccountFactory(name="Acme UK", parent=group)
        london = AccountFactory(name="Acme London", parent=uk)
        group.parent = london
        with pytest.raises(ValidationError) as refused:
            group.full_clean()
        assert refused.value.message_dict["parent"] == [
            "Acme London already rolls up to Acme Group: that would be a loop."
        ]

    def test_a_parent_with_children_cannot_be_deleted(self):
        group = AccountFactory()
        AccountFactory(parent=group)
        with pytest.raises(Exception, match="protected"), transaction.atomic():
            group.delete()


class TestAdmin:
    def change(self, admin_client, account, **changes):
        url = reverse("admin:accounts_account_change", args=[account.pk])
        data = _form_data(admin_client.get(url))
        data.update(change_reason="Tidying the account", **changes)
        return admin_client.post(url, data)

    def test_a_second_domain_is_added_inline_and_made_primary(self, admin_client):
        account = AccountFactory(domain="acme.com")
        first = account.domains.get()

        response = self.change(
            admin_client,
            account,
            **{
                "domains-0-is_primary": "",  # unticked: the new row takes over
                "domains-1-domain": "https://www.acme.co.uk/",
                "domains-1-is_primary": "on",
            },
        )

        assert response.status_code == 302, response.context["errors"]
        assert domains_of(account) == [("acme.co.uk", True), ("acme.com", False)]
        account.refresh_from_db()
        assert_mirror_agrees(account)
        assert first.history.first().history_change_reason == "Tidying the account"

    def test_two_primaries_are_refused_beside_the_domains(self, admin_client):
        account = AccountFactory(domain="acme.com")
        response = self.change(
            admin_client,
            account,
            **{"domains-1-domain": "acme.de", "domains-1-is_primary": "on"},
        )
        assert response.status_code == 200
        assert "Mark exactly one domain as primary (2 are marked)." in response.content.decode()
        assert domains_of(account) == [("acme.com", True)]

    def test_a_free_mail_domain_is_refused_beside_its_field(self, admin_client):
        account = AccountFactory(domain="acme.com")
        response = self.change(admin_client, account, **{"domains-1-domain": "gmail.com"})
        assert response.status_code == 200
        assert "gmail.com is a free or throwaway mailbox provider" in response.content.decode()

    def test_another_accounts_domain_is_refused(self, admin_client):
        AccountFactory(domain="taken.example")
        account = AccountFactory(domain="acme.com")
        response = self.change(admin_client, account, **{"domains-1-domain": "taken.example"})
        assert response.status_code == 200
        assert "Another account already has this domain." in response.content.decode()

    def test_the_parent_is_chosen_with_autocomplete_and_a_loop_refused(self, admin_client):
        group = AccountFactory(name="Acme Group")
        uk = AccountFactory(name="Acme UK", parent=group)
        page = admin_client.get(reverse("admin:accounts_account_change", args=[group.pk]))
        assert "admin-autocomplete" in str(page.context["adminform"].form["parent"])

        response = self.change(admin_client, group, parent=str(uk.pk))

        assert response.status_code == 200
        assert "that would be a loop" in response.content.decode()
        group.refresh_from_db()
        assert group.parent is None

    def test_the_admin_search_finds_an_account_by_a_second_domain(self, admin_client):
        account = AccountFactory(name="Acme Group", domain="acme.com")
        add_domain(account=account, domain="acme-logistics.de")
        response = admin_client.get(
            reverse("admin:accounts_account_changelist"), {"q": "acme-logistics"}
        )
        assert list(response.context["cl"].result_list) == [account]
