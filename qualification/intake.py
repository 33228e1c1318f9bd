"""Intake: normalise, validate and dedupe incoming leads, in batches.

`ingest` is the one path by which leads arrive, for a CSV import (2,000 rows at a time) and for
the JSON endpoint (one row). It dedupes by the source system's id, then by email, then finds the
account by domain (from a work email, or the website); it never creates an account from a
personal mailbox's domain. Each row gets an outcome — created, merged, unchanged or refused with
why — and a batch costs a fixed number of queries however many rows it holds.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from accounts.models import Account, Contact
from accounts.normalize import (
    company_name_from_domain,
    display_company_name,
    domain_from_email,
    email_kind,
    is_valid_domain,
    is_valid_email,
    normalize_domain,
    normalize_email,
    title_to_persona,
)

from . import bulk
from .models import (
    Activity,
    IcpRule,
    IcpSettings,
    ImportRow,
    Lead,
    Motion,
    ReasonCode,
    Segment,
    Source,
    Stage,
    StageTransition,
    activity_time_problem,
)
from .scoring import account_fit, score_leads
from .transitions import Evidence, Rule, TransitionRefused, stage_new_lead

Outcome = ImportRow.Outcome

# What a file may say for "no answer" (x_education says "Select").
BLANKS = frozenset({"", "select", "n/a", "na", "null", "none", "-", "--", "nan", "#n/a"})

LIMITS = {
    "email": 254,
    "first_name": 100,
    "last_name": 100,
    "full_name": 200,
    "company": 255,
    "website": 253,
    "title": 200,
    "phone": 40,
    "country": 60,
    "industry": 120,
    "employees": 30,
    "revenue": 30,
    "source": 100,
    "stage": 60,
    "disqualify_reason": 100,
    "external_id": 100,
    "do_not_contact": 10,
    "timezone": 10,
}
ANSWER_LIMIT = 500
# A batch that loses a race for a unique index is looked up and written again (see ingest);
# the second try finds the winner's rows, a third covers a second race in between.
WRITE_ATTEMPTS = 3
MAX_ANSWERS = 30

COUNTRIES = {
    "united states": "US",
    "usa": "US",
    "us": "US",
    "united states of america": "US",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "gb": "GB",
    "india": "IN",
    "canada": "CA",
    "australia": "AU",
    "germany": "DE",
    "france": "FR",
    "netherlands": "NL",
    "ireland": "IE",
    "spain": "ES",
    "italy": "IT",
    "sweden": "SE",
    "denmark": "DK",
    "norway": "NO",
    "finland": "FI",
    "singapore": "SG",
    "hong kong": "HK",
    "united arab emirates": "AE",
    "uae": "AE",
    "saudi arabia": "SA",
    "qatar": "QA",
    "bahrain": "BH",
    "oman": "OM",
    "kuwait": "KW",
    "south africa": "ZA",
    "nigeria": "NG",
    "kenya": "KE",
    "brazil": "BR",
    "mexico": "MX",
    "japan": "JP",
    "china": "CN",
    "russia": "RU",
    "belarus": "BY",
    "iran": "IR",
    "new zealand": "NZ",
    "switzerland": "CH",
    "austria": "AT",
    "belgium": "BE",
    "poland": "PL",
    "portugal": "PT",
    "israel": "IL",
}
US_TIME_ZONES = frozenset({"pst", "pdt", "mst", "mdt", "cst", "cdt", "est", "edt", "akst", "hst"})

# Source words → our sources, first match wins.
SOURCE_WORDS: tuple[tuple[str, str], ...] = (
    ("demo", Source.DEMO_REQUEST),
    ("webinar", Source.WEBINAR),
    ("trade show", Source.EVENT),
    ("event", Source.EVENT),
    ("conference", Source.EVENT),
    ("purchased", Source.LIST_IMPORT),
    ("list", Source.LIST_IMPORT),
    ("import", Source.LIST_IMPORT),
    ("partner", Source.PARTNER),
    ("referral", Source.PARTNER),
    ("reference", Source.PARTNER),
    ("outbound", Source.OUTBOUND),
    ("cold", Source.OUTBOUND),
    ("signup", Source.PRODUCT_SIGNUP),
    ("sign up", Source.PRODUCT_SIGNUP),
    ("trial", Source.PRODUCT_SIGNUP),
    ("ebook", Source.CONTENT),
    ("white paper", Source.CONTENT),
    ("whitepaper", Source.CONTENT),
    ("content", Source.CONTENT),
    ("registration", Source.FORM),
    ("form", Source.FORM),
    ("landing page", Source.FORM),
    ("chat", Source.FORM),
    ("google", Source.FORM),
    ("organic", Source.FORM),
    ("direct", Source.FORM),
    ("search", Source.FORM),
    ("bing", Source.FORM),
    ("facebook", Source.FORM),
    ("website", Source.FORM),
    ("web", Source.FORM),
)

# A source system's stage words → ours. Open stages arrive as new: our SAL and later stages
# demand evidence (an owner here, ICP confirmed, discovery) that a file does not carry.
STAGE_WORDS = {
    "disqualified": Stage.DISQUALIFIED,
    "unqualified": Stage.DISQUALIFIED,
    "closed lost": Stage.DISQUALIFIED,
    "lost": Stage.DISQUALIFIED,
    "junk": Stage.DISQUALIFIED,
    "nurture": Stage.NURTURE,
    "recycled": Stage.NURTURE,
}

# Disqualify reasons as other systems word them → our reason codes.
REASON_WORDS = {
    "abandoned": "unresponsive",
    "no response": "unresponsive",
    "unresponsive": "unresponsive",
    "not interested": "no_need",
    "no need": "no_need",
    "not a priority": "no_need",
    "unsubscribed/do not call": "unresponsive",
    "unsubscribed": "unresponsive",
    "do not call": "unresponsive",
    "wrong contact": "wrong_persona",
    "wrong person": "wrong_persona",
    "bad email": "junk",
    "invalid email": "junk",
    "spam": "junk",
    "no budget": "no_budget",
    "budget": "no_budget",
    "bad timing": "timing",
    "timing": "timing",
    "not now": "timing",
    "competitor": "competitor_lock_in",
    "went with competitor": "competitor_lock_in",
    "student": "student",
    "bad fit": "bad_fit",
    "not a fit": "bad_fit",
    "no authority": "no_authority",
    "duplicate": "duplicate",
    "geography": "unserviceable_geography",
}
DO_NOT_CONTACT_REASONS = frozenset({"unsubscribed/do not call", "unsubscribed", "do not call"})
TRUTHY = frozenset({"yes", "y", "true", "1", "t"})


@dataclass
class LeadRow:
    """One incoming lead as the outside world wrote it (all text)."""

    line: int
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    full_name: str = ""
    company: str = ""
    website: str = ""
    title: str = ""
    phone: str = ""
    country: str = ""
    industry: str = ""
    employees: str = ""
    revenue: str = ""
    source: str = ""
    stage: str = ""
    disqualify_reason: str = ""
    external_id: str = ""
    do_not_contact: str = ""
    timezone: str = ""
    answers: dict[str, str] = field(default_factory=dict)
    activities: list[tuple[str, dt.datetime]] = field(default_factory=list)


@dataclass
class CleanRow:
    line: int
    key: str
    email: str
    email_kind: str
    external_id: str
    first_name: str
    last_name: str
    title: str
    phone: str
    country: str
    domain: str
    company: str
    industry: str
    employee_count: int | None
    annual_revenue: Decimal | None
    source: str
    target_stage: str
    reason_code: ReasonCode | None
    reason_text: str
    do_not_contact: bool
    answers: dict[str, str]
    activities: list[tuple[str, dt.datetime]]


@dataclass
class RowResult:
    line: int
    outcome: str
    message: str = ""
    key: str = ""
    lead: Lead | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


class RowRefused(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(m for ms in errors.values() for m in ms))


def _blank(value: str) -> bool:
    return value.strip().lower() in BLANKS


def _parse_number(text: str) -> Decimal | None:
    """`1,200` → 1200, `36.9 M` → 36,900,000, `$180,000` → 180000; anything else → None."""
    match = re.fullmatch(r"\$?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*([kmb])?\w*", text.strip().lower())
    if not match:
        return None
    try:
        number = Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:
        return None
    scale = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}.get(match.group(2) or "", 1)
    return number * scale


SOURCE_VALUES = frozenset(Source.values)


def map_source(text: str, default: str) -> str:
    lowered = text.strip().lower()
    if lowered in SOURCE_VALUES:
        return lowered
    for word, source in SOURCE_WORDS:
        if word in lowered:
            return source
    return default


def map_country(text: str, timezone_text: str = "") -> str:
    lowered = " ".join(text.strip().lower().split())
    if len(lowered) == 2 and lowered.isalpha():
        return lowered.upper()
    if lowered in COUNTRIES:
        return COUNTRIES[lowered]
    if not lowered and timezone_text.strip().lower() in US_TIME_ZONES:
        return "US"
    return ""


class ReasonCodes:
    """Our reason codes, found by code, label or another system's wording."""

    def __init__(self) -> None:
        self.by_code = {code.code: code for code in ReasonCode.objects.filter(active=True)}
        self.by_words = {code.label.lower(): code for code in self.by_code.values()}
        self.by_words.update({c.replace("_", " "): code for c, code in self.by_code.items()})

    def find(self, text: str) -> ReasonCode | None:
        lowered = " ".join(text.strip().lower().split())
        if lowered in self.by_code:
            return self.by_code[lowered]
        if lowered in REASON_WORDS:
            return self.by_code.get(REASON_WORDS[lowered])
        return self.by_words.get(lowered)


