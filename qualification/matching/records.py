"""Each decision of the matcher, kept: an AccountMatch with its candidates, and how a person
resolved one that waited in review."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.models import Account, Contact
from accounts.normalize import domain_from_email
from qualification.matching.companies import CompanyFacts, Decision, match_companies, render_reasons
from qualification.models import AccountMatch, AccountMatchCandidate, Lead
from qualification.scoring.fit import account_fit


def built_records(
    decision: Decision, *, lead: Lead | None, contact: Contact | None, now: dt.datetime
) -> tuple[AccountMatch, list[AccountMatchCandidate]]:
    """The unsaved rows of one decision (the import inserts many at once with COPY)."""
    facts = decision.facts
    match = AccountMatch(
        lead=lead,
        contact=contact,
        company=facts.name[:255],
        domain=(facts.email_domain or facts.website)[:253],
        country=facts.country[:2],
        outcome=decision.outcome,
        account_id=decision.account_id,
        confidence=_two_places(decision.confidence),
        reasons=decision.reasons,
        created_at=now,
    )
    match._change_reason = f"Matched: {decision.explained or 'no account came close'}"[:100]
    candidates = [
        AccountMatchCandidate(
            match=match,
            account_id=candidate.account_id,
            rank=rank,
            confidence=_two_places(candidate.confidence),
            reasons=candidate.reasons,
        )
        for rank, candidate in enumerate(decision.candidates)
    ]
    return match, candidates


def record_match(
    decision: Decision, *, lead: Lead | None = None, contact: Contact | None = None, now=None
) -> AccountMatch:
    """Store one decision (the admin's path; the import stores its batch in bulk)."""
    match, candidates = built_records(
        decision, lead=lead, contact=contact, now=now or timezone.now()
    )
    match.save()
    for candidate in candidates:
        candidate.match = match
    AccountMatchCandidate.objects.bulk_create(candidates)
    return match


def _two_places(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


class ResolveRefused(Exception):
    pass


def may_resolve(user, match: AccountMatch) -> bool:
    """RevOps and managers resolve any match; an SDR or AE the matches of their own leads."""
    if roles.has_role(user, roles.REVOPS, roles.MANAGER):
        return True
    return match.lead is not None and match.lead.owner_id == user.pk


@transaction.atomic
def resolve_match(
    *,
    match_id: int,
    user,
    action: str,
    account_id: int | None = None,
    now: dt.datetime | None = None,
) -> AccountMatch:
    """Settle a match waiting in review: link to a candidate (`candidate`), to another account
    (`other`), or make a new account from what the lead typed (`new`). The lead and its
    contact get the account; the match keeps who did it, when, and the history says why."""
    now = now or timezone.now()
    match = (
        AccountMatch.objects.select_for_update(of=("self",))
        .select_related("lead", "contact")
        .get(pk=match_id)
    )
    if not may_resolve(user, match):
        raise PermissionDenied("You may resolve only the matches of your own leads.")
    if match.outcome != AccountMatch.Outcome.REVIEW:
        who = match.resolved_by or "the matcher"
        raise ResolveRefused(f"Already resolved by {who}: {match.get_outcome_display().lower()}.")
    if action == "candidate":
        candidate = match.candidates.filter(account_id=account_id).select_related("account").first()
        if candidate is None:
            raise ResolveRefused("That account is not one of this match's candidates.")
        account = candidate.account
        why = f"Linked to candidate {account.name}: {render_reasons(candidate.reasons)}"
    elif action == "other":
        account = Account.objects.filter(pk=account_id).first() if account_id else None
        if account is None:
            raise ResolveRefused("Pick the account to link to.")
        why = f"Linked to another account, {account.name}"
    elif action == "new":
        account = _new_account(match, user=user)
        why = f"Made a new account, {account.name}"
    else:
        raise ResolveRefused(f"“{action}” is not a way to resolve a match.")
    match.outcome = AccountMatch.Outcome.LINKED if action != "new" else AccountMatch.Outcome.NEW
    match.resolution = action
    match.account = account
    match.resolved_by = user
    match.resolved_at = now
    match._change_reason = why[:100]
    match._history_user = user
    match.save()
    _link(match, account=account, user=user, why=why)
    return match


def _new_account(match: AccountMatch, *, user) -> Account:
    domain = (
        match.domain
        if match.domain and not Account.objects.filter(domain=match.domain).exists()
        else None
    )
    account = Account(name=match.company or match.domain, domain=domain, country=match.country)
    fit = account_fit(account)
    account.icp_tier, account.icp_reasons = fit.tier, fit.reasons
    account._change_reason = "Made in match review"
    account._history_user = user
    account.save()
    return account


def _link(match: AccountMatch, *, account: Account, user, why: str) -> None:
    contact = match.contact or (match.lead.contact if match.lead else None)
    if contact is not None and contact.account_id is None:
        contact.account = account
        contact._change_reason = why[:100]
        contact._history_user = user
        contact.save(update_fields=["account", "updated_at"])
    if match.lead is not None and match.lead.account_id is None:
        lead = match.lead
        lead.account = account
        lead._change_reason = why[:100]
        lead._history_user = user
        lead.save(update_fields=["account", "updated_at"])


def facts_of_lead(lead: Lead) -> CompanyFacts:
    """What a lead says of its company: its work email's domain, the company it typed (kept in
    its answers when no account was found), the contact's country and phone."""
    contact = lead.contact
    answers = lead.form_answers or {}
    return CompanyFacts(
        str(answers.get("Company", ""))[:255],
        email_domain=domain_from_email(contact.email),
        website=str(answers.get("Website", ""))[:253],
        country=contact.country,
        phone=contact.phone,
    )


@transaction.atomic
def match_leads(*, leads: list[Lead], user, now: dt.datetime | None = None) -> dict[str, int]:
    """The admin's "Match to an account": the leads without an account, matched in one batch;
    a link gives the lead and its contact the account, a new decision makes one, a review
    waits on the match review page. Returns how many went each way."""
    now = now or timezone.now()
    leads = [lead for lead in leads if lead.account_id is None]
    decisions = match_companies([facts_of_lead(lead) for lead in leads])
    counts = {outcome: 0 for outcome in AccountMatch.Outcome.values}
    accounts = Account.objects.in_bulk({d.account_id for d in decisions if d.account_id})
    for lead, decision in zip(leads, decisions, strict=True):
        if decision.outcome == AccountMatch.Outcome.NEW and not (
            decision.facts.name or decision.facts.email_domain
        ):
            continue  # nothing to name an account by
        match = record_match(decision, lead=lead, contact=lead.contact, now=now)
        counts[decision.outcome] += 1
        if decision.outcome == AccountMatch.Outcome.LINKED:
            account = accounts[decision.account_id]
            why = f"Matched to {account.name}: {decision.explained}"
        elif decision.outcome == AccountMatch.Outcome.NEW:
            account = _new_account(match, user=user)
            match.account = account
            match.save(update_fields=["account"])
            why = f"New account from the matcher, {account.name}"
        else:
            continue
        _link(match, account=account, user=user, why=why)
    return counts
