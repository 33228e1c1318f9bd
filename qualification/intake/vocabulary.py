"""The words people put in lead files and forms, and what they mean here."""

from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation

import pycountry

from qualification.models import (
    Source,
    Stage,
)

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


MAX_ANSWERS = 30


# What people call a country that ISO 3166 names otherwise; pycountry knows the rest (names,
# official names, alpha-2 and alpha-3 codes).
COUNTRY_ALIASES = {
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "america": "US",
    "united states of america": "US",
    "uae": "AE",
    "deutschland": "DE",
    "holland": "NL",
    "the netherlands": "NL",
    "españa": "ES",
    "espana": "ES",
    "schweiz": "CH",
    "suisse": "CH",
    "österreich": "AT",
    "osterreich": "AT",
    "italia": "IT",
    "brasil": "BR",
    "russia": "RU",
    "south korea": "KR",
    "korea": "KR",
    "north korea": "KP",
    "iran": "IR",
    "vietnam": "VN",
    "taiwan": "TW",
    "czech republic": "CZ",
    "turkey": "TR",
    "ivory coast": "CI",
    "hong kong sar": "HK",
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


def is_blank(value: str) -> bool:
    return value.strip().lower() in BLANKS


def parse_number(text: str) -> Decimal | None:
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
    """ISO 3166 alpha-2 for a country as people write it (`Germany`, `DEU`, `UK`,
    `Deutschland`); "" for what names no country. With no country, a US time zone says US."""
    lowered = " ".join(text.strip().lower().split())
    if not lowered:
        return "US" if timezone_text.strip().lower() in US_TIME_ZONES else ""
    return _country_code(lowered)


@functools.cache  # exact look-ups only: pycountry's fuzzy search is far too slow per row
def _country_code(lowered: str) -> str:
    if lowered in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[lowered]
    try:
        country = pycountry.countries.lookup(lowered)
    except LookupError:
        country = None
    if country is None and lowered.startswith("the "):
        return _country_code(lowered[4:])
    return country.alpha_2 if country is not None else ""
