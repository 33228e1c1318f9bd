"""Load a firmographics file RevOps has (Fortune 500, Inc. 5000, a vendor's export) as the
companies of one source, which enrichment then reads as the provider of that name.

Columns are found by their header: the name (`title`, `name`, `company`, `fullname`, first
present wins), `website`, `industry` or `sector`, `employees`, revenue (`revenues` and
`revenue_millions` in millions of US dollars, `revenue` as text such as `36.9 M`) and the
country (`country`; a file with a US state column instead, as Fortune's `hqstate`, is in the
US). Messy values are cleaned (`1,200`) or left blank with a note on their row (`NA`,
`$180,000` as a head count); a row with neither a usable website nor a name is skipped. Two
companies on one domain keep it for the one whose name matches the domain (else the earlier
line), and the other is kept under its name. Every row ends in one outcome, so the report adds
up to the file; loading the same file again changes nothing.
"""

from __future__ import annotations

import csv
import functools
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pycountry
from django.db import transaction
from django.utils import timezone

from accounts.normalize import company_name_from_domain, is_valid_domain, normalize_domain
from qualification.enrichment.providers import name_key
from qualification.models import EnrichmentSettings, FirmographicRecord

NAME_COLUMNS = ("title", "name", "company", "fullname")
WEBSITE_COLUMNS = ("website", "url", "domain")
INDUSTRY_COLUMNS = ("industry", "sector")
EMPLOYEE_COLUMNS = ("employees", "employee_count")
# Tried in this order on each row; the first that reads gives the revenue.
REVENUE_COLUMNS = (("revenues", "millions"), ("revenue_millions", "millions"), ("revenue", "text"))
COUNTRY_COLUMNS = ("country", "hq_country")
US_STATE_COLUMNS = ("hqstate", "hq_state", "state")
NOTHING = frozenset({"", "na", "n/a", "none", "null", "-", "—", "unknown"})
STORED = (
    "name",
    "domain",
    "name_key",
    "industry",
    "employee_count",
    "annual_revenue",
    "currency",
    "country",
)
# What the two files the loader was built on give revenue in.
DEFAULT_CURRENCY = "USD"


class FirmographicsFileError(Exception):
    """The file cannot be loaded at all (missing, no header we can use)."""


class Outcome:
    LOADED = "loaded"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"


@dataclass
class RowReport:
    line: int
    outcome: str = ""
    key: str = ""
    notes: list[str] = field(default_factory=list)
    reason: str = ""  # why it was skipped
    repeats: int | None = None  # the line it repeats

    @property
    def detail(self) -> str:
        parts = [self.reason] if self.reason else []
        if self.repeats:
            parts.append(f"line {self.repeats}")
        return "; ".join(parts + self.notes)


@dataclass
class LoadReport:
    source: str
    path: str
    rows: list[RowReport] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # two companies on one domain
    seconds: float = 0.0
    columns: dict[str, str] = field(default_factory=dict)  # what each header column was read as

    @property
    def read(self) -> int:
        return len(self.rows)

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def skipped_by_reason(self) -> Counter:
        return Counter(row.reason for row in self.rows if row.outcome == Outcome.SKIPPED)

    @property
    def notes_by_kind(self) -> Counter:
        return Counter(_kind(note) for row in self.rows for note in row.notes)

    def summary(self) -> str:
        parts = [
            f"{self.read:,} rows read from {self.path} as source “{self.source}”: "
            f"{self.count(Outcome.LOADED):,} loaded, {self.count(Outcome.UPDATED):,} updated, "
            f"{self.count(Outcome.UNCHANGED):,} unchanged, {self.count(Outcome.SKIPPED):,} "
            f"skipped, in {self.seconds:.2f} s"
        ]
        parts += [f"  skipped, {reason}: {n:,}" for reason, n in self.skipped_by_reason.items()]
        parts += [f"  note, {kind}: {n:,}" for kind, n in self.notes_by_kind.most_common()]
        parts += [f"  two companies on one domain: {text}" for text in self.conflicts]
        return "\n".join(parts)


