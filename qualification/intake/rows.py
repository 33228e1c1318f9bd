"""One incoming row: as given, as cleaned, and how it turned out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from accounts.normalize import (
    display_company_name,
    domain_from_email,
    email_kind,
    is_company_domain,
    is_valid_domain,
    is_valid_email,
    normalize_domain,
    normalize_email,
    normalize_phone,
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
    phone_problem: str
    domain: str
    website_domain: str
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
    lead_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


class RowRefused(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(m for ms in errors.values() for m in ms))


class ReasonCodes:
    """Our reason codes, found by code, label or another system's wording."""

    def __init__(self, codes: Iterable[ReasonCode] | None = None) -> None:
        if codes is None:
            codes = ReasonCode.objects.filter(active=True)
        self.by_code = {code.code: code for code in codes}
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
    """Validate and normalise one row; raises RowRefused with a message per bad field.

    The steps run in this order, and the first to refuse decides the row's message."""
    # The parts are frozen dataclasses whose fields are CleanRow's own (vars() copies nothing).
    texts = trimmed_texts(row)
    identity = identify(texts)
    company = place_company(texts, identity=identity)
    person = name_person(texts)
    stage = read_stage(texts, reasons=reasons)
    return CleanRow(
        line=row.line,
        **vars(identity),
        **vars(person),
        **vars(company),
        **vars(stage),
        source=map_source(texts["source"], default_source),
        do_not_contact=wants_no_contact(texts, reason_text=stage.reason_text),
        answers=keep_answers(
            row, texts, domain=company.domain, target_stage=stage.target_stage, person=person
        ),
        activities=row.activities,
    )


@dataclass(frozen=True)
class Identity:
    """What keys the lead: the source system's id, else the email."""

    key: str
    email: str
    email_kind: str
    external_id: str


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    title: str
    phone: str  # E.164, or "" when what was typed is no phone number (phone_problem says so)
    country: str
    phone_problem: str = ""


@dataclass(frozen=True)
class Company:
    domain: str
    website_domain: str  # the website's, for matching's "same website" beside a work email
    company: str
    industry: str
    employee_count: int | None
    annual_revenue: Decimal | None


@dataclass(frozen=True)
class StageInFile:
    target_stage: str
    reason_code: ReasonCode | None
    reason_text: str


def trimmed_texts(row: LeadRow) -> dict[str, str]:
    """Each text field with its runs of whitespace collapsed (the email only stripped), and a
    blank word ("N/A", "Select") read as empty; refuses text that is not text or too long."""
    errors: dict[str, list[str]] = {}
    texts = {}
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
        texts[name] = "" if is_blank(text) else text
    if errors:
        raise RowRefused(errors)
    return texts


def identify(texts: dict[str, str]) -> Identity:
    email = normalize_email(texts["email"])
    if email and not is_valid_email(email):
        raise RowRefused({"email": [f"“{texts['email']}” is not a valid email address"]})
    external_id = texts["external_id"]
    if not email and not external_id:
        raise RowRefused(
            {"email": ["no email, and no source id (LeadId, Prospect ID, Id) to key the lead by"]}
        )
    return Identity(
        key=f"id:{external_id}" if external_id else email,
        email=email,
        email_kind=email_kind(email) if email else "",
        external_id=external_id,
    )


def place_company(texts: dict[str, str], *, identity: Identity) -> Company:
    """The company's domain comes from a work email, else from the website, reduced to the
    registered domain (eu.acme.co.uk → acme.co.uk); a free or throwaway mailbox's domain
    (gmail.com, mailinator.com) is nobody's company, as an email or as a website."""
    website = texts["website"]
    work = identity.email_kind == "work"
    domain = domain_from_email(identity.email) if work else ""
    website_domain = normalize_domain(website) if website else ""
    if website and not domain:
        domain = website_domain
        if not is_valid_domain(domain):
            raise RowRefused({"website": [f"“{website}” is not a website or domain"]})
        if not is_company_domain(domain):
            domain = ""
    if website_domain and not (
        is_valid_domain(website_domain) and is_company_domain(website_domain)
    ):
        website_domain = ""
    employees = parse_number(texts["employees"])
    return Company(
        domain=domain,
        website_domain=website_domain,
        company=display_company_name(texts["company"]),
        industry=texts["industry"],
        employee_count=int(employees) if employees is not None and employees < 10**7 else None,
        annual_revenue=parse_number(texts["revenue"]),
    )


def name_person(texts: dict[str, str]) -> Person:
    first, last = texts["first_name"], texts["last_name"]
    if not (first or last) and texts["full_name"]:
        first, _, last = texts["full_name"].partition(" ")
    country = map_country(texts["country"], texts["timezone"])
    # Stored in E.164, read with the person's country for numbers typed without +. A number
    # that does not read is kept off the contact (a stored phone is always dialable and found
    # by search however it is typed), kept in the lead's answers as typed, and the row says so.
    typed = texts["phone"]
    phone = normalize_phone(typed, country)
    problem = ""
    if typed and not phone:
        where = f" for {country}" if country else " (no country to read it by)"
        problem = f"phone “{typed}” is not a phone number{where}; kept in the answers only"
    return Person(
        first_name=first[:100],
        last_name=last[:100],
        title=texts["title"],
        phone=phone,
        country=country,
        phone_problem=problem,
    )


def read_stage(texts: dict[str, str], *, reasons: ReasonCodes) -> StageInFile:
    """A disqualified or parked row lands there with one of our reason codes; any other stage
    the file names leaves the lead new (keep_answers keeps the words)."""
    target_stage = STAGE_WORDS.get(texts["stage"].lower(), Stage.NEW)
    reason_text = texts["disqualify_reason"]
    if target_stage == Stage.NEW:
        return StageInFile(target_stage, None, reason_text)
    if not reason_text:
        kind = "disqualified" if target_stage == Stage.DISQUALIFIED else "nurtured"
        raise RowRefused(
            {
                "disqualify_reason": [
                    f"is {texts['stage']} in the file with no reason; "
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
    return StageInFile(target_stage, reason_code, reason_text)


def keep_answers(
    row: LeadRow,
    texts: dict[str, str],
    *,
    domain: str,
    target_stage: str,
    person: Person | None = None,
) -> dict[str, str]:
    """The file's other columns, bounded, plus what it said that we have no field for."""
    answers = {
        key[:100]: str(value)[:ANSWER_LIMIT]
        for key, value in list(row.answers.items())[:MAX_ANSWERS]
        if isinstance(value, str | int | float) and not is_blank(str(value))
    }
    if texts["stage"] and target_stage == Stage.NEW:
        answers["Stage in source system"] = texts["stage"]
    if texts["source"] and map_source(texts["source"], "") == "":
        answers["Source in source system"] = texts["source"]
    if texts["company"] and not domain:
        answers["Company"] = texts["company"]
    if person is not None and person.phone_problem:
        answers["Phone as typed"] = texts["phone"]
    if texts["disqualify_reason"] and target_stage == Stage.NEW:
        answers["Reason in source system"] = texts["disqualify_reason"]
    return answers


def wants_no_contact(texts: dict[str, str], *, reason_text: str) -> bool:
    """Do not contact: the file's flag, or a reason that says so (unsubscribed)."""
    flagged = texts["do_not_contact"].lower() in TRUTHY
    return flagged or reason_text.lower() in DO_NOT_CONTACT_REASONS


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
