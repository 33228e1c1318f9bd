"""`enrich_accounts` (qualification/enrichment/enrich.py): providers in order, each field's
write policy, a person's edit, provenance, and re-tiering with the reason."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings

from accounts.domains import add_domain
from accounts.models import PERSON, Account, AccountFieldSource, IcpTier
from accounts.provenance import mark_set_by_person
from qualification.enrichment.enrich import enrich_accounts
from qualification.models import (
    EnrichmentSettings,
    FirmographicRecord,
    IcpRule,
    IcpSettings,
    WritePolicy,
)
from tests.factories import AccountFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=3)


def record(source="inc5000", domain="acme.io", name="Acme", **values) -> FirmographicRecord:
    return FirmographicRecord.objects.create(
        source=source,
        key=domain or f"name:{name.casefold()}",
        domain=domain,
        name=name,
        name_key=name.casefold(),
        line=2,
        loaded_at=NOW,
        **values,
    )


def providers(*names: str, **policies) -> EnrichmentSettings:
    settings = EnrichmentSettings.load()
    settings.providers = list(names)
    for field, policy in policies.items():
        setattr(settings, f"{field}_policy", policy)
    settings.save()
    return settings


def blank_account(**given) -> Account:
    values = {"domain": "acme.io", "industry": "", "employee_count": None, "country": ""}
    return AccountFactory(**{**values, **given})


def last_reason(account: Account) -> str:
    return account.history.order_by("-history_id").first().history_change_reason


def source_of(account: Account, field: str) -> AccountFieldSource | None:
    return AccountFieldSource.objects.filter(account=account, field=field).first()


@pytest.fixture
def mid_market_rule():
    """One ICP rule: 1,000-5,000 employees is tier A (60 points); anything else is C."""
    IcpRule.objects.update(active=False)
    IcpSettings.load()
    return IcpRule.objects.create(
        name="Mid-market",
        attribute=IcpRule.Attribute.EMPLOYEES,
        match=IcpRule.Match.BETWEEN,
        min_value=1000,
        max_value=5000,
        points=60,
    )


# Filling and provenance ----------------------------------------------------------------------


def test_an_empty_field_is_filled_with_its_source_and_date():
    account = blank_account()
    record(
        industry="Software",
        employee_count=1200,
        annual_revenue=Decimal("36900000"),
        currency=settings.CURRENCY,
    )
    providers("inc5000")

    result = enrich_accounts(account_ids=[account.pk], now=NOW)

    account.refresh_from_db()
    assert (account.industry, account.employee_count) == ("Software", 1200)
    assert account.annual_revenue == Decimal("36900000")
    assert result.accounts_changed == 1 and result.fields_written == 3
    source = source_of(account, "employee_count")
    assert (source.source, source.set_at, source.set_by) == ("inc5000", NOW, None)


def test_a_value_already_there_is_kept_under_fill_empty():
    account = blank_account(industry="Logistics")
    record(industry="Software")
    providers("inc5000")

    enrich_accounts(account_ids=[account.pk], now=NOW)

    account.refresh_from_db()
    assert account.industry == "Logistics"
    assert source_of(account, "industry") is None


def test_fill_empty_keeps_what_enrichment_wrote_before():
    account = blank_account()
    first = record(employee_count=1200)
    providers("inc5000")
    enrich_accounts(account_ids=[account.pk], now=NOW)
    first.employee_count = 1500
    first.save()

    enrich_accounts(account_ids=[account.pk], now=LATER)

    account.refresh_from_db()
    assert account.employee_count == 1200
    assert source_of(account, "employee_count").set_at == NOW


def test_overwrite_own_replaces_what_enrichment_wrote():
    account = blank_account()
    first = record(employee_count=1200)
    providers("inc5000", employee_count=WritePolicy.OVERWRITE_OWN)
    enrich_accounts(account_ids=[account.pk], now=NOW)
    first.employee_count = 1500
    first.save()

    enrich_accounts(account_ids=[account.pk], now=LATER)

    account.refresh_from_db()
    assert account.employee_count == 1500
    assert source_of(account, "employee_count").set_at == LATER


def test_overwrite_own_never_replaces_what_the_lead_itself_said():
    account = blank_account(employee_count=80)  # from the lead's form: no source row
    record(employee_count=1200)
    providers("inc5000", employee_count=WritePolicy.OVERWRITE_OWN)

    enrich_accounts(account_ids=[account.pk], now=NOW)

    account.refresh_from_db()
    assert account.employee_count == 80


@pytest.mark.parametrize("policy", WritePolicy.values)
def test_a_persons_edit_is_never_overwritten(policy):
    account = blank_account()
    first = record(employee_count=1200, industry="Software")
    providers("inc5000", employee_count=policy, industry=policy)
    enrich_accounts(account_ids=[account.pk], now=NOW)
    person = UserFactory()
    account.employee_count = 40
    account.industry = ""  # a person emptying a field is an edit too
    account.save()
    mark_set_by_person(account=account, fields=["employee_count", "industry"], user=person, now=NOW)
    first.employee_count = 1500
    first.save()

    result = enrich_accounts(account_ids=[account.pk], now=LATER)

    account.refresh_from_db()
    assert (account.employee_count, account.industry) == (40, "")
    assert result.accounts_changed == 0
    source = source_of(account, "employee_count")
    assert (source.source, source.set_by) == (PERSON, person)


def test_enriching_twice_writes_nothing_the_second_time():
    account = blank_account()
    record(employee_count=1200)
    providers("inc5000", employee_count=WritePolicy.OVERWRITE_OWN)
    enrich_accounts(account_ids=[account.pk], now=NOW)
    rows = account.history.count()

    again = enrich_accounts(account_ids=[account.pk], now=LATER)

    assert again.accounts_changed == 0
    assert account.history.count() == rows


# Providers in order ----------------------------------------------------------------------------


def test_the_first_provider_with_a_value_gives_each_field():
    account = blank_account()
    record(source="fortune500", employee_count=2_300_000)
    record(source="inc5000", employee_count=1200, industry="Software")
    providers("fortune500", "inc5000")

    enrich_accounts(account_ids=[account.pk], now=NOW)

    account.refresh_from_db()
    assert account.employee_count == 2_300_000  # fortune500 first
    assert account.industry == "Software"  # fortune500 has none: the next one's
    assert source_of(account, "employee_count").source == "fortune500"
    assert source_of(account, "industry").source == "inc5000"
    assert last_reason(account).startswith(
        "Enriched: employees 2,300,000 from fortune500, 2 Dec; industry Software from inc5000, "
        "2 Dec"
    )


def test_reordering_the_providers_changes_who_gives_the_value():
    account = blank_account()
    record(source="fortune500", employee_count=2_300_000)
    record(source="inc5000", employee_count=1200)
    providers("inc5000", "fortune500")

    enrich_accounts(account_ids=[account.pk], now=NOW)

    account.refresh_from_db()
    assert account.employee_count == 1200


def test_a_loaded_source_not_in_the_list_is_not_asked():
    account = blank_account()
    record(source="inc5000", employee_count=1200)
    providers()

    result = enrich_accounts(account_ids=[account.pk], now=NOW)

    account.refresh_from_db()
    assert account.employee_count is None
    assert result.accounts_changed == 0


def test_an_account_without_a_domain_is_found_by_its_name():
    account = blank_account(domain=None, name="St. Jude Medical, Inc.")
    record(domain="", name="St. Jude Medical", employee_count=18000)
    providers("inc5000")

    enrich_accounts(account_ids=[account.pk], now=NOW)

    account.refresh_from_db()
    assert account.employee_count == 18000


def test_an_account_is_found_by_any_of_its_domains():
    account = blank_account(domain="acme.io")
    add_domain(account=account, domain="acme-group.com")
    record(domain="acme-group.com", employee_count=1200)
    providers("inc5000")

    enrich_accounts(account_ids=[account.pk], now=NOW)

    account.refresh_from_db()
    assert account.employee_count == 1200


def test_an_account_with_a_domain_is_not_found_by_name_alone():
    account = blank_account(domain="acme-logistics.com", name="Acme")
    record(domain="acme.io", name="Acme", employee_count=1200)
    providers("inc5000")

    enrich_accounts(account_ids=[account.pk], now=NOW)

    account.refresh_from_db()
    assert account.employee_count is None


# Re-tiering ---------------------------------------------------------------------------------


def test_a_change_re_tiers_the_account_and_says_why(mid_market_rule):
    account = blank_account(icp_tier=IcpTier.C, icp_reasons=["No ICP rule matched"])
    lead = LeadFactory(contact__account=account, fit_tier=IcpTier.C)
    record(employee_count=1200)
    providers("inc5000")

    result = enrich_accounts(account_ids=[account.pk], now=NOW)

    account.refresh_from_db()
    assert account.icp_tier == IcpTier.A
    assert account.icp_reasons == ["Mid-market (+60)"]
    assert last_reason(account) == "Enriched: employees 1,200 from inc5000, 2 Dec → ICP tier C to A"
    assert result.accounts_retiered == 1
    lead.refresh_from_db()
    assert lead.fit_tier == IcpTier.A  # its open leads are rescored with the new tier


def test_a_first_tier_is_named_without_a_before(mid_market_rule):
    account = blank_account(icp_tier="", icp_reasons=[])
    record(employee_count=1200, industry="Software")
    providers("inc5000")

    enrich_accounts(account_ids=[account.pk], now=NOW)

    assert last_reason(account) == (
        "Enriched: industry Software, employees 1,200 from inc5000, 2 Dec → ICP tier A"
    )


def test_a_change_that_keeps_the_tier_still_says_what_changed(mid_market_rule):
    account = blank_account(icp_tier=IcpTier.C)
    record(industry="Software")
    providers("inc5000")

    result = enrich_accounts(account_ids=[account.pk], now=NOW)

    account.refresh_from_db()
    assert account.icp_tier == IcpTier.C
    assert last_reason(account) == ("Enriched: industry Software from inc5000, 2 Dec")
    assert result.accounts_retiered == 0


def test_a_batch_costs_a_fixed_number_of_queries(django_assert_max_num_queries, mid_market_rule):
    settings = providers("fortune500", "inc5000")
    accounts = [blank_account(domain=f"company{n}.io") for n in range(30)]
    for n in range(30):
        record(source="inc5000", domain=f"company{n}.io", employee_count=1000 + n)
    ids = [account.pk for account in accounts]

    # accounts, two providers, sources, ICP rules and cut-offs, the update and its history,
    # the sources' upsert, the leads to rescore and their scoring, savepoints
    with django_assert_max_num_queries(14):
        result = enrich_accounts(account_ids=ids, now=NOW, settings=settings)

    assert result.accounts_changed == 30


def test_revenue_in_another_currency_than_the_apps_is_not_written(settings):
    """Inc. 5000 and Fortune 500 revenue is in US dollars; the app shows amounts in CURRENCY:
    without a rate, the dollars are left out, the other fields are not."""
    settings.CURRENCY = "EUR"
    providers("inc5000")
    record(employee_count=1200, annual_revenue=Decimal("485873000000"), currency="USD")
    account = blank_account(annual_revenue=None)

    enrich_accounts(account_ids=[account.pk], now=NOW)

    account.refresh_from_db()
    assert account.employee_count == 1200
    assert account.annual_revenue is None
    assert source_of(account, "annual_revenue") is None
    assert "revenue" not in last_reason(account)


def test_revenue_in_the_apps_currency_is_written(settings):
    settings.CURRENCY = "USD"
    providers("inc5000")
    record(annual_revenue=Decimal("36900000"), currency="USD")
    account = blank_account(annual_revenue=None)

    enrich_accounts(account_ids=[account.pk], now=NOW)

    account.refresh_from_db()
    assert account.annual_revenue == Decimal("36900000")