def _kind(note: str) -> str:
    """A note without its quoted value, to count notes of one kind."""
    return re.sub(r"“[^”]*”", "…", note)


@dataclass
class _Parsed:
    report: RowReport
    name: str = ""
    domain: str = ""
    industry: str = ""
    employee_count: int | None = None
    annual_revenue: Decimal | None = None
    country: str = ""

    @property
    def name_key(self) -> str:
        return name_key(self.name)

    def values(self) -> dict:
        return {
            "name": self.name[:255],
            "domain": self.domain,
            "name_key": self.name_key[:255],
            "industry": self.industry[:120],
            "employee_count": self.employee_count,
            "annual_revenue": self.annual_revenue,
            "country": self.country,
        }


def load_firmographics(
    path: Path | str, *, source: str, country: str = "", currency: str = DEFAULT_CURRENCY
) -> LoadReport:
    """Load the file as source `source` (`country`: the ISO code of a file without a country
    column; `currency`: the ISO 4217 code its revenue is in) and list the source among the
    enrichment providers if it is new there."""
    started = time.perf_counter()
    path = Path(path)
    source = source.strip()
    if not source or len(source) > 60:
        raise FirmographicsFileError("Give the source a name of 1 to 60 characters (--source).")
    default_country = _country(country) if country else ""
    if country and not default_country:
        raise FirmographicsFileError(f"--country “{country}” is not a country we know.")
    currency = currency.strip().upper()
    if pycountry.currencies.get(alpha_3=currency) is None:
        raise FirmographicsFileError(f"--currency “{currency}” is not an ISO 4217 currency code.")
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise FirmographicsFileError(f"Cannot read {path}: {error.strerror}.") from error
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise FirmographicsFileError(f"{path} is empty.")
        columns = _columns(header)
        if "website" not in columns and "name" not in columns:
            raise FirmographicsFileError(
                f"{path} has no website column and no name column ({', '.join(WEBSITE_COLUMNS)}"
                f"; {', '.join(NAME_COLUMNS)}): nothing to key a company by."
            )
        report = LoadReport(source=source, path=str(path), columns=_shown_columns(columns, header))
        parsed = [
            _parse(values, line, columns, default_country, width=len(header))
            for line, values in enumerate(reader, start=2)
        ]
    report.rows = [row.report for row in parsed]
    keyed = _keyed(parsed, report.conflicts, has_names="name" in columns)
    _write(keyed, source=source, currency=currency)
    report.seconds = time.perf_counter() - started
    return report


def _columns(header: list[str]) -> dict[str, object]:
    """Each thing we read → its column index (revenue: a list of (index, unit))."""
    lower = [column.strip().casefold() for column in header]

    def first(names) -> int | None:
        return next((lower.index(n) for n in names if n in lower), None)

    found: dict[str, object] = {}
    for what, names in (
        ("name", NAME_COLUMNS),
        ("website", WEBSITE_COLUMNS),
        ("industry", INDUSTRY_COLUMNS),
        ("employees", EMPLOYEE_COLUMNS),
        ("country", COUNTRY_COLUMNS),
        ("us_state", US_STATE_COLUMNS),
    ):
        index = first(names)
        if index is not None:
            found[what] = index
    revenue = [(lower.index(name), unit) for name, unit in REVENUE_COLUMNS if name in lower]
    if revenue:
        found["revenue"] = revenue
    return found


def _shown_columns(columns: dict, header: list[str]) -> dict[str, str]:
    shown = {}
    for what, where in columns.items():
        if what == "revenue":
            shown[what] = ", then ".join(f"{header[i]} ({unit})" for i, unit in where)
        else:
            shown[what] = header[where]
    return shown


