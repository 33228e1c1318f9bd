import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import Account, Contact
from accounts.normalize import (
    domain_from_email,
    email_kind,
    normalize_domain,
    normalize_email,
    title_to_persona,
)
from accounts.personas import Function, Seniority, function_label
from tests.factories import AccountFactory, ContactFactory


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Acme.COM", "acme.com"),
        ("https://www.acme.com/x", "acme.com"),
        ("  http://WWW.Acme.com:8080/pricing?q=1 ", "acme.com"),
        ("www.acme.co.uk/", "acme.co.uk"),
        ("acme.com.", "acme.com"),
        ("sales@Acme.com", "acme.com"),
        ("", ""),
        (None, ""),
    ],
)
def test_domains_are_reduced_to_the_bare_lower_case_host(raw, expected):
    assert normalize_domain(raw) == expected


def test_emails_are_trimmed_and_lower_cased():
    assert normalize_email("  Jane.Doe@Acme.COM ") == "jane.doe@acme.com"
    assert domain_from_email("Jane@WWW.Acme.com") == "acme.com"


@pytest.mark.parametrize(
    ("email", "kind"),
    [
        ("jane@acme.com", "work"),
        ("jane@Gmail.com", "personal"),
        ("x@mailinator.com", "disposable"),
        ("not-an-email", "invalid"),
        ("", "invalid"),
    ],
)
def test_email_kind(email, kind):
    assert email_kind(email) == kind


@pytest.mark.parametrize(
    ("title", "persona"),
    [
        ("Chief Financial Officer", ("finance", "c_level")),
        ("VP of Engineering", ("it_engineering", "vp")),
        ("Marketing DIrector", ("marketing", "director")),
        ("owner", ("executive", "c_level")),
        ("Procurement Manager", ("operations", "manager")),
        ("Student", ("student", "student")),
        ("N/A", ("", "")),
        ("", ("", "")),
    ],
)
def test_titles_map_to_a_function_and_seniority(title, persona):
    assert title_to_persona(title) == persona


@pytest.mark.django_db
class TestAccountDomain:
    def test_it_is_normalised_on_save(self):
        account = AccountFactory(domain="https://www.Acme.COM/pricing")
        account.refresh_from_db()
        assert account.domain == "acme.com"

    def test_two_spellings_of_one_domain_are_one_account(self):
        AccountFactory(domain="Acme.COM")
        with pytest.raises(IntegrityError), transaction.atomic():
            AccountFactory(domain="https://www.acme.com/x")
        assert Account.objects.count() == 1

    def test_lookups_normalise_too(self):
        account = AccountFactory(domain="acme.com")
        assert Account.objects.get(domain="https://www.ACME.com/x") == account

    def test_blank_domains_do_not_collide(self):
        AccountFactory(domain="")
        AccountFactory(domain="  ")
        assert Account.objects.filter(domain__isnull=True).count() == 2

    def test_the_database_refuses_an_upper_case_domain_written_raw(self):
        if connection.vendor != "postgresql":
            pytest.skip("raw write check on PostgreSQL")
        account = AccountFactory(domain="acme.com")
        with connection.cursor() as cursor, pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute(
                "UPDATE accounts_account SET domain = 'ACME.COM' WHERE id = %s", [account.pk]
            )


@pytest.mark.django_db
class TestContactEmail:
    def test_it_is_normalised_and_unique(self):
        contact = ContactFactory(email="  Jane@Acme.COM ")
        contact.refresh_from_db()
        assert contact.email == "jane@acme.com"
        with pytest.raises(IntegrityError), transaction.atomic():
            ContactFactory(email="JANE@acme.com")
        assert Contact.objects.get(email="Jane@ACME.com") == contact

    def test_contacts_without_email_may_coexist(self):
        ContactFactory(email="")
        ContactFactory(email=None)
        assert Contact.objects.filter(email__isnull=True).count() == 2


def test_a_persona_reads_as_people_say_it():

    assert Contact(persona_seniority="vp", persona_function="sales").persona == "VP · Sales"
    assert Contact(persona_seniority="c_level", persona_function="it_engineering").persona == (
        "C-level · IT & engineering"
    )
    assert Contact().persona == ""


def test_every_persona_the_titles_give_is_a_choice_people_can_read():
    """The rules name only stored choices, so the persona and metrics always have a label."""
    titles = [
        "CFO",
        "VP Sales",
        "Director of IT",
        "Marketing Manager",
        "Student",
        "Analyst",
        "Head of People",
        "Procurement Lead",
        "Product Owner",
        "Founder",
    ]
    for title in titles:
        function, seniority = title_to_persona(title)
        assert function in Function.values and seniority in Seniority.values, title
    assert function_label("it_engineering") == "IT & engineering"
    assert function_label("retired_value") == "Retired value"
