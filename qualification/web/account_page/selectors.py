"""What the account page reads: the account, every contact with its seats in the buying group
and its last activity, every lead, the activity across its contacts and the account's history,
from one selector (`account_page`) in a fixed number of queries.

The page is read-only, so there are no partials and no loaders beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import Max
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone

from accounts.models import Account, AccountDomain, AccountFieldSource, BuyingGroupRole, Contact
from qualification.discovery import services as discovery
from qualification.duplicates.candidates import open_candidates_of
from qualification.matching.companies import render_reasons
from qualification.models import (
    AccountMatch,
    AccountMatchCandidate,
    Activity,
    DuplicateCandidate,
    Lead,
)

TIMELINE_LIMIT = 50
HISTORY_LIMIT = 30
# Changes the history table does not show: the fields people never set by hand.
# The matching keys follow the name, whose change the history already shows.
HISTORY_HIDDEN = frozenset({"created_at", "updated_at", "name_key", "name_acronym", "name_digits"})
# The history says what the page says, not the field's name ("Icp tier").
HISTORY_LABELS = {
    "employee_count": "Employees",
    "annual_revenue": "Revenue",
    "icp_tier": "ICP tier",
    "icp_reasons": "ICP reasons",
    "icp_confirmed_at": "ICP confirmed",
    "icp_confirmed_by": "ICP confirmed by",
    "domain": "Primary domain",
    "parent": "Parent account",
}


def load_account(pk: int) -> Account:
    """The account with its owner, whoever confirmed its tier and its parent, in one query (404
    if none)."""
    return get_object_or_404(
        Account.objects.select_related("owner", "icp_confirmed_by", "parent"), pk=pk
    )


# The contacts and the coverage of the buying group -------------------------------------------


@dataclass(frozen=True)
class ContactRow:
    contact: Contact  # with `last_activity_at` annotated
    roles: list[BuyingGroupRole]  # their seats in the account's buying group


@dataclass(frozen=True)
class Seat:
    """One buying-group role and who holds it across the account (nobody: a gap)."""

    value: str
    label: str
    holders: list[BuyingGroupRole]


def _contacts(account: Account) -> list[Contact]:
    return list(
        Contact.objects.filter(account=account)
        .annotate(last_activity_at=Max("activities__occurred_at"))
        .order_by("last_name", "first_name", "pk")
    )


def _seats(mapped: list[BuyingGroupRole]) -> list[Seat]:
    return [
        Seat(value, label, [role for role in mapped if role.role == value])
        for value, label in BuyingGroupRole.Role.choices
    ]


# The history ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    row: models.Model  # a HistoricalAccount, with its history_user
    changes: list[Change] = field(default_factory=list)

    @property
    def what(self) -> str:
        return {"+": "Created", "-": "Deleted"}.get(self.row.history_type, "Changed")


def _shown(model_field: models.Field, row: models.Model, value: object) -> str:
    """A historical value as a person reads it: a choice's label, a person's name, a list
    joined, nothing as a dash."""
    if isinstance(model_field, models.ForeignKey):
        related = getattr(row, model_field.name, None)
        if related is None:
            return "—"
        if isinstance(related, Account):
            return related.name
        return related.get_full_name() or related.get_username()
    if value in (None, "", []):
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "j M Y, H:i")
    return str(value)


def _history(account: Account) -> list[HistoryEntry]:
    """The account's latest history rows, newest first, each with what it changed from the row
    before it: one query (one row more than shown, the base of the oldest shown change)."""
    rows = list(
        Account.history.filter(id=account.pk)
        .select_related("history_user", "owner", "icp_confirmed_by", "parent")
        .order_by("-history_date", "-history_id")[: HISTORY_LIMIT + 1]
    )
    entries = []
    for newer, older in zip(rows[:HISTORY_LIMIT], [*rows[1:], None], strict=False):
        changes = []
        if older is not None and newer.history_type == "~":
            delta = newer.diff_against(older, excluded_fields=HISTORY_HIDDEN)
            for change in delta.changes:
                model_field = Account._meta.get_field(change.field)
                changes.append(
                    Change(
                        label=HISTORY_LABELS.get(
                            change.field, str(model_field.verbose_name).capitalize()
                        ),
                        old=_shown(model_field, older, change.old),
                        new=_shown(model_field, newer, change.new),
                    )
                )
        entries.append(HistoryEntry(row=newer, changes=changes))
    return entries


# The page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountPage:
    account: Account
    now: dt.datetime
    viewer: AbstractBaseUser
    contacts: list[ContactRow]
    leads: list[Lead]
    mapped: list[BuyingGroupRole]
    timeline: list[Activity]  # as shown, at most TIMELINE_LIMIT
    timeline_truncated: bool
    history: list[HistoryEntry]
    domains: list[AccountDomain]  # the primary first
    field_sources: dict[str, AccountFieldSource]  # field → where its value came from
    children: list[Account]  # the accounts that roll up to this one, by name
    match_candidacies: list[AccountMatchCandidate]  # waiting matches naming this account
    duplicates: list[tuple[DuplicateCandidate, Lead, Lead]]  # open pairs: (pair, ours, other)

    def as_context(self) -> dict:
        return {
            "account": self.account,
            "now": self.now,
            "viewer": self.viewer,
            "contacts": self.contacts,
            "leads": self.leads,
            "open_leads": sum(1 for lead in self.leads if lead.is_open),
            "mapped": self.mapped,
            "seats": _seats(self.mapped),
            **_coverage(self.mapped, [row.contact for row in self.contacts]),
            "timeline": self.timeline,
            "timeline_truncated": self.timeline_truncated,
            "history": self.history,
            "domains": self.domains,
            "field_sources": self.field_sources,
            "children": self.children,
            "match_candidacies": self.match_candidacies,
            "duplicates": self.duplicates,
        }


def account_page(*, account: Account, user: AbstractBaseUser) -> AccountPage:
    """Everything the account page shows, in eleven queries whatever the number of contacts,
    leads, roles, activities, history rows, domains, child accounts, waiting matches or
    duplicate pairs (`load_account` gives `account`, with its parent)."""
    contacts = _contacts(account)
    mapped = discovery.account_roles(account_id=account.pk, contacts=contacts)
    leads = list(
        Lead.objects.filter(account=account)
        .select_related("contact", "segment", "owner")
        .order_by("-created_at", "-pk")
    )
    timeline = list(
        Activity.objects.filter(contact__account=account)
        .select_related("contact", "actor")
        .order_by("-occurred_at", "-pk")[: TIMELINE_LIMIT + 1]
    )
    seats: dict[int, list[BuyingGroupRole]] = {}
    for role in mapped:
        seats.setdefault(role.contact_id, []).append(role)
    return AccountPage(
        account=account,
        now=timezone.now(),
        viewer=user,
        contacts=[ContactRow(contact, seats.get(contact.pk, [])) for contact in contacts],
        leads=leads,
        mapped=mapped,
        timeline=timeline[:TIMELINE_LIMIT],
        timeline_truncated=len(timeline) > TIMELINE_LIMIT,
        history=_history(account),
        field_sources={
            source.field: source
            for source in AccountFieldSource.objects.filter(account=account).select_related(
                "set_by"
            )
        },
        domains=list(
            AccountDomain.objects.filter(account=account).order_by("-is_primary", "domain")
        ),
        children=list(Account.objects.filter(parent=account).order_by("name", "pk")),
        match_candidacies=_explained(
            AccountMatchCandidate.objects.filter(
                account=account, match__outcome=AccountMatch.Outcome.REVIEW
            )
            .select_related("match__lead__contact")
            .order_by("-confidence", "match__created_at", "pk")
        ),
        duplicates=_duplicates(leads),
    )


def _explained(candidacies) -> list[AccountMatchCandidate]:
    rows = list(candidacies)
    for row in rows:
        row.explained = render_reasons(row.reasons)
    return rows


def _duplicates(leads: list[Lead]) -> list[tuple[DuplicateCandidate, Lead, Lead]]:
    """The open duplicate pairs of the account's leads, each once, the surest first: one
    query (none when the account has no lead)."""
    ours = {lead.pk: lead for lead in leads}
    seen: set[int] = set()
    pairs = []
    for lead_id, found in open_candidates_of(ours).items():
        for pair, other in found:
            if pair.pk not in seen:
                seen.add(pair.pk)
                pairs.append((pair, ours[lead_id], other))
    return sorted(pairs, key=lambda row: (-row[0].score, row[0].pk))


def _coverage(mapped: list[BuyingGroupRole], contacts: list[Contact]) -> dict:
    """Who is missing from the buying group, and the warnings that name them."""
    found = discovery.coverage(mapped=mapped, contacts=contacts)
    return {"suggestions": found.suggestions, "group_warnings": found.warnings}
