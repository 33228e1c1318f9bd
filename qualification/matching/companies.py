"""Which account a company is: exact domain, else the normalised name by trigram similarity
and acronym, with supporting signals (website, email domain, country, phone country).

`match_companies` is set-based: one query for the domains of the whole list, one for the names
(a VALUES list joined LATERAL by pg_trgm's `%`, served by the GIN index on name_key, with
`pg_trgm.similarity_threshold` set to RevOps' lower threshold for the transaction; ECOSYSTEM
trap 19). A single lead is a list of one. On SQLite (the demo) the names are prefiltered by
`icontains` on a word's first letters and ranked with rapidfuzz.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import phonenumbers
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from rapidfuzz import fuzz

from accounts.domains import account_ids_by_domain
from accounts.models import Account
from accounts.normalize import (
    acronym,
    company_key,
    is_company_domain,
    key_digits,
    normalize_domain,
)
from qualification.models import AccountMatch, Lead, MatchSettings, Stage, TieBreaker

Outcome = AccountMatch.Outcome

# What an acronym alone is worth: enough for review at the default thresholds, never a link
# by itself ("GE" is General Electric and Genesis Energy).
ACRONYM_SCORE = 0.8
BONUS = {"website": 0.1, "domain": 0.1, "country": 0.05, "phone": 0.03}
LABELS = {
    "domain": "domain",
    "website": "same website",
    "country": "same country",
    "phone": "phone country",
    "tie": "tie-break",
}
MAX_CONFIDENCE = 0.99  # 1.0 is the exact domain's alone
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class CompanyFacts:
    """What a lead says of its company. Domains may be given as typed (a URL, an email)."""

    name: str = ""
    email_domain: str = ""
    website: str = ""
    country: str = ""
    phone: str = ""


@dataclass
class Candidate:
    account_id: int
    name: str
    confidence: float
    reasons: list[dict]
    # What the tie-breakers read.
    customer: bool = False
    open_opportunity: bool = False
    has_owner: bool = False
    latest_activity: object = None


@dataclass
class Decision:
    facts: CompanyFacts
    outcome: str
    account_id: int | None = None
    confidence: float = 0.0
    reasons: list[dict] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def explained(self) -> str:
        return render_reasons(self.reasons)


def render_reasons(reasons: list[dict]) -> str:
    """`name 0.93 + same website`: a decision's reasons as people read them."""
    parts = []
    for reason in reasons:
        signal = reason.get("signal", "")
        if signal == "name":
            parts.append(f"name {reason['score']:.2f}")
        elif signal == "acronym":
            parts.append(f"acronym {reason.get('value', '').upper()}")
        elif signal == "tie":
            parts.append(f"tie-break: {reason.get('value', '')}")
        else:
            parts.append(LABELS.get(signal, signal))
    return " + ".join(parts)


def company_domain(value: str) -> str:
    """The domain as a company key, or "" for a free-mail or disposable one (nobody's company)."""
    domain = normalize_domain(value)
    return domain if is_company_domain(domain) else ""


def domain_stem(domain: str) -> str:
    """`acme.co.uk` → `acme`: the part of a registered domain that names the company."""
    return domain.split(".", 1)[0] if domain else ""


def phone_country(phone: str) -> str:
    """The ISO country of an international number (`+49 …` → DE), else ""."""
    text = (phone or "").strip()
    if not text.startswith(("+", "00")):
        return ""
    try:
        number = phonenumbers.parse("+" + text.lstrip("+0") if text.startswith("00") else text)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.region_code_for_number(number) or ""


def accounts_by_domain(domains: set[str]) -> dict[str, int]:
    """Account ids by exact domain, any of an account's (AccountDomain): the one place matching
    looks a domain up."""
    return account_ids_by_domain(domains)


