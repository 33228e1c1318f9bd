"""Enrich accounts: ask the providers in order, write what each field's policy allows, keep
each value's source and date, and re-tier the accounts that changed, saying why.

A person's edit always wins: a field whose source is `person` is never written here. Under
"fill empty" (the default) enrichment writes only a blank field; under "overwrite own" it also
replaces a value enrichment itself wrote (a field with a provider as its source), never one
that came from the lead's own form or file (a field with no source). A batch of accounts
costs a fixed number of queries however many it holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import formats, timezone
from simple_history.utils import bulk_update_with_history

from accounts.models import ENRICHED_FIELDS, PERSON, Account, AccountFieldSource
from qualification.enrichment.providers import Firmographics, Provider, account_keys
from qualification.enrichment.providers import providers_in_order as _providers_in_order
from qualification.models import (
    OPEN_STAGES,
    EnrichmentSettings,
    IcpRule,
    IcpSettings,
    Lead,
    WritePolicy,
)
from qualification.scoring.fit import account_fit
from qualification.scoring.intent import score_leads

BLANK = (None, "")
# How a change reason names each field ("employees 1,200 from inc5000, 2 Dec").
FIELD_WORDS = {
    "industry": "industry",
    "employee_count": "employees",
    "annual_revenue": "revenue",
    "country": "country",
}
WRITTEN = (*ENRICHED_FIELDS, "icp_tier", "icp_reasons", "updated_at")


@dataclass
class EnrichmentResult:
    accounts_seen: int = 0
    accounts_changed: int = 0
    fields_written: int = 0
    accounts_retiered: int = 0
    reasons: dict[int, str] = field(default_factory=dict)  # account id → its change reason

    def add(self, other: EnrichmentResult) -> None:
        self.accounts_seen += other.accounts_seen
        self.accounts_changed += other.accounts_changed
        self.fields_written += other.fields_written
        self.accounts_retiered += other.accounts_retiered
        self.reasons.update(other.reasons)


def enrich_accounts(
    *,
    account_ids: Iterable[int],
    now: dt.datetime | None = None,
    settings: EnrichmentSettings | None = None,
    providers: Sequence[Provider] | None = None,
) -> EnrichmentResult:
    """Enrich these accounts from the providers RevOps lists (or `providers`), in one
    transaction. With no provider it costs the settings' query and nothing else."""
    now = now or timezone.now()
    settings = settings or EnrichmentSettings.load()
    providers = list(providers) if providers is not None else _providers_in_order(settings)
    ids = sorted(set(account_ids))
    if not ids or not providers:
        return EnrichmentResult(accounts_seen=len(ids))
    with transaction.atomic():
        # Whole rows: their history rows copy every column.
        accounts = list(Account.objects.filter(pk__in=ids).order_by("pk"))
        return _enrich(accounts, now=now, settings=settings, providers=providers)


def _enrich(
    accounts: list[Account],
    *,
    now: dt.datetime,
    settings: EnrichmentSettings,
    providers: list[Provider],
) -> EnrichmentResult:
    result = EnrichmentResult(accounts_seen=len(accounts))
    keys = account_keys(accounts)
    offers = _offers(keys, providers)
    if not offers:
        return result
    sources = {
        (row.account_id, row.field): row.source
        for row in AccountFieldSource.objects.filter(account_id__in=offers).only(
            "account_id", "field", "source"
        )
    }
    day = formats.date_format(timezone.localtime(now), "j M")
    changed: list[Account] = []
    provenance: list[AccountFieldSource] = []
    rules, cutoffs = None, None
    for account in accounts:
        said: dict[str, list[str]] = {}  # provider → what it gave, in the fields' order
        for name, (value, provider) in offers.get(account.pk, {}).items():
            if not _may_write(account, name, value, sources.get((account.pk, name)), settings):
                continue
            setattr(account, name, value)
            said.setdefault(provider, []).append(f"{FIELD_WORDS[name]} {_shown(name, value)}")
            provenance.append(
                AccountFieldSource(account=account, field=name, source=provider, set_at=now)
            )
        if not said:
            continue
        if rules is None:  # only once something changed
            rules, cutoffs = list(IcpRule.objects.filter(active=True)), IcpSettings.load()
        before = account.icp_tier
        fit = account_fit(account, rules=rules, cutoffs=cutoffs)
        account.icp_tier, account.icp_reasons = fit.tier, fit.reasons
        reason = "; ".join(
            f"{', '.join(gave)} from {provider}, {day}" for provider, gave in said.items()
        )
        if before != fit.tier:
            reason += f" → ICP tier {before} to {fit.tier}" if before else f" → ICP tier {fit.tier}"
            result.accounts_retiered += 1
        account._change_reason = f"Enriched: {reason}"
        account.updated_at = now
        changed.append(account)
        result.fields_written += sum(len(gave) for gave in said.values())
        result.reasons[account.pk] = account._change_reason
    result.accounts_changed = len(changed)
    if changed:
        bulk_update_with_history(changed, Account, list(WRITTEN), default_date=now, batch_size=500)
        AccountFieldSource.objects.bulk_create(
            provenance,
            update_conflicts=True,
            unique_fields=["account", "field"],
            update_fields=["source", "set_by", "set_at"],
        )
    if result.accounts_retiered:
        retiered = [a.pk for a in changed if "→ ICP tier" in a._change_reason]
        open_leads = Lead.objects.filter(account_id__in=retiered, stage__in=OPEN_STAGES)
        score_leads(list(open_leads.values_list("pk", flat=True)), now=now)
    return result


def _offers(keys, providers: list[Provider]) -> dict[int, dict[str, tuple[object, str]]]:
    """For each account, each field's value from the first provider that has one."""
    offers: dict[int, dict[str, tuple[object, str]]] = {}
    for provider in providers:
        found: dict[int, Firmographics] = provider.lookup(keys)
        for pk, firmographics in found.items():
            fields = offers.setdefault(pk, {})
            for name in ENRICHED_FIELDS:
                value = getattr(firmographics, name)
                if value not in BLANK and name not in fields:
                    fields[name] = (value, provider.name)
    return {pk: fields for pk, fields in offers.items() if fields}


def _may_write(
    account: Account, name: str, value, source: str | None, settings: EnrichmentSettings
) -> bool:
    if source == PERSON:
        return False  # a person's edit always wins, even a field they emptied
    current = getattr(account, name)
    if current in BLANK:
        return True
    if current == value:
        return False
    # Only what enrichment wrote may be overwritten; no source means the lead's own data.
    return source is not None and settings.policy(name) == WritePolicy.OVERWRITE_OWN


def _shown(name: str, value) -> str:
    if name == "employee_count":
        return f"{value:,}"
    if name == "annual_revenue":
        return f"{value:,.0f}"
    return str(value)
