"""What one cleaned row comes to: a new lead, a merge into a lead we have, nothing new, or a
refusal, with what it writes.

`decide` reads the batch's lookups and changes nothing in them: a row is decided whole before
anything of it is kept, so a refused row leaves nothing behind. Dedupe is by the source
system's id, then by email within the segment; the account is found by domain (a work email's,
else the website's) and never made from a personal mailbox's domain.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import Account, Contact
from accounts.normalize import company_key, company_name_from_domain, title_to_persona
from qualification.intake.lookups import KnownAccount, KnownContact, KnownLead, Lookups
from qualification.intake.rows import CleanRow, Outcome
from qualification.lifecycle.engine import stage_new_lead
from qualification.lifecycle.evidence import Evidence, TransitionRefused
from qualification.matching.companies import Decision as MatchDecision
from qualification.models import AccountMatch, Motion, Source, Stage, StageTransition
from qualification.scoring.fit import account_fit

# What counts as "no value" on either side of a fill.
BLANK = (None, "", [], {})


@dataclass(eq=False)
class Decision:
    """One row's outcome and message, and everything it writes (none of it when refused)."""

    line: int
    key: str
    outcome: str
    message: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    email: str = ""
    external_id: str = ""
    lead: KnownLead | None = None  # the lead the row lands on, made here or found
    new_account: KnownAccount | None = None
    new_contact: KnownContact | None = None
    new_lead: KnownLead | None = None
    transition: StageTransition | None = None
    contact_fills: dict = field(default_factory=dict)  # blanks of lead.contact it fills
    link_account: KnownAccount | None = None  # lead.contact had no account; now this one
    account: KnownAccount | None = None  # the account whose blanks `account_fills` fills
    account_fills: dict = field(default_factory=dict)
    new_answers: dict[str, str] = field(default_factory=dict)
    activities: list[tuple[str, dt.datetime]] = field(default_factory=list)
    last_activity_at: dt.datetime | None = None  # the found lead's, when the row moves it
    # The matcher's decision for the row's company, stored with the lead; `matched` is the
    # account it went to (linked or made), None while it waits in review.
    account_match: MatchDecision | None = None
    matched: KnownAccount | None = None


def decide(row: CleanRow, lookups: Lookups) -> Decision:
    """What `row` comes to against what exists, in the database or made by earlier rows."""
    lead = lookups.leads_by_external.get(row.external_id) if row.external_id else None
    if lead is None and row.email and row.email in lookups.contacts_by_email:
        lead = lookups.leads_by_email.get(row.email)
        if lead is None:
            return _new_lead_for_contact(row, lookups.contacts_by_email[row.email], lookups)
    if lead is not None:
        return _merge(row, lead, lookups)
    return _new_person(row, lookups)


def contact_values(row: CleanRow) -> dict:
    """The row's facts of the person, keyed as lookups.CONTACT_FACTS."""
    function, seniority = title_to_persona(row.title)
    return {
        "first_name": row.first_name,
        "last_name": row.last_name,
        "title": row.title,
        "persona_function": function,
        "persona_seniority": seniority,
        "phone": row.phone,
        "country": row.country,
    }


def account_values(row: CleanRow) -> dict:
    """The row's facts of the company, keyed as lookups.ACCOUNT_FACTS."""
    return {
        "industry": row.industry,
        "employee_count": row.employee_count,
        "annual_revenue": row.annual_revenue,
        "country": row.country,
    }


def blanks_filled(have: dict, values: dict) -> dict:
    """The `values` that fill a blank of `have`, in their order."""
    return {
        name: value for name, value in values.items() if value not in BLANK and have[name] in BLANK
    }


def _created(row: CleanRow, message: str = "", **writes) -> Decision:
    return Decision(
        row.line,
        row.key,
        Outcome.CREATED,
        message,
        email=row.email,
        external_id=row.external_id,
        **writes,
    )