def match_companies(
    facts: list[CompanyFacts],
    *,
    settings: MatchSettings | None = None,
    by_domain: dict[str, int] | None = None,
) -> list[Decision]:
    """One decision per company, in order: linked (≥ upper, or the exact domain), review (from
    lower to upper) or new (below lower, or nothing matched). A caller that has looked the
    domains up already (the import's lookups) passes what it found as `by_domain`."""
    settings = settings or MatchSettings.load()
    upper, lower = float(settings.upper_threshold), float(settings.lower_threshold)
    domains = [company_domain(f.email_domain) or company_domain(f.website) for f in facts]
    if by_domain is None:
        by_domain = accounts_by_domain({d for d in domains if d})
    decisions: list[Decision | None] = [None] * len(facts)
    probes: dict[tuple[str, str], list[int]] = {}
    for index, (fact, domain) in enumerate(zip(facts, domains, strict=True)):
        if domain in by_domain:
            decisions[index] = Decision(
                fact,
                Outcome.LINKED,
                account_id=by_domain[domain],
                confidence=1.0,
                reasons=[{"signal": "domain"}],
            )
            continue
        key = company_key(fact.name)
        if key:
            probes.setdefault((key, acronym(fact.name)), []).append(index)
        else:
            decisions[index] = Decision(fact, Outcome.NEW)
    found = _candidates(list(probes), lower=lower)
    for (key, _acronym), indexes in probes.items():
        for index in indexes:
            fact = facts[index]
            scored = [_score(row, fact=fact, key=key) for row in found.get(key, [])]
            scored = [c for c in scored if c is not None and c.confidence >= lower]
            decisions[index] = _decide(fact, scored, settings=settings, upper=upper, lower=lower)
    return decisions  # type: ignore[return-value]


def _score(row: dict, *, fact: CompanyFacts, key: str) -> Candidate | None:
    if key_digits(row["name_key"]) != key_digits(key):
        return None  # "Studio 54" is not "Studio 55", however alike the letters
    name_score = float(row["score"])
    if row["by_acronym"] and name_score < ACRONYM_SCORE:
        base = ACRONYM_SCORE
        value = key if " " not in key else row["name_key"]
        reasons = [{"signal": "acronym", "value": value}]
    else:
        base = name_score
        reasons = [{"signal": "name", "score": round(name_score, 2)}]
    account_stem = domain_stem(row["domain"] or "")
    if account_stem:
        if domain_stem(company_domain(fact.website)) == account_stem:
            reasons.append({"signal": "website"})
        elif domain_stem(company_domain(fact.email_domain)) == account_stem:
            reasons.append({"signal": "domain"})
    if fact.country and fact.country == row["country"]:
        reasons.append({"signal": "country"})
    if row["country"] and phone_country(fact.phone) == row["country"]:
        reasons.append({"signal": "phone"})
    bonus = sum(BONUS.get(reason["signal"], 0) for reason in reasons[1:])
    return Candidate(
        account_id=row["id"],
        name=row["name"],
        confidence=round(min(MAX_CONFIDENCE, base + bonus), 2),
        reasons=reasons,
        customer=row["relationship"] == Account.Relationship.CUSTOMER,
        open_opportunity=bool(row["open_opportunity"]),
        has_owner=row["owner_id"] is not None,
        latest_activity=row["latest_activity"],
    )


def _tie_key(candidate: Candidate, breakers: list[str]) -> tuple:
    values = []
    for breaker in breakers:
        if breaker == TieBreaker.LATEST_ACTIVITY:
            moment = candidate.latest_activity
            values.append(-moment.timestamp() if moment else float("inf"))
        else:
            values.append(not getattr(candidate, breaker))  # True sorts last
    return tuple(values)


def _decide(
    fact: CompanyFacts,
    candidates: list[Candidate],
    *,
    settings: MatchSettings,
    upper: float,
    lower: float,
) -> Decision:
    if not candidates:
        return Decision(fact, Outcome.NEW)
    breakers = list(settings.tie_breakers)
    candidates.sort(key=lambda c: (-c.confidence, _tie_key(c, breakers), c.account_id))
    candidates = candidates[:MAX_CANDIDATES]
    best = candidates[0]
    reasons = list(best.reasons)
    outcome = Outcome.LINKED if best.confidence >= upper else Outcome.REVIEW
    tied = [c for c in candidates[1:] if c.confidence == best.confidence]
    if tied:
        winner_key = _tie_key(best, breakers)
        if any(_tie_key(c, breakers) == winner_key for c in tied):
            outcome = Outcome.REVIEW  # nothing RevOps listed tells them apart: a person does
        else:
            decisive = next(
                breaker
                for position, breaker in enumerate(breakers)
                if all(
                    _tie_key(c, breakers)[: position + 1] != winner_key[: position + 1]
                    for c in tied
                )
            )
            reasons.append({"signal": "tie", "value": TieBreaker(decisive).label.lower()})
    if best.confidence < lower:  # pragma: no cover - candidates are cut at lower already
        return Decision(fact, Outcome.NEW, candidates=candidates)
    return Decision(
        fact,
        outcome,
        account_id=best.account_id if outcome == Outcome.LINKED else None,
        confidence=best.confidence,
        reasons=reasons,
        candidates=candidates,
    )


