"""What the header search finds: accounts, people and leads for one query, in a few queries.

Exact matches come first and, when they name one record, the page jumps to it: a pasted email
address opens its person's lead, a domain or website its account, `#123` lead 123. Otherwise
typo-tolerant matches (matching.py), grouped and capped per group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.urls import reverse

from accounts import access, roles
from accounts.models import Account, Contact
from accounts.normalize import normalize_domain, normalize_email
from qualification.models import OPEN_STAGES, Lead
from qualification.web.search import matching

MIN_LENGTH = 2
MAX_LENGTH = 200
ACCOUNT_LIMIT = 8
PEOPLE_LIMIT = 10
LEAD_LIMIT = 8
LEAD_NUMBER = re.compile(r"^#\s*(\d{1,9})$|^(\d{1,9})$")
# A domain or website pasted as it is: no spaces, a dot, no @.
WEBSITE = re.compile(r"^(https?://)?[\w.-]+\.[a-z]{2,}(:\d+)?(/\S*)?$", re.IGNORECASE)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


@dataclass(frozen=True)
class Scope:
    accounts: QuerySet[Account]
    contacts: QuerySet[Contact]
    leads: QuerySet[Lead]


def scope_for(user: AbstractBaseUser) -> Scope:
    """What `user` may open, and so what search may show: the one place search asks.

    Every role reads every account and lead page today (access.RECORD_READ_ROLES); the day a
    role reads less, it narrows here, and search shows no link its holder cannot follow.
    """
    if roles.has_role(user, *access.RECORD_READ_ROLES):
        return Scope(Account.objects.all(), Contact.objects.all(), Lead.objects.all())
    return Scope(Account.objects.none(), Contact.objects.none(), Lead.objects.none())


@dataclass(frozen=True)
class SearchResults:
    query: str
    accounts: list[Account] = field(default_factory=list)
    # Each with `latest_lead_id` and `latest_lead_stage` annotated (None: no lead yet).
    people: list[Contact] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    jump_to: str | None = None  # the one record the query names exactly
    too_short: bool = False

    @property
    def found(self) -> int:
        return len(self.accounts) + len(self.people) + len(self.leads)

    def as_context(self) -> dict:
        return {
            "query": self.query,
            "accounts": self.accounts,
            "people": self.people,
            "leads": self.leads,
            "found": self.found,
            "too_short": self.too_short,
            "min_length": MIN_LENGTH,
            "limits": {"accounts": ACCOUNT_LIMIT, "people": PEOPLE_LIMIT, "leads": LEAD_LIMIT},
        }


def search(*, query: str, user: AbstractBaseUser) -> SearchResults:
    """Accounts, people and leads matching `query` that `user` may open, or the one record it
    names exactly (`jump_to`)."""
    query = " ".join(query.split())[:MAX_LENGTH]
    number = _lead_number(query)
    if len(query) < MIN_LENGTH and number is None:
        return SearchResults(query=query, too_short=True)
    scope = scope_for(user)
    jump = _exact_record(scope, query)
    if jump:
        return SearchResults(query=query, jump_to=jump)
    # A bare number is a lead number (or a phone number), never part of a company's name.
    accounts = [] if number is not None else _accounts(scope, query)
    return SearchResults(
        query=query,
        accounts=accounts,
        people=_people(scope, query),
        leads=_leads(scope, number, accounts),
    )


# Exact matches --------------------------------------------------------------------------------


def _lead_number(query: str) -> int | None:
    matched = LEAD_NUMBER.match(query)
    return int(matched.group(1) or matched.group(2)) if matched else None


def _exact_record(scope: Scope, query: str) -> str | None:
    """The page of the one record `query` names: `#123`, a person's email, an account's domain."""
    if query.startswith("#"):
        number = _lead_number(query)
        if number is not None and scope.leads.filter(pk=number).exists():
            return reverse("qualification:lead-detail", args=[number])
        return None
    if EMAIL.match(query):
        lead_id = (
            scope.leads.filter(contact__email=normalize_email(query))
            .annotate(closed=Case(When(stage__in=OPEN_STAGES, then=Value(0)), default=Value(1)))
            .order_by("closed", "-created_at", "-pk")
            .values_list("pk", flat=True)
            .first()
        )
        return reverse("qualification:lead-detail", args=[lead_id]) if lead_id else None
    if WEBSITE.match(query):
        # Any of an account's domains, by the registered domain: `eu.shop.acme.co.uk` is
        # acme.co.uk's (the Public Suffix List knows co.uk is nobody's).
        domain = normalize_domain(query)
        account_id = (
            scope.accounts.filter(domains__domain=domain).values_list("pk", flat=True).first()
            if domain
            else None
        )
        if account_id is not None:
            return reverse("qualification:account-detail", args=[account_id])
    return None


# Typo-tolerant matches ------------------------------------------------------------------------


def _accounts(scope: Scope, query: str) -> list[Account]:
    return matching.accounts_like(
        scope.accounts.select_related("owner"), query=query, limit=ACCOUNT_LIMIT
    )


def _people(scope: Scope, query: str) -> list[Contact]:
    latest = scope.leads.filter(contact=OuterRef("pk")).order_by("-created_at", "-pk")
    contacts = scope.contacts.select_related("account").annotate(
        latest_lead_id=Subquery(latest.values("pk")[:1], output_field=IntegerField()),
        latest_lead_stage=Subquery(latest.values("stage")[:1]),
    )
    return matching.contacts_like(contacts, query=query, limit=PEOPLE_LIMIT)


def _leads(scope: Scope, number: int | None, accounts: list[Account]) -> list[Lead]:
    """The lead of that number, then the open leads at the best few accounts found."""
    top = [account.pk for account in accounts[:3]]
    if number is None and not top:
        return []
    wanted = Q()
    if number is not None:
        wanted |= Q(pk=number)
    if top:
        wanted |= Q(account__in=top, stage__in=OPEN_STAGES)
    return list(
        scope.leads.filter(wanted)
        .select_related("contact", "account", "owner", "segment")
        .annotate(asked=Case(When(pk=number or 0, then=Value(0)), default=Value(1)))
        .order_by("asked", "-created_at", "-pk")[:LEAD_LIMIT]
    )