def _new_person(row: CleanRow, lookups: Lookups) -> Decision:
    account, new_account, account_fills, account_match = _account_for(row, lookups)
    contact = KnownContact(
        facts={**contact_values(row), "do_not_contact": row.do_not_contact}, account=account
    )
    contact.new = Contact(
        email=row.email or None,
        email_kind=row.email_kind,
        **contact.facts,
    )
    point(contact.new, "account", account)
    contact.new._change_reason = f"Created by import from {lookups.source_system}"
    lead = _build_lead(row, contact, lookups)
    created = _created(
        row,
        lead=lead,
        new_account=new_account,
        new_contact=contact,
        new_lead=lead,
        account=account if account_fills else None,
        account_fills=account_fills,
        account_match=account_match,
        matched=account,
    )
    return _staged(row, created, lookups)


def _new_lead_for_contact(row: CleanRow, contact: KnownContact, lookups: Lookups) -> Decision:
    lead = _build_lead(row, contact, lookups)
    created = _created(
        row,
        "new lead for a contact we already had",
        lead=lead,
        new_lead=lead,
        contact_fills=blanks_filled(contact.facts, contact_values(row)),
    )
    return _staged(row, created, lookups)


def _account_for(
    row: CleanRow, lookups: Lookups
) -> tuple[KnownAccount | None, KnownAccount | None, dict, MatchDecision | None]:
    """The row's account, the same one if it is new here, the blanks it fills, and the
    matcher's decision when the domain did not settle it: linked to the account it found, in
    review (no account yet), or a new account."""
    account = lookups.accounts_by_domain.get(row.domain) if row.domain else None
    if account is not None:
        return account, None, blanks_filled(account.facts, account_values(row)), None
    match = lookups.matches.get(row.line)
    if match is None and not row.domain:
        return None, None, {}, None
    if match is not None and match.outcome == AccountMatch.Outcome.LINKED:
        account = lookups.accounts_by_pk[match.account_id]
        return account, None, blanks_filled(account.facts, account_values(row)), match
    if match is not None and match.outcome == AccountMatch.Outcome.REVIEW:
        return None, None, {}, match
    key = company_key(row.company)
    if key in lookups.accounts_by_key:  # an earlier row of this batch made it
        account = lookups.accounts_by_key[key]
        if match is not None:
            match = MatchDecision(
                match.facts,
                AccountMatch.Outcome.LINKED,
                confidence=0.99,
                reasons=[{"signal": "name", "score": 1.0}],
            )
        return account, None, blanks_filled(account.facts, account_values(row)), match
    facts = account_values(row)
    new = Account(
        name=row.company or company_name_from_domain(row.domain),
        domain=row.domain or None,
        **{name: value for name, value in facts.items() if value not in (None, "")},
    )
    fit = account_fit(new, rules=lookups.icp_rules, cutoffs=lookups.cutoffs)
    new.icp_tier, new.icp_reasons = fit.tier, fit.reasons
    new._change_reason = f"Created by import from {lookups.source_system}"
    account = KnownAccount(facts=facts, domain=row.domain, icp_tier=fit.tier, new=new)
    return account, account, {}, match


def _build_lead(row: CleanRow, contact: KnownContact, lookups: Lookups) -> KnownLead:
    account = contact.account
    lead = copy.copy(lookups.lead_template)
    point(lead, "contact", contact)
    point(lead, "account", account)
    lead.source = row.source
    lead.motion = Motion.PRODUCT_LED if row.source == Source.PRODUCT_SIGNUP else Motion.INBOUND
    lead.fit_tier = account.icp_tier if account is not None else _fit_of_facts(row, lookups)
    lead.form_answers = row.answers
    lead.score_explanation = []
    lead.external_source = lookups.source_system if row.external_id else ""
    lead.external_id = row.external_id
    lead.last_activity_at = latest(None, row.activities)
    return KnownLead(
        contact=contact,
        form_answers=row.answers,
        last_activity_at=lead.last_activity_at,
        new=lead,
    )


