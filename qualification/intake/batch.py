"""Intake: normalise, validate and dedupe incoming leads, in batches.

`ingest` is the one path by which leads arrive, for a CSV import (2,000 rows at a time) and for
the JSON endpoint (one row). It dedupes by the source system's id, then by email, then finds the
account by domain (from a work email, or the website); it never creates an account from a
personal mailbox's domain. Each row gets an outcome — created, merged, unchanged or refused with
why — and a batch costs a fixed number of queries however many rows it holds."""

from __future__ import annotations

import copy
import datetime as dt

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from accounts.models import Account, Contact
from accounts.normalize import (
    company_name_from_domain,
    title_to_persona,
)
from qualification.intake import pg_copy as bulk
from qualification.intake.rows import (
    CleanRow,
    LeadRow,
    Outcome,
    ReasonCodes,
    RowRefused,
    RowResult,
    check_activity_times,
    clean,
)
from qualification.lifecycle.engine import stage_new_lead
from qualification.lifecycle.evidence import Automation, Evidence, TransitionRefused
from qualification.models import (
    Activity,
    IcpRule,
    IcpSettings,
    Lead,
    Motion,
    Segment,
    Source,
    Stage,
    StageTransition,
)
from qualification.scoring.fit import account_fit
from qualification.scoring.intent import score_leads

# A batch that loses a race for a unique index is looked up and written again (see ingest);
# the second try finds the winner's rows, a third covers a second race in between.
WRITE_ATTEMPTS = 3


def _fill_blanks(obj, values: dict) -> list[str]:
    """Set each value on `obj` where `obj` has none; return the names it filled."""
    filled = []
    for name, value in values.items():
        if value in (None, "", [], {}):
            continue
        if getattr(obj, name) in (None, "", [], {}):
            setattr(obj, name, value)
            filled.append(name)
    return filled


def _contact_values(row: CleanRow) -> dict:
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


def _account_values(row: CleanRow) -> dict:
    return {
        "industry": row.industry,
        "employee_count": row.employee_count,
        "annual_revenue": row.annual_revenue,
        "country": row.country,
    }


def ingest(
    rows: list[LeadRow],
    *,
    segment: Segment,
    source_system: str,
    default_source: str = Source.LIST_IMPORT,
    actor=None,
    now: dt.datetime | None = None,
) -> list[RowResult]:
    """Bring one batch of rows in, atomically; returns one result per row, in order."""
    now = now or timezone.now()
    reasons = ReasonCodes()
    results: dict[int, RowResult] = {}
    cleaned: list[CleanRow] = []
    for row in rows:
        try:
            check_activity_times(row, now=now)
            cleaned.append(clean(row, reasons=reasons, default_source=default_source))
        except RowRefused as refused:
            results[row.line] = RowResult(
                row.line, Outcome.REFUSED, str(refused), errors=refused.errors
            )
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                batch = _Batch(segment=segment, source_system=source_system, actor=actor, now=now)
                batch.prefetch(cleaned)
                taken = [batch.take(row) for row in cleaned]
                batch.save()
        except (IntegrityError, OperationalError) as error:
            # Another request or import wrote one of these people (an email, a domain, a
            # source id) between our lookup and our write. It has committed by the time its
            # unique index refuses us, so looking again finds its rows and ours merge into them.
            # Two such writers waiting on each other's index entries are a deadlock PostgreSQL
            # breaks by failing one of them: that one looks again the same way.
            if attempt == WRITE_ATTEMPTS or not _lost_a_race(error):
                raise
            continue
        break
    results.update((result.line, result) for result in taken)
    return [results[row.line] for row in rows]


# SQLSTATEs of a transaction PostgreSQL failed because another one got there first.
_RACE_STATES = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure


def _lost_a_race(error: Exception) -> bool:
    if isinstance(error, IntegrityError):
        return True
    return getattr(error.__cause__, "sqlstate", None) in _RACE_STATES


