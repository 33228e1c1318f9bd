import pytest
import requests
import tldextract
from django.db import IntegrityError, connection, transaction
from email_validator import EmailNotValidError, validate_email

from accounts import normalize
from accounts.models import Account, Contact
from accounts.normalize import (
    DISPOSABLE_DOMAINS,
    FREE_EMAIL_DOMAINS,
    domain_from_email,
    email_kind,
    is_company_domain,
    is_valid_email,
    normalize_domain,
    normalize_email,
    normalize_phone,
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


# The Public Suffix List, offline ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "registered"),
    [
        ("https://eu.acme.co.uk/pricing", "acme.co.uk"),
        ("shop.example.com.au", "example.com.au"),
        ("WWW.Acme.com", "acme.com"),
        ("mail.eu.acme.co.jp", "acme.co.jp"),
        ("https://investors.acme.com.br:443/", "acme.com.br"),
        ("jane@sales.acme.co.uk", "acme.co.uk"),
        # Fortune 500 websites as the 2017 list gives them (../shared/data).
        ("http://www.walmart.com", "walmart.com"),
        ("http://ir.yumchina.com", "yumchina.com"),
        ("http://www.coca-colacompany.com", "coca-colacompany.com"),
        ("http://www.express-scripts.com", "express-scripts.com"),
        # A top-level name the list lacks counts as one; a suffix or an IP stays whole.
        ("www.eu.northwind.example", "northwind.example"),
        ("co.uk", "co.uk"),
        ("10.1.2.3", "10.1.2.3"),
    ],
)
def test_hosts_reduce_to_the_registered_domain_by_the_public_suffix_list(raw, registered):
    assert normalize_domain(raw) == registered


def test_the_suffix_list_is_the_shipped_snapshot_and_nothing_is_downloaded_or_cached(
    monkeypatch, tmp_path
):
    # Any attempt to fetch the list would go through requests' Session.get: refuse it loudly.
    def no_network(*args, **kwargs):
        raise AssertionError(f"tldextract tried to download {args[1:]}")

    monkeypatch.setattr(requests.Session, "get", no_network)
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path))
    extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    assert extractor("https://eu.acme.co.uk/x").top_domain_under_public_suffix == "acme.co.uk"
    assert list(tmp_path.iterdir()) == []
    # The module's own extractor is built the same way.
    assert normalize._PSL.suffix_list_urls == ()
    assert normalize._PSL._cache.enabled is False
    normalize.normalize_domain.cache_clear()
    assert normalize.normalize_domain("shop.example.com.au") == "example.com.au"


@pytest.mark.parametrize(
    ("email", "kind"),
    [
        ("ana@yahoo.co.jp", "personal"),
        ("ana@proton.me", "personal"),
        ("ana@gmx.de", "personal"),
        ("x@guerrillamail.com", "disposable"),
        ("x@yopmail.com", "disposable"),
        ("x@10minutemail.com", "disposable"),
        ("ana@eu.acme.co.uk", "work"),
        ("ana@acme..com", "invalid"),
        ("ana@acme", "invalid"),
        ("ana @acme.com", "invalid"),
    ],
)
def test_email_kind_reads_the_maintained_lists_and_the_validator(email, kind):
    assert email_kind(email) == kind


def test_a_disposable_domain_on_both_lists_is_disposable():
    both = sorted(DISPOSABLE_DOMAINS & FREE_EMAIL_DOMAINS)
    assert both  # the free list holds some throwaway inboxes: disposable is checked first
    assert email_kind(f"x@{both[0]}") == "disposable"


def test_free_and_disposable_domains_are_nobodys_company():
    assert not is_company_domain("gmail.com")
    assert not is_company_domain("https://www.mailinator.com/")
    assert is_company_domain("eu.acme.co.uk")


# Phones in E.164 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "country", "e164"),
    [
        ("020 7946 0000", "GB", "+442079460000"),
        ("+44 (0)20 7946 0000", "", "+442079460000"),
        ("0044 20 7946 0000", "GB", "+442079460000"),
        ("(415) 555-0100", "US", "+14155550100"),
        ("415.555.0100", "us", "+14155550100"),
        ("479-273-4000", "US", "+14792734000"),  # Walmart's, from the Fortune 500 list
        ("030 1234567", "DE", "+49301234567"),
        ("+91 98765 43210", "GB", "+919876543210"),  # a + wins over the country
    ],
)
def test_phones_are_written_in_e164(typed, country, e164):
    assert normalize_phone(typed, country) == e164


@pytest.mark.parametrize(
    ("typed", "country"), [("call me", "GB"), ("+44 1", "GB"), ("12", "US"), ("020 7946", "")]
)
def test_what_is_no_phone_number_gives_nothing(typed, country):
    assert normalize_phone(typed, country) == ""


@pytest.mark.parametrize(
    "email",
    [
        "ana@acme.com",
        "ana.lee+crm@eu.acme.co.uk",
        "a-b_c@acme.io",
        "ana@acme.test",  # a special-use name: refused by the validator, however plain the mailbox
        "ana@acme..com",
        "ana@-acme.com",
        "ana@acme",
        "ana@müller.de",
        "ana..lee@acme.com",
        ".ana@acme.com",
        "ana.@acme.com",
        '"ana lee"@acme.com',
        "ana(comment)@acme.com",
        "ana lee@acme.com",
        "ännä@acme.com",
        "x" * 64 + "@acme.com",
        "x" * 70 + "@acme.com",
        "ana@" + "a" * 64 + ".com",
        "ana@" + ".".join(["a" * 60] * 4) + ".com",
        "@acme.com",
        "ana@",
    ],
)
def test_the_plain_mailbox_shortcut_agrees_with_the_validator(email):
    try:
        validate_email(email, check_deliverability=False)
        valid = True
    except EmailNotValidError:
        valid = False
    assert is_valid_email(email) is valid
