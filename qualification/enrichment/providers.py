"""Where firmographics come from: providers behind one small interface, tried in order.

A provider answers for many accounts at once (one query, or one call to a service, per batch
of accounts, never one per account). The one that ships reads the firmographics files RevOps
loads (`manage.py load_firmographics FILE --source NAME`): each loaded source is a provider
named by its source.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings as django_settings
from django.db.models import Q

from accounts.models import Account, AccountDomain
from accounts.normalize import display_company_name
from qualification.models import EnrichmentSettings, FirmographicRecord


@dataclass(frozen=True)
class Firmographics:
    """What a provider knows of one company; None or "" for what it does not."""

    industry: str = ""
    employee_count: int | None = None
    annual_revenue: Decimal | None = None
    country: str = ""


@dataclass(frozen=True)
class AccountKeys:
    """What a provider may find an account by: its domains (primary first) and name."""

    pk: int
    domains: tuple[str, ...]
    name: str

    @property
    def name_key(self) -> str:
        return name_key(self.name)


class Provider(Protocol):
    name: str

    def lookup(self, accounts: Sequence[AccountKeys]) -> dict[int, Firmographics]:
        """Firmographics for the accounts it knows, by account id; the others are left out."""
        ...


def name_key(name: str) -> str:
    """A company name as a key: legal suffixes off, case and spacing folded."""
    return display_company_name(name).casefold()


def account_keys(accounts: Iterable[Account]) -> list[AccountKeys]:
    """The keys providers look accounts up by: every domain of each account (AccountDomain, the
    primary first; the mirrored Account.domain too, for an account with no row yet), in one
    query. The one place that knows where an account's domains live."""
    accounts = list(accounts)
    found: dict[int, list[str]] = {account.pk: [] for account in accounts}
    rows = AccountDomain.objects.filter(account_id__in=found).order_by(
        "account_id", "-is_primary", "domain"
    )
    for account_id, domain in rows.values_list("account_id", "domain"):
        found[account_id].append(domain)
    keys = []
    for account in accounts:
        domains = found[account.pk]
        if account.domain and account.domain not in domains:
            domains.insert(0, account.domain)
        keys.append(AccountKeys(pk=account.pk, domains=tuple(domains), name=account.name))
    return keys


@dataclass(frozen=True)
class FirmographicsFile:
    """The companies of a loaded firmographics file. An account with a domain is found by its
    domain only (a name alone could be another company); one without, by its name."""

    name: str

    def lookup(self, accounts: Sequence[AccountKeys]) -> dict[int, Firmographics]:
        domains = {domain for keys in accounts for domain in keys.domains}
        names = {keys.name_key for keys in accounts if not keys.domains and keys.name_key}
        if not domains and not names:
            return {}
        records = FirmographicRecord.objects.filter(source=self.name).filter(
            Q(key__in=domains) | Q(name_key__in=names)
        )
        by_domain: dict[str, FirmographicRecord] = {}
        by_name: dict[str, FirmographicRecord] = {}
        for record in records.order_by("line"):
            if record.domain:
                by_domain[record.domain] = record
            by_name.setdefault(record.name_key, record)
        found = {}
        for keys in accounts:
            if keys.domains:
                record = next((by_domain[d] for d in keys.domains if d in by_domain), None)
            else:
                record = by_name.get(keys.name_key)
            if record is not None:
                found[keys.pk] = Firmographics(
                    industry=record.industry,
                    employee_count=record.employee_count,
                    # An amount in another currency is no amount in the app's (no rates here).
                    annual_revenue=(
                        record.annual_revenue
                        if record.currency == django_settings.CURRENCY
                        else None
                    ),
                    country=record.country,
                )
        return found


def providers_in_order(settings: EnrichmentSettings) -> list[Provider]:
    """The providers RevOps listed, first tried first. Every name is a loaded file's source
    today; a provider of another kind would be chosen here by its name."""
    return [FirmographicsFile(name) for name in settings.providers]
