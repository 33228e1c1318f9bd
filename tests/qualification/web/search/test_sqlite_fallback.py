"""The header search's SQLite fallback (qualification/web/search/matching.py), as `make run`
serves it: an `icontains` prefilter ranked with rapidfuzz. The suite runs on PostgreSQL, so the
fallback's queries run there too with the vendor check turned to SQLite's answer: the same
ORM filters the demo runs, the ranking in Python."""

import pytest

from qualification.web.search import matching
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fallback(monkeypatch):
    monkeypatch.setattr(matching, "on_postgresql", lambda: False)


def test_similarity_is_rapidfuzz_ratio_over_the_best_run_of_words():
    assert matching.similarity("northwind", "Northwind Logistics") == 1.0  # contained as typed
    assert matching.similarity("nortwind logistcs", "Northwind Logistics") == pytest.approx(
        0.9444, abs=0.001
    )
    assert matching.similarity("contoso", "Northwind Logistics") < matching.MIN_RATIO
    assert matching.similarity("", "Northwind") == 0.0


@pytest.mark.usefixtures("fallback")
def test_a_misspelt_company_finds_the_account_best_first():
    northwind = AccountFactory(name="Northwind Logistics", domain="northwind.example")
    northway = AccountFactory(name="Northway Logistic Partners", domain="northway.example")
    AccountFactory(name="Contoso Pharma", domain="contoso.example")

    found = matching.accounts_like(
        matching.Account.objects.all(), query="Nortwind Logistcs", limit=5
    )

    assert found == [northwind, northway]


@pytest.mark.usefixtures("fallback")
def test_a_misspelt_person_is_found_by_name_or_the_mailbox():
    dana = ContactFactory(first_name="Dana", last_name="Whitley", email="dwhitley@acme.example")
    ContactFactory(first_name="Sven", last_name="Hartmann", email="sven@acme.example")
    contacts = matching.Contact.objects.all()

    assert matching.contacts_like(contacts, query="Dana Whitly", limit=5) == [dana]
    assert matching.contacts_like(contacts, query="dwhitly", limit=5) == [dana]
    assert matching.contacts_like(contacts, query="Zebedee", limit=5) == []