def clean(row: LeadRow, *, reasons: ReasonCodes, default_source: str) -> CleanRow:
    """Validate and normalise one row; raises RowRefused with a message per bad field."""
    errors: dict[str, list[str]] = {}
    values = {}
    for name, limit in LIMITS.items():
        text = getattr(row, name)
        if not isinstance(text, str):
            errors.setdefault(name, []).append("must be text")
            continue
        text = " ".join(text.split()) if name != "email" else text.strip()
        if len(text) > limit:
            errors.setdefault(name, []).append(
                f"{name.replace('_', ' ')} is {len(text):,} characters long; "
                f"at most {limit:,} are kept"
            )
        values[name] = "" if _blank(text) else text
    if errors:
        raise RowRefused(errors)

    email = normalize_email(values["email"])
    if email and not is_valid_email(email):
        raise RowRefused({"email": [f"“{values['email']}” is not a valid email address"]})
    external_id = values["external_id"]
    if not email and not external_id:
        raise RowRefused(
            {"email": ["no email, and no source id (LeadId, Prospect ID, Id) to key the lead by"]}
        )

    website = values["website"]
    kind = email_kind(email) if email else ""
    domain = domain_from_email(email) if kind == "work" else ""
    if not domain and website:
        domain = normalize_domain(website)
        if not is_valid_domain(domain):
            raise RowRefused({"website": [f"“{website}” is not a website or domain"]})

    first, last = values["first_name"], values["last_name"]
    if not (first or last) and values["full_name"]:
        first, _, last = values["full_name"].partition(" ")

    stage_text = values["stage"].lower()
    target_stage = STAGE_WORDS.get(stage_text, Stage.NEW)
    reason_code, reason_text = None, values["disqualify_reason"]
    if target_stage != Stage.NEW:  # disqualifying and parking both take a reason code
        if not reason_text:
            kind = "disqualified" if target_stage == Stage.DISQUALIFIED else "nurtured"
            raise RowRefused(
                {
                    "disqualify_reason": [
                        f"is {values['stage']} in the file with no reason; "
                        f"every {kind} lead here needs a reason code"
                    ]
                }
            )
        reason_code = reasons.find(reason_text)
        if reason_code is None:
            raise RowRefused(
                {"disqualify_reason": [f"“{reason_text}” matches none of our reason codes"]}
            )
        if reason_code.requires_recycle_date:
            target_stage = Stage.NURTURE

    answers = {
        key[:100]: str(value)[:ANSWER_LIMIT]
        for key, value in list(row.answers.items())[:MAX_ANSWERS]
        if isinstance(value, str | int | float) and not _blank(str(value))
    }
    if values["stage"] and target_stage == Stage.NEW:
        answers["Stage in source system"] = values["stage"]
    if values["source"] and map_source(values["source"], "") == "":
        answers["Source in source system"] = values["source"]
    if values["company"] and not domain:
        answers["Company"] = values["company"]
    if reason_text and target_stage == Stage.NEW:
        answers["Reason in source system"] = reason_text

    employees = _parse_number(values["employees"])
    return CleanRow(
        line=row.line,
        key=f"id:{external_id}" if external_id else email,
        email=email,
        email_kind=kind,
        external_id=external_id,
        first_name=first[:100],
        last_name=last[:100],
        title=values["title"],
        phone=values["phone"],
        country=map_country(values["country"], values["timezone"]),
        domain=domain,
        company=display_company_name(values["company"]),
        industry=values["industry"],
        employee_count=int(employees) if employees is not None and employees < 10**7 else None,
        annual_revenue=_parse_number(values["revenue"]),
        source=map_source(values["source"], default_source),
        target_stage=target_stage,
        reason_code=reason_code,
        reason_text=reason_text,
        do_not_contact=(values["do_not_contact"].lower() in TRUTHY)
        or reason_text.lower() in DO_NOT_CONTACT_REASONS,
        answers=answers,
        activities=row.activities,
    )


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


def _check_activity_times(row: LeadRow, *, now: dt.datetime) -> None:
    """Refuse the row when one of its activities falls outside the stored window, whichever
    caller built it (the JSON intake says so per item before it gets here)."""
    problems = [
        f"item {index}: occurred_at is {problem}"
        for index, (_, moment) in enumerate(row.activities)
        if (problem := activity_time_problem(moment, now=now))
    ]
    if problems:
        raise RowRefused({"activities": problems})


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
            _check_activity_times(row, now=now)
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
        self.rule = Rule(f"import:{source_system}"[:60])
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