# Candidates ----------------------------------------------------------------------------------

_COLUMNS = ("id", "name", "name_key", "domain", "country", "relationship", "owner_id")


def _candidates(probes: list[tuple[str, str]], *, lower: float) -> dict[str, list[dict]]:
    """Accounts near each probe's key, by name trigrams or acronym, with what scoring and the
    tie-breakers read: {key: [row, ...]}."""
    if not probes:
        return {}
    if connection.vendor == "postgresql":
        return _candidates_on_postgresql(probes, lower=lower)
    return _candidates_on_sqlite(probes, lower=lower)


# Per probe, the union of: names alike by trigrams (`%`, the GIN index) for a name without
# numbers; names with the same numbers (the B-tree on name_digits, rechecked by `%`) for one
# with numbers, where trigrams alone would read every "Company 1…" in the table; and acronyms
# either way. The guards on p.digits are one-time filters: each probe runs one branch.
_PG_QUERY = """
WITH probe(key, acronym, digits) AS (VALUES {values})
SELECT p.key, c.*,
       EXISTS (SELECT 1 FROM qualification_lead l
               WHERE l.account_id = c.id AND l.stage = %s) AS open_opportunity,
       (SELECT max(l.last_activity_at) FROM qualification_lead l
        WHERE l.account_id = c.id) AS latest_activity
FROM probe p
CROSS JOIN LATERAL (
    SELECT a.id, a.name, a.name_key, a.domain, a.country, a.relationship, a.owner_id,
           similarity(a.name_key, p.key) AS score,
           (a.name_acronym = p.key OR (p.acronym <> '' AND a.name_key = p.acronym)) AS by_acronym
    FROM (
        SELECT * FROM accounts_account a
        WHERE p.digits = '' AND a.name_digits = '' AND a.name_key %% p.key
        UNION
        SELECT * FROM accounts_account a
        WHERE p.digits <> '' AND a.name_digits = p.digits AND a.name_key %% p.key
        UNION
        SELECT * FROM accounts_account a WHERE a.name_acronym = p.key
        UNION
        SELECT * FROM accounts_account a WHERE p.acronym <> '' AND a.name_key = p.acronym
    ) a
    ORDER BY score DESC, a.id
    LIMIT {limit}
) c
"""


def _candidates_on_postgresql(probes, *, lower: float) -> dict[str, list[dict]]:
    values = ", ".join(["(%s::text, %s::text, %s::text)"] * len(probes))
    params = [part for key, initials in probes for part in (key, initials, key_digits(key))]
    params.append(Stage.OPPORTUNITY)
    sql = _PG_QUERY.format(values=values, limit=MAX_CANDIDATES * 2)
    found: dict[str, list[dict]] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # SET LOCAL lasts to the end of this transaction: the threshold is RevOps' lower one,
        # and JIT compiling a query this short costs more than it runs.
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true), "
            "set_config('jit', 'off', true)",
            [str(lower)],
        )
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        for row in cursor.fetchall():
            record = dict(zip(names, row, strict=True))
            found.setdefault(record.pop("key"), []).append(record)
    return found


PREFIX = 3
SQLITE_CANDIDATES = 300


def _candidates_on_sqlite(probes, *, lower: float) -> dict[str, list[dict]]:
    """The demo's fallback: accounts sharing a word's first letters, ranked by rapidfuzz."""
    found: dict[str, list[dict]] = {}
    opportunity = Lead.objects.filter(account=OuterRef("pk"), stage=Stage.OPPORTUNITY)
    accounts = Account.objects.annotate(
        open_opportunity=Exists(opportunity), latest_activity=Max("leads__last_activity_at")
    )
    for key, initials in probes:
        prefilter = Q(name_acronym=key)
        if initials:
            prefilter |= Q(name_key=initials)
        for word in key.split():
            prefilter |= Q(name_key__contains=word[:PREFIX])
        rows = []
        for values in (
            accounts.filter(prefilter)
            .order_by("pk")[:SQLITE_CANDIDATES]
            .values(*_COLUMNS, "name_acronym", "open_opportunity", "latest_activity")
        ):
            score = fuzz.ratio(key, values["name_key"]) / 100
            values["by_acronym"] = values.pop("name_acronym") == key or (
                bool(initials) and values["name_key"] == initials
            )
            if score >= lower or values["by_acronym"]:
                rows.append({**values, "score": Decimal(str(round(score, 4)))})
        rows.sort(key=lambda r: (-r["score"], r["id"]))
        found[key] = rows[: MAX_CANDIDATES * 2]
    return found