class _Batch:
    """The records one batch touches, found with one query per kind and saved in bulk."""

    def __init__(self, *, segment, source_system, actor, now):
        self.segment = segment
        self.source_system = source_system
        self.actor = actor
        self.now = now
        self.rule = Automation(f"import:{source_system}"[:60])
        self.icp_rules = list(IcpRule.objects.filter(active=True))
        self.cutoffs = IcpSettings.load()
        self.leads_by_external: dict[str, Lead] = {}
        self.contacts_by_email: dict[str, Contact] = {}
        self.accounts_by_domain: dict[str, Account] = {}
        self.lead_by_contact: dict[int, Lead] = {}
        self.new_accounts: list[Account] = []
        self.new_contacts: list[Contact] = []
        self.new_leads: list[Lead] = []
        self.transitions: list[StageTransition] = []
        self.activities: list[Activity] = []
        self.changed_accounts: dict[int, Account] = {}
        self.changed_contacts: dict[int, Contact] = {}
        self.changed_leads: dict[int, Lead] = {}
        self.seen_leads: dict[int, Lead] = {}  # existing leads with newer activity
        self.fit_cache: dict[tuple, str] = {}
        self.new_lead_of: dict[int, Lead] = {}  # id(contact) → the lead made for it here
        # What every new lead of the batch shares. Copying it costs a third of building a
        # Lead field by field, which was a tenth of a large import's time.
        self.lead_template = Lead(segment=segment, stage_entered_at=now)
        self.lead_template._change_reason = f"Created by import from {source_system}"
        if actor is not None:
            self.lead_template._history_user = actor

    # Lookups: one query each for the whole batch.
    def prefetch(self, rows: list[CleanRow]) -> None:
        external_ids = {r.external_id for r in rows if r.external_id}
        emails = {r.email for r in rows if r.email}
        domains = {r.domain for r in rows if r.domain}
        if external_ids:
            # The non-blank filter lets PostgreSQL use the partial unique index.
            for lead in (
                Lead.objects.filter(
                    external_source=self.source_system, external_id__in=external_ids
                )
                .exclude(external_id="")
                .select_related("contact__account")
            ):
                self.leads_by_external[lead.external_id] = lead
        if emails:
            for contact in Contact.objects.filter(email__in=emails).select_related("account"):
                self.contacts_by_email[contact.email] = contact
        if domains:
            for account in Account.objects.filter(domain__in=domains):
                self.accounts_by_domain[account.domain] = account
        # One instance per account, so blanks filled through a contact and through a domain
        # land on the same object and are saved once.
        by_id = {a.pk: a for a in self.accounts_by_domain.values()}
        people = [
            *self.contacts_by_email.values(),
            *(lead.contact for lead in self.leads_by_external.values()),
        ]
        for contact in people:
            if contact.account_id is not None:
                account = by_id.setdefault(contact.account_id, contact.account)
                contact.account = account
                if account.domain:
                    self.accounts_by_domain.setdefault(account.domain, account)
        contact_ids = [c.pk for c in self.contacts_by_email.values()]
        if contact_ids:
            contacts = {c.pk: c for c in self.contacts_by_email.values()}
            # The contact's latest lead in the segment survives, whatever its stage: new
            # activity on a disqualified lead is how a false negative comes to light.
            for lead in Lead.objects.filter(
                contact_id__in=contact_ids, segment=self.segment
            ).order_by("contact_id", "-created_at", "-pk"):
                lead.contact = contacts[lead.contact_id]
                self.lead_by_contact.setdefault(lead.contact_id, lead)

    def take(self, row: CleanRow) -> RowResult:
        """Decide one row; a refused row leaves nothing behind in the batch."""
        marks = (len(self.new_accounts), len(self.new_contacts), len(self.new_leads))
        result = self._take(row)
        if result.outcome == Outcome.REFUSED:
            self._forget_since(*marks)
        return result

    def _forget_since(self, accounts: int, contacts: int, leads: int) -> None:
        dropped = {
            id(obj)
            for obj in (
                *self.new_accounts[accounts:],
                *self.new_contacts[contacts:],
                *self.new_leads[leads:],
            )
        }
        del self.new_accounts[accounts:], self.new_contacts[contacts:], self.new_leads[leads:]
        for index in (self.accounts_by_domain, self.contacts_by_email, self.leads_by_external):
            for key in [k for k, obj in index.items() if id(obj) in dropped]:
                del index[key]
        self.new_lead_of = {
            k: lead for k, lead in self.new_lead_of.items() if id(lead) not in dropped
        }

    def _take(self, row: CleanRow) -> RowResult:
        existing = None
        if row.external_id:
            existing = self.leads_by_external.get(row.external_id)
        if existing is None and row.email and row.email in self.contacts_by_email:
            contact = self.contacts_by_email[row.email]
            existing = self.lead_by_contact.get(contact.pk) if contact.pk else None
            if existing is None:
                existing = self.new_lead_of.get(id(contact))
            if existing is None:
                lead = self._new_lead(row, contact)
                result = self._staged(row, lead, "new lead for a contact we already had")
                filled = result.outcome != Outcome.REFUSED and contact.pk
                if filled and _fill_blanks(contact, _contact_values(row)):
                    contact._change_reason = f"Merged from import {self.source_system}"
                    self.changed_contacts[contact.pk] = contact
                return result
        if existing is not None:
            return self._merge(row, existing)
        contact = self._new_contact(row)
        return self._staged(row, self._new_lead(row, contact), "")

    def _staged(self, row: CleanRow, lead: Lead, message: str) -> RowResult:
        if row.target_stage != Stage.NEW:
            evidence = Evidence(
                reason_code=row.reason_code,
                note=f"Imported from {self.source_system}: {row.reason_text}",
            )
            if row.target_stage == Stage.NURTURE:
                evidence.recycle_on = timezone.localdate(self.now) + dt.timedelta(
                    days=self.segment.nurture_recycle_days
                )
            try:
                self.transitions.append(
                    stage_new_lead(
                        lead=lead,
                        to=row.target_stage,
                        actor=self.rule,
                        evidence=evidence,
                        now=self.now,
                    )
                )
            except TransitionRefused as refused:  # take() forgets what the row made
                return RowResult(
                    row.line,
                    Outcome.REFUSED,
                    "; ".join(refused.messages),
                    key=row.key,
                    errors=refused.errors,
                )
        self._add_activities(row, lead)
        return RowResult(row.line, Outcome.CREATED, message, key=row.key, lead=lead)

    def _account_for(self, row: CleanRow) -> Account | None:
        if not row.domain:
            return None
        account = self.accounts_by_domain.get(row.domain)
        if account is None:
            account = Account(
                name=row.company or company_name_from_domain(row.domain),
                domain=row.domain,
                **{k: v for k, v in _account_values(row).items() if v not in (None, "")},
            )
            fit = account_fit(account, rules=self.icp_rules, cutoffs=self.cutoffs)
            account.icp_tier, account.icp_reasons = fit.tier, fit.reasons
            account._change_reason = f"Created by import from {self.source_system}"
            self.accounts_by_domain[row.domain] = account
            self.new_accounts.append(account)
        elif _fill_blanks(account, _account_values(row)) and account.pk:
            self.changed_accounts[account.pk] = account
        return account

    def _new_contact(self, row: CleanRow) -> Contact:
        account = self._account_for(row)
        contact = Contact(
            account=account,
            email=row.email or None,
            email_kind=row.email_kind,
            do_not_contact=row.do_not_contact,
            **_contact_values(row),
        )
        contact._change_reason = f"Created by import from {self.source_system}"
        if row.email:
            self.contacts_by_email[row.email] = contact
        self.new_contacts.append(contact)
        return contact

    def _new_lead(self, row: CleanRow, contact: Contact) -> Lead:
        account = contact.account
        fit_tier = account.icp_tier if account is not None else self._fit_of_facts(row)
        lead = copy.copy(self.lead_template)
        lead.contact = contact
        lead.account = account
        lead.source = row.source
        lead.motion = Motion.PRODUCT_LED if row.source == Source.PRODUCT_SIGNUP else Motion.INBOUND
        lead.fit_tier = fit_tier
        lead.form_answers = row.answers
        lead.score_explanation = []
        lead.external_source = self.source_system if row.external_id else ""
        lead.external_id = row.external_id
        if row.external_id:
            self.leads_by_external[row.external_id] = lead
        self.new_leads.append(lead)
        self.new_lead_of[id(contact)] = lead
        return lead

    def _fit_of_facts(self, row: CleanRow) -> str:
        """With no account, what the file says of the company still places it against the
        ICP; files repeat the same few facts, so each combination is judged once."""
        facts = _account_values(row)
        key = tuple(facts.values())
        if key not in self.fit_cache:
            company = Account(**{k: v for k, v in facts.items() if v is not None})
            self.fit_cache[key] = account_fit(
                company, rules=self.icp_rules, cutoffs=self.cutoffs
            ).tier
        return self.fit_cache[key]

    def _merge(self, row: CleanRow, lead: Lead) -> RowResult:
        filled = []
        contact = lead.contact
        contact_filled = _fill_blanks(contact, _contact_values(row))
        if row.do_not_contact and not contact.do_not_contact:
            contact.do_not_contact = True
            contact_filled.append("do_not_contact")
        if contact_filled and contact.pk:
            contact._change_reason = f"Merged from import {self.source_system}"
            self.changed_contacts[contact.pk] = contact
        filled += contact_filled
        if contact.account is None and row.domain:
            contact.account = self._account_for(row)
            if contact.pk:
                self.changed_contacts[contact.pk] = contact
            filled.append("account")
        elif contact.account is not None:
            account_filled = _fill_blanks(contact.account, _account_values(row))
            if account_filled and contact.account.pk:
                self.changed_accounts[contact.account.pk] = contact.account
            filled += account_filled
        new_answers = {k: v for k, v in row.answers.items() if k not in lead.form_answers}
        if new_answers:
            lead.form_answers = {**lead.form_answers, **new_answers}
            if lead.pk:
                self.changed_leads[lead.pk] = lead
            filled.append("form answers")
        added = self._add_activities(row, lead)
        where = f"lead {lead.pk}" if lead.pk else "a lead earlier in this file"
        if not filled and not added:
            return RowResult(
                row.line, Outcome.UNCHANGED, f"already imported as {where}", key=row.key, lead=lead
            )
        what = ", ".join(f.replace("_", " ") for f in filled)
        if added:
            what = ", ".join(filter(None, [what, f"{added} activit{'y' if added == 1 else 'ies'}"]))
        return RowResult(
            row.line, Outcome.MERGED, f"merged into {where}: added {what}", key=row.key, lead=lead
        )

    def _add_activities(self, row: CleanRow, lead: Lead) -> int:
        for kind, occurred_at in row.activities:
            self.activities.append(
                Activity(contact=lead.contact, lead=lead, kind=kind, occurred_at=occurred_at)
            )
            if lead.last_activity_at is None or occurred_at > lead.last_activity_at:
                lead.last_activity_at = occurred_at
                if lead.pk:
                    self.seen_leads[lead.pk] = lead
        return len(row.activities)

    def save(self) -> None:
        """Write everything in dependency order; saved parents give children their ids."""
        bulk.insert(self.new_accounts, history=True, history_user=self.actor)
        bulk.insert(self.new_contacts, history=True, history_user=self.actor)
        bulk.insert(self.new_leads, history=True, history_user=self.actor)
        bulk.insert(self.transitions)
        bulk.insert(self.activities)
        if self.seen_leads:
            Lead.objects.bulk_update(list(self.seen_leads.values()), ["last_activity_at"])
        merged = {"history_user": self.actor, "change_reason": "Merged from import"}
        bulk.update(
            list(self.changed_accounts.values()),
            ["industry", "employee_count", "annual_revenue", "country"],
            **merged,
        )
        bulk.update(
            list(self.changed_contacts.values()),
            [
                "account",
                "first_name",
                "last_name",
                "title",
                "persona_function",
                "persona_seniority",
                "phone",
                "country",
                "do_not_contact",
            ],
            **merged,
        )
        bulk.update(list(self.changed_leads.values()), ["form_answers"], **merged)
        touched = {lead.pk for lead in self.new_leads} | set(self.changed_leads)
        touched |= {a.lead.pk for a in self.activities}
        if touched:
            score_leads(touched, now=self.now)
