"""One incoming row: as given, as cleaned, and how it turned out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from accounts.normalize import (
    display_company_name,
    domain_from_email,
    email_kind,
    is_valid_domain,
    is_valid_email,
    normalize_domain,
    normalize_email,
)
from qualification.intake.vocabulary import (
    ANSWER_LIMIT,
    DO_NOT_CONTACT_REASONS,
    LIMITS,
    MAX_ANSWERS,
    REASON_WORDS,
    STAGE_WORDS,
    TRUTHY,
    is_blank,
    map_country,
    map_source,
    parse_number,
)
from qualification.models import (
    ImportRow,
    Lead,
    ReasonCode,
    Stage,
    activity_time_problem,
)

Outcome = ImportRow.Outcome


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
        values[name] = "" if is_blank(text) else text
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
        if isinstance(value, str | int | float) and not is_blank(str(value))
    }
    if values["stage"] and target_stage == Stage.NEW:
        answers["Stage in source system"] = values["stage"]
    if values["source"] and map_source(values["source"], "") == "":
        answers["Source in source system"] = values["source"]
    if values["company"] and not domain:
        answers["Company"] = values["company"]
    if reason_text and target_stage == Stage.NEW:
        answers["Reason in source system"] = reason_text

    employees = parse_number(values["employees"])
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
        annual_revenue=parse_number(values["revenue"]),
        source=map_source(values["source"], default_source),
        target_stage=target_stage,
        reason_code=reason_code,
        reason_text=reason_text,
        do_not_contact=(values["do_not_contact"].lower() in TRUTHY)
        or reason_text.lower() in DO_NOT_CONTACT_REASONS,
        answers=answers,
        activities=row.activities,
    )


def check_activity_times(row: LeadRow, *, now: dt.datetime) -> None:
    """Refuse the row when one of its activities falls outside the stored window, whichever
    caller built it (the JSON intake says so per item before it gets here)."""
    problems = [
        f"item {index}: occurred_at is {problem}"
        for index, (_, moment) in enumerate(row.activities)
        if (problem := activity_time_problem(moment, now=now))
    ]
    if problems:
        raise RowRefused({"activities": problems})
