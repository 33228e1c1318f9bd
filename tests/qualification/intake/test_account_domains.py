"""How intake finds a lead's account by domain, on every path a lead arrives by (the JSON
web-form intake, over HTTP and as the service, and the CSV import): any of the account's
domains, the registered domain of a subdomain, and never a free or throwaway mailbox's."""

import json

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from accounts.domains import add_domain
from accounts.models import Account, AccountDomain, Contact
from qualification.intake.idempotent import take_intake_call
from qualification.intake.import_jobs import run_import_job
from qualification.intake.web_form import issue_token
from qualification.models import ImportJob, IntakeSource, Lead
from tests.factories import AccountFactory, SegmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def segment():
    return SegmentFactory(slug="core", name="Core")


@pytest.fixture
def acme():
    """Acme Group: acme.com, and its UK business on acme.co.uk."""
    account = AccountFactory(name="Acme Group", domain="acme.com")
    add_domain(account=account, domain="acme.co.uk", reason="UK business")
    return account


@pytest.fixture
def source(segment):
    source = IntakeSource(name="Website demo form", segment=segment, default_source="demo_request")
    source.secret = issue_token(source)
    source.save()
    return source


def post_json(source, body, key="k-1"):
    return Client(enforce_csrf_checks=True).post(
        "/api/intake/leads/",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {source.secret}", "Idempotency-Key": key},
    )


def import_csv(segment, text: str) -> ImportJob:
    job = ImportJob(original_name="leads.csv", segment=segment, source_system="test")
    job.file.save("leads.csv", ContentFile(text.encode()), save=False)
    job.save()
    return run_import_job(job.pk)


def accounts_and_domains() -> tuple[int, int]:
    return Account.objects.count(), AccountDomain.objects.count()


class TestASecondDomainJoinsTheAccount:
    def test_through_the_json_api(self, source, acme):
        response = post_json(source, {"email": "ana@eu.acme.co.uk", "company": "ACME UK Ltd"})

        assert response.status_code == 202, response.content
        lead = Lead.objects.select_related("account").get(pk=response.json()["id"])
        assert lead.account == acme
        assert accounts_and_domains() == (1, 2)

    def test_through_the_web_form_intake_service(self, source, acme):
        body = json.dumps({"email": "Ben@Acme.co.uk", "first_name": "Ben"}).encode()
        taken = take_intake_call(
            source=source, key="form-1", body=body, now=timezone.now(), after_commit=list
        )
        assert taken.record.lead.account == acme
        assert accounts_and_domains() == (1, 2)

    def test_through_the_csv_import(self, segment, acme):
        job = import_csv(
            segment,
            "Email,Company,Website\n"
            "ana@acme.co.uk,Acme UK,\n"
            "ben@shop.acme.com,Acme,\n"
            "cy@gmail.com,Acme UK,https://eu.acme.co.uk/about\n",
        )

        assert job.created_count == 3, list(job.rows.values_list("message", flat=True))
        assert set(Lead.objects.values_list("account", flat=True)) == {acme.pk}
        assert accounts_and_domains() == (1, 2)

    def test_the_import_finds_every_domain_of_a_batch_in_one_query(
        self, segment, acme, django_assert_max_num_queries
    ):
        # Imports are set-based: the domain lookup is one query per batch, not per row.
        rows = "".join(f"p{n}@{('acme.com', 'acme.co.uk')[n % 2]},Acme\n" for n in range(40))
        import_csv(segment, "Email,Company\n" + rows)  # warm up the ICP settings and the like
        rows = "".join(f"q{n}@{('acme.com', 'acme.co.uk')[n % 2]},Acme\n" for n in range(40))
        with django_assert_max_num_queries(60) as queries:
            job = import_csv(segment, "Email,Company\n" + rows)
        assert job.created_count == 40
        domain_lookups = [
            q for q in queries.captured_queries if "accounts_accountdomain" in q["sql"]
        ]
        assert len([q for q in domain_lookups if q["sql"].startswith("SELECT")]) == 1