def _parse(values: list[str], line: int, columns: dict, default_country: str, *, width: int):
    report = RowReport(line)
    row = _Parsed(report)

    def cell(what: str) -> str:
        index = columns.get(what)
        if index is None or index >= len(values):
            return ""
        text = " ".join(values[index].split())
        if text.casefold() in NOTHING:
            if text and what in ("website", "employees", "industry", "country"):
                report.notes.append(f"{what} “{text[:20]}”: no value")
            return ""
        return text

    if len(values) != width:
        report.notes.append(f"has {len(values)} values for {width} columns")
    row.name = cell("name")
    website = cell("website")
    if website:
        domain = normalize_domain(website)
        if is_valid_domain(domain):
            row.domain = domain
        else:
            report.notes.append(f"website “{website[:80]}” is not a usable website")
    if not row.name and row.domain:
        row.name = company_name_from_domain(row.domain)
    row.industry = cell("industry")
    employees = cell("employees")
    if employees:
        row.employee_count = _head_count(employees)
        if row.employee_count is None:
            report.notes.append(f"employees “{employees[:40]}” is not a head count: left blank")
    for index, unit in columns.get("revenue", []):
        text = values[index].strip() if index < len(values) else ""
        if text.casefold() in NOTHING:
            continue
        row.annual_revenue = _amount(text, unit)
        if row.annual_revenue is not None:
            break
        report.notes.append(f"revenue “{text[:40]}” is not an amount: left blank")
    country_text = cell("country")
    if country_text:
        row.country = _country(country_text)
        if not row.country:
            report.notes.append(f"country “{country_text[:40]}” is not one we know: left blank")
    elif "us_state" in columns and cell("us_state"):
        state = cell("us_state")
        if _is_us_state(state):
            row.country = "US"
        else:
            report.notes.append(f"state “{state[:40]}” is not a US state: country left blank")
    if not row.country:
        row.country = default_country
    if not row.domain and not row.name:
        report.outcome, report.reason = Outcome.SKIPPED, "no usable website and no name"
    return row


def _head_count(text: str) -> int | None:
    if "$" in text or "€" in text or "£" in text:
        return None  # an amount of money in the head-count column
    digits = text.replace(",", "").replace(" ", "")
    if not digits.isdigit() or int(digits) == 0:
        return None
    return int(digits)


_UNITS = {"": 1, "k": 10**3, "m": 10**6, "mm": 10**6, "b": 10**9, "bn": 10**9}
_AMOUNT = re.compile(r"^[$€£]?\s*(\d[\d,]*(?:\.\d+)?)\s*([a-z]*)$")


def _amount(text: str, unit: str) -> Decimal | None:
    match = _AMOUNT.match(text.strip().casefold())
    if not match:
        return None
    try:
        number = Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:
        return None
    suffix = match.group(2)
    if unit == "millions":
        if suffix:
            return None
        number *= 10**6
    elif suffix in _UNITS:
        number *= _UNITS[suffix]
    else:
        return None
    if number >= Decimal(10) ** 14:
        return None  # beyond what the account's revenue column holds
    return number.quantize(Decimal("0.01"))


@functools.cache
def _country(text: str) -> str:
    try:
        return pycountry.countries.lookup(text.strip()).alpha_2
    except LookupError:
        return ""


@functools.cache
def _us_states() -> frozenset[str]:
    return frozenset(s.code.split("-")[1] for s in pycountry.subdivisions.get(country_code="US"))


def _is_us_state(text: str) -> bool:
    return text.strip().upper() in _us_states()