def point(obj, name: str, record: KnownAccount | KnownContact | KnownLead | None) -> None:
    """Point `obj`'s foreign key `name` at `record`: the instance the batch inserts (its id
    comes at insert), else the row that exists."""
    if record is None:
        setattr(obj, name, None)
    elif record.new is not None:
        setattr(obj, name, record.new)
    else:
        setattr(obj, f"{name}_id", record.pk)


def latest(moment: dt.datetime | None, activities) -> dt.datetime | None:
    for _, occurred_at in activities:
        if moment is None or occurred_at > moment:
            moment = occurred_at
    return moment


def _fit_of_facts(row: CleanRow, lookups: Lookups) -> str:
    """With no account, what the file says of the company still places it against the ICP;
    files repeat the same few facts, so each combination is judged once per batch."""
    facts = account_values(row)
    key = tuple(facts.values())
    if key not in lookups.fit_cache:
        company = Account(**{k: v for k, v in facts.items() if v is not None})
        lookups.fit_cache[key] = account_fit(
            company, rules=lookups.icp_rules, cutoffs=lookups.cutoffs
        ).tier
    return lookups.fit_cache[key]


def _staged(row: CleanRow, created: Decision, lookups: Lookups) -> Decision:
    """The new lead moved to the stage the file gives it, through the engine; or the row
    refused with the engine's reasons, and nothing of it kept."""
    created.activities = row.activities
    if row.target_stage == Stage.NEW:
        return created
    evidence = Evidence(
        reason_code=row.reason_code,
        note=f"Imported from {lookups.source_system}: {row.reason_text}",
    )
    if row.target_stage == Stage.NURTURE:
        evidence.recycle_on = timezone.localdate(lookups.now) + dt.timedelta(
            days=lookups.segment.nurture_recycle_days
        )
    try:
        created.transition = stage_new_lead(
            lead=created.lead.new,
            to=row.target_stage,
            actor=lookups.rule,
            evidence=evidence,
            now=lookups.now,
        )
    except TransitionRefused as refused:
        return Decision(
            row.line,
            row.key,
            Outcome.REFUSED,
            "; ".join(refused.messages),
            errors=refused.errors,
        )
    return created


def _merge(row: CleanRow, lead: KnownLead, lookups: Lookups) -> Decision:
    """The row into a lead we have: it fills blanks and adds answers and activities; it never
    overwrites what the lead, its contact or its account already say."""
    contact = lead.contact
    merged = Decision(
        row.line,
        row.key,
        Outcome.MERGED,
        lead=lead,
        contact_fills=blanks_filled(contact.facts, contact_values(row)),
        activities=row.activities,
    )
    if row.do_not_contact and not contact.facts["do_not_contact"]:
        merged.contact_fills["do_not_contact"] = True
    filled = list(merged.contact_fills)
    if contact.account is None and (row.domain or row.line in lookups.matches):
        account, merged.new_account, merged.account_fills, merged.account_match = _account_for(
            row, lookups
        )
        merged.matched = account
        if account is not None:
            merged.link_account = account
            merged.account = account if merged.account_fills else None
            filled.append("account")
    elif contact.account is not None:
        merged.account_fills = blanks_filled(contact.account.facts, account_values(row))
        merged.account = contact.account if merged.account_fills else None
        filled += merged.account_fills
    merged.new_answers = {k: v for k, v in row.answers.items() if k not in lead.form_answers}
    if merged.new_answers:
        filled.append("form answers")
    moved = latest(lead.last_activity_at, row.activities)
    if moved != lead.last_activity_at:
        merged.last_activity_at = moved
    added = len(row.activities)
    where = f"lead {lead.pk}" if lead.pk else "a lead earlier in this file"
    if not filled and not added:
        merged.outcome, merged.message = Outcome.UNCHANGED, f"already imported as {where}"
        return merged
    what = ", ".join(f.replace("_", " ") for f in filled)
    if added:
        what = ", ".join(filter(None, [what, f"{added} activit{'y' if added == 1 else 'ies'}"]))
    merged.message = f"merged into {where}: added {what}"
    return merged