class TestFreeMailNeverMakesAnAccount:
    def test_a_gmail_lead_with_no_website_has_no_account(self, segment):
        job = import_csv(segment, "Email,Company\nana@gmail.com,ACME Logistics LLC\n")

        assert job.created_count == 1
        contact = Contact.objects.get()
        assert contact.email_kind == "personal"
        # The company's name still names an account (matching: nothing came close, so a new
        # one), but gmail.com is none of its domains.
        assert contact.account.name == "ACME Logistics"
        assert accounts_and_domains() == (1, 0)
        assert Lead.objects.get().form_answers["Company"] == "ACME Logistics LLC"

    def test_a_free_mail_website_makes_no_account_either(self, segment):
        job = import_csv(segment, "Email,Website\nana@gmail.com,https://www.gmail.com/\n")
        assert job.created_count == 1
        assert accounts_and_domains() == (0, 0)

    def test_a_disposable_address_is_kept_as_disposable_and_matches_nobody(self, source):
        AccountFactory(domain="acme.com")
        response = post_json(source, {"email": "x@mailinator.com", "company": "Acme"})

        assert response.status_code == 202, response.content
        lead = Lead.objects.select_related("contact").get(pk=response.json()["id"])
        assert lead.contact.email_kind == "disposable"
        # mailinator.com matches nobody; the typed "Acme" is matched by name (a new account).
        assert (lead.account.name, lead.account.domain) == ("Acme", None)
        assert accounts_and_domains() == (2, 1)

    def test_a_work_email_still_wins_over_a_website(self, segment):
        import_csv(segment, "Email,Website\nana@eu.northwind.co.uk,https://www.gmail.com/\n")
        assert list(AccountDomain.objects.values_list("domain", "is_primary")) == [
            ("northwind.co.uk", True)
        ]
        assert Account.objects.get().domain == "northwind.co.uk"  # the mirror agrees


class TestPhones:
    def test_phones_are_stored_in_e164_by_the_persons_country(self, segment):
        job = import_csv(
            segment,
            "Email,Phone,Country\n"
            "ana@acme.co.uk,020 7946 0000,United Kingdom\n"
            "ben@acme.com,(415) 555-0100,USA\n"
            "cy@acme.de,030 1234567,Deutschland\n",
        )
        assert job.created_count == 3
        assert dict(Contact.objects.values_list("email", "phone")) == {
            "ana@acme.co.uk": "+442079460000",
            "ben@acme.com": "+14155550100",
            "cy@acme.de": "+49301234567",
        }

    def test_a_bad_number_is_kept_off_the_contact_with_a_message_in_the_report(self, segment):
        job = import_csv(segment, "Email,Phone,Country\nana@acme.co.uk,call me maybe,UK\n")

        assert job.created_count == 1
        assert job.rows.get().message == (
            "phone “call me maybe” is not a phone number for GB; kept in the answers only"
        )
        assert Contact.objects.get().phone == ""
        assert Lead.objects.get().form_answers["Phone as typed"] == "call me maybe"

    def test_the_json_api_stores_e164_too(self, source):
        response = post_json(source, {"email": "ana@acme.io", "phone": "+1 415.555.0100"})
        assert response.status_code == 202, response.content
        assert Contact.objects.get().phone == "+14155550100"


def test_new_accounts_get_their_primary_domain_in_the_same_batch(segment):
    """New accounts get their primary AccountDomain in the same batch, with history."""
    job = import_csv(segment, "Email\n" + "".join(f"p{n}@company{n}.co.uk\n" for n in range(30)))
    assert job.created_count == 30
    assert accounts_and_domains() == (30, 30)
    assert AccountDomain.history.filter(history_type="+").count() == 30
    primaries = AccountDomain.objects.filter(is_primary=True).values("domain")
    assert not Account.objects.exclude(domain__in=primaries).exists()  # the mirror agrees