def _keyed(parsed: list[_Parsed], conflicts: list[str], *, has_names: bool) -> dict[str, _Parsed]:
    """The rows to store by key; repeats skipped, a second company on a domain moved to its
    name (see the module's docstring). Sets each row's key, or skips it with the reason."""
    by_domain: dict[str, list[_Parsed]] = {}
    for row in parsed:
        if not row.report.outcome and row.domain:
            by_domain.setdefault(row.domain, []).append(row)
    keyed: dict[str, _Parsed] = {}
    by_name_only: list[_Parsed] = [r for r in parsed if not r.report.outcome and not r.domain]
    for domain, rows in by_domain.items():
        companies: dict[object, _Parsed] = {}  # the company → its first row
        for row in rows:
            # A file without names tells companies apart by what it says of them.
            company = row.name_key if has_names else _facts(row)
            first = companies.get(company)
            if first is not None:
                row.report.outcome = Outcome.SKIPPED
                row.report.reason = "repeats an earlier line of the same company"
                row.report.repeats = first.report.line
                continue
            companies[company] = row
        keeper = _keeper(domain, list(companies.values()))
        keyed[domain] = keeper
        for other in companies.values():
            if other is keeper:
                continue
            if not has_names:
                other.report.outcome = Outcome.SKIPPED
                other.report.reason = "another company on a domain already kept (no name column)"
                other.report.repeats = keeper.report.line
                conflicts.append(
                    f"{domain}: kept for line {keeper.report.line} (it comes first in the file); "
                    f"line {other.report.line} skipped, with no name to load it under"
                )
                continue
            why = (
                "its name matches the domain"
                if _names_domain(keeper, domain)
                else "it comes first in the file"
            )
            conflicts.append(
                f"{domain}: kept for {keeper.name} (line {keeper.report.line}, {why}); "
                f"{other.name} (line {other.report.line}) loaded under its name"
            )
            other.report.notes.append(
                f"{domain} is also {keeper.name}'s (line {keeper.report.line}): kept under "
                "its name, not the domain"
            )
            other.domain = ""
            by_name_only.append(other)
    for row in sorted(by_name_only, key=lambda r: r.report.line):
        key = f"name:{row.name_key}"[:255]
        if key in keyed:
            row.report.outcome = Outcome.SKIPPED
            row.report.reason = "repeats an earlier line of the same company"
            row.report.repeats = keyed[key].report.line
            continue
        keyed[key] = row
    for key, row in keyed.items():
        row.report.key = key
    return keyed


def _facts(row: _Parsed) -> tuple:
    return (row.industry, row.employee_count, row.annual_revenue, row.country)


def _names_domain(row: _Parsed, domain: str) -> bool:
    stem = name_key(company_name_from_domain(domain)).replace(" ", "")
    return bool(stem) and stem in row.name_key.replace(" ", "")


def _keeper(domain: str, rows: list[_Parsed]) -> _Parsed:
    matching = [row for row in rows if _names_domain(row, domain)]
    return (matching or rows)[0]


def _write(keyed: dict[str, _Parsed], *, source: str, currency: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        have = {
            record.key: record
            for record in FirmographicRecord.objects.filter(source=source).only("key", *STORED)
        }
        new, changed = [], []
        for key, row in keyed.items():
            values = {**row.values(), "currency": currency}
            record = have.get(key)
            if record is None:
                row.report.outcome = Outcome.LOADED
                new.append(
                    FirmographicRecord(
                        source=source, key=key, line=row.report.line, loaded_at=now, **values
                    )
                )
            elif any(getattr(record, name) != value for name, value in values.items()):
                row.report.outcome = Outcome.UPDATED
                for name, value in values.items():
                    setattr(record, name, value)
                record.line, record.loaded_at = row.report.line, now
                changed.append(record)
            else:
                row.report.outcome = Outcome.UNCHANGED
        FirmographicRecord.objects.bulk_create(new, batch_size=2000)
        FirmographicRecord.objects.bulk_update(
            changed, [*STORED, "line", "loaded_at"], batch_size=1000
        )
        settings = EnrichmentSettings.load()
        if source not in settings.providers:
            settings.providers = [*settings.providers, source]
            settings._change_reason = f"load_firmographics added the source {source}"
            settings.save()
