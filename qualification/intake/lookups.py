"""What one batch of rows finds already there, and what every row of the batch shares.

The leads, contacts and accounts a batch's rows name are loaded in four queries as plain
records holding only the columns `decide` reads: building full model instances (a contact with
its account, a lead with both) was over a quarter of an import's time. Each person, account
and lead is one record however many ways a row reaches it, so what one row fills in the next
row sees. Records for what the batch itself makes carry the model instance it will insert.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from accounts.models import Account, AccountDomain, Contact
from accounts.normalize import company_key
from qualification.lifecycle.evidence import Automation
from qualification.matching.companies import CompanyFacts, match_companies
from qualification.matching.companies import Decision as MatchDecision
from qualification.models import IcpRule, IcpSettings, Lead, MatchSettings, Segment

if TYPE_CHECKING:
    from qualification.intake.decide import Decision
    from qualification.intake.rows import CleanRow


def _names(model, *names: str) -> tuple[str, ...]:
    """`names`, each checked to be a field of `model` (a rename fails at import, not mid-run)."""
    return tuple(model._meta.get_field(name).name for name in names)


# The facts a row fills in where the record has none, in the order a merge's message names them.
CONTACT_FACTS = _names(
    Contact,
    "first_name",
    "last_name",
    "title",
    "persona_function",
    "persona_seniority",
    "phone",
    "country",
)
ACCOUNT_FACTS = _names(Account, "industry", "employee_count", "annual_revenue", "country")

# What a merge writes back to rows that exist: the columns the bulk updates copy.
CONTACT_UPDATES = ("account", *CONTACT_FACTS, "do_not_contact")
ACCOUNT_UPDATES = ACCOUNT_FACTS
LEAD_UPDATES = _names(Lead, "form_answers")

# The columns each lookup loads; a lead's contact and its account come in the same query.
ACCOUNT_COLUMNS = ("id", "domain", "icp_tier", *ACCOUNT_FACTS)
CONTACT_COLUMNS = ("id", "do_not_contact", *CONTACT_FACTS)
LEAD_COLUMNS = ("id", "external_id", "contact", "form_answers", "last_activity_at")
_LEAD_WITH_PEOPLE = (
    *LEAD_COLUMNS,
    *(f"contact__{column}" for column in CONTACT_COLUMNS),
    *(f"contact__account__{column}" for column in ACCOUNT_COLUMNS),
)
_CONTACT_WITH_ACCOUNT = (
    "email",
    *CONTACT_COLUMNS,
    *(f"account__{column}" for column in ACCOUNT_COLUMNS),
)


@dataclass(eq=False)
class KnownAccount:
    facts: dict  # ACCOUNT_FACTS
    domain: str = ""
    icp_tier: str = ""
    pk: int | None = None
    new: Account | None = None  # the instance the batch inserts, for an account it makes


@dataclass(eq=False)
class KnownContact:
    facts: dict  # CONTACT_FACTS and do_not_contact
    account: KnownAccount | None = None
    pk: int | None = None
    new: Contact | None = None


@dataclass(eq=False)
class KnownLead:
    contact: KnownContact
    form_answers: dict = field(default_factory=dict)
    last_activity_at: dt.datetime | None = None
    pk: int | None = None
    new: Lead | None = None


@dataclass(eq=False)
class Lookups:
    """What a batch's rows are decided against: the batch's shared settings, and the records
    found by the keys rows carry (what the database has, then what earlier rows made)."""

    segment: Segment
    source_system: str
    now: dt.datetime
    rule: Automation
    icp_rules: list[IcpRule]
    cutoffs: IcpSettings
    lead_template: Lead
    leads_by_external: dict[str, KnownLead] = field(default_factory=dict)
    contacts_by_email: dict[str, KnownContact] = field(default_factory=dict)
    # The contact's latest lead in the segment, whatever its stage: new activity on a
    # disqualified lead is how a false negative comes to light.
    leads_by_email: dict[str, KnownLead] = field(default_factory=dict)
    accounts_by_domain: dict[str, KnownAccount] = field(default_factory=dict)
    # Matching, for the rows whose domain no account has: the matcher's decision by line, the
    # accounts it links to, and the accounts earlier rows made, by company key.
    matches: dict[int, MatchDecision] = field(default_factory=dict)
    accounts_by_pk: dict[int, KnownAccount] = field(default_factory=dict)
    accounts_by_key: dict[str, KnownAccount] = field(default_factory=dict)
    fit_cache: dict[tuple, str] = field(default_factory=dict)

    @classmethod
    def for_batch(
        cls,
        *,
        segment: Segment,
        source_system: str,
        actor,
        now: dt.datetime,
        icp_rules: list[IcpRule],
        cutoffs: IcpSettings,
    ) -> Lookups:
        # What every new lead of the batch shares. Copying it costs a third of building a
        # Lead field by field, which was a tenth of a large import's time.
        # A batch is taken as of `now`: its leads are created, enter their stage and start
        # their history then.
        template = Lead(segment=segment, created_at=now, stage_entered_at=now)
        template._change_reason = f"Created by import from {source_system}"
        if actor is not None:
            template._history_user = actor
        return cls(
            segment=segment,
            source_system=source_system,
            now=now,
            rule=Automation(f"import:{source_system}"[:60]),
            icp_rules=icp_rules,
            cutoffs=cutoffs,
            lead_template=template,
        )

    def remember(self, decision: Decision) -> None:
        """File what an accepted row made under its keys, for the rows after it."""
        if decision.new_account is not None:
            if decision.new_account.domain:
                self.accounts_by_domain[decision.new_account.domain] = decision.new_account
            key = company_key(decision.new_account.new.name)
            if key:
                self.accounts_by_key.setdefault(key, decision.new_account)
        if decision.new_contact is not None and decision.email:
            self.contacts_by_email[decision.email] = decision.new_contact
        if decision.new_lead is not None:
            if decision.external_id:
                self.leads_by_external[decision.external_id] = decision.new_lead
            if decision.email:
                self.leads_by_email[decision.email] = decision.new_lead


def load_lookups(
    rows: list[CleanRow], *, segment: Segment, source_system: str, actor, now: dt.datetime
) -> Lookups:
    """The lookups for `rows`: the ICP settings, then one query per kind of record."""
    lookups = Lookups.for_batch(
        segment=segment,
        source_system=source_system,
        actor=actor,
        now=now,
        icp_rules=list(IcpRule.objects.filter(active=True)),
        cutoffs=IcpSettings.load(),
    )
    found = _Found()
    external_ids = {r.external_id for r in rows if r.external_id}
    emails = {r.email for r in rows if r.email}
    domains = {r.domain for r in rows if r.domain}
    if external_ids:
        # The non-blank filter lets PostgreSQL use the partial unique index.
        for values in (
            Lead.objects.filter(external_source=source_system, external_id__in=external_ids)
            .exclude(external_id="")
            .values(*_LEAD_WITH_PEOPLE)
        ):
            contact = found.contact(values, "contact__", "contact__account__")
            lookups.leads_by_external[values["external_id"]] = found.lead(values, contact)
    if emails:
        for values in Contact.objects.filter(email__in=emails).values(*_CONTACT_WITH_ACCOUNT):
            lookups.contacts_by_email[values["email"]] = found.contact(values, "", "account__")
    if domains:  # any of the account's domains, not only its primary
        for values in AccountDomain.objects.filter(domain__in=domains).values(
            "domain", *(f"account__{column}" for column in ACCOUNT_COLUMNS)
        ):
            lookups.accounts_by_domain[values["domain"]] = found.account(values, "account__")
    for account in found.accounts.values():  # a contact's account is found by its domain too
        if account.domain:
            lookups.accounts_by_domain.setdefault(account.domain, account)
    _match(rows, lookups, found)
    by_pk = {contact.pk: email for email, contact in lookups.contacts_by_email.items()}
    if by_pk:
        for values in (
            Lead.objects.filter(contact_id__in=by_pk, segment=segment)
            .order_by("contact_id", "-created_at", "-pk")
            .values(*LEAD_COLUMNS)
        ):
            contact = found.contacts[values["contact"]]
            lookups.leads_by_email.setdefault(by_pk[contact.pk], found.lead(values, contact))
    return lookups


def _match(rows: list[CleanRow], lookups: Lookups, found: _Found) -> None:
    """Match, in one set-based call, the rows that name a company or a domain no account has
    and whose person has no account yet; then load the accounts the matcher linked to."""
    wanting = []
    for row in rows:
        if not (row.company or row.domain) or row.domain in lookups.accounts_by_domain:
            continue
        known = lookups.contacts_by_email.get(row.email) if row.email else None
        if known is None and row.external_id in lookups.leads_by_external:
            known = lookups.leads_by_external[row.external_id].contact
        if known is not None and known.account is not None:
            continue
        wanting.append(row)
    if not wanting:
        return
    facts = [
        CompanyFacts(
            row.company,
            email_domain=row.domain,
            website=row.website_domain,
            country=row.country,
            phone=row.phone,
        )
        for row in wanting
    ]
    # The batch's domains were looked up above, and none of these rows' has an account.
    decisions = match_companies(facts, settings=MatchSettings.load(), by_domain={})
    lookups.matches = {row.line: decision for row, decision in zip(wanting, decisions, strict=True)}
    linked = {d.account_id for d in decisions if d.account_id is not None}
    for values in Account.objects.filter(pk__in=linked).values(*ACCOUNT_COLUMNS):
        lookups.accounts_by_pk[values["id"]] = found.account(values, "")


class _Found:
    """One record per row of the database, whichever query found it."""

    def __init__(self) -> None:
        self.accounts: dict[int, KnownAccount] = {}
        self.contacts: dict[int, KnownContact] = {}
        self.leads: dict[int, KnownLead] = {}

    def account(self, values: dict, prefix: str) -> KnownAccount | None:
        pk = values[f"{prefix}id"]
        if pk is None:
            return None
        if pk not in self.accounts:
            self.accounts[pk] = KnownAccount(
                facts={name: values[prefix + name] for name in ACCOUNT_FACTS},
                domain=values[f"{prefix}domain"] or "",
                icp_tier=values[f"{prefix}icp_tier"],
                pk=pk,
            )
        return self.accounts[pk]

    def contact(self, values: dict, prefix: str, account_prefix: str) -> KnownContact:
        pk = values[f"{prefix}id"]
        if pk not in self.contacts:
            facts = {name: values[prefix + name] for name in CONTACT_FACTS}
            facts["do_not_contact"] = values[f"{prefix}do_not_contact"]
            self.contacts[pk] = KnownContact(
                facts=facts, account=self.account(values, account_prefix), pk=pk
            )
        return self.contacts[pk]

    def lead(self, values: dict, contact: KnownContact) -> KnownLead:
        pk = values["id"]
        if pk not in self.leads:
            self.leads[pk] = KnownLead(
                contact=contact,
                form_answers=values["form_answers"] or {},
                last_activity_at=values["last_activity_at"],
                pk=pk,
            )
        return self.leads[pk]
