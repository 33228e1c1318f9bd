"""Typo-tolerant matching for search, one way per database.

PostgreSQL: pg_trgm's operators, served by the GIN trigram indexes of
accounts/migrations/0006_search_trigram_indexes.py; the database ranks and cuts.

SQLite (the `make run` demo): no trigrams, so a plain `icontains` prefilter over the first letters
of a few words, then rapidfuzz's ratio (the normalised Indel similarity, as the matcher's SQLite
fallback uses) ranks the candidates in Python. Good enough for a demo's few hundred rows; it is
not meant to scale.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Concat, Greatest
from rapidfuzz import fuzz

from accounts.models import Account, Contact
from accounts.normalize import normalize_phone

MAX_TOKENS = 3
# The SQLite prefilter: how many letters of each word must appear as typed, and how many rows
# rapidfuzz may look at.
PREFIX = 3
CANDIDATES = 300
# Below this ratio a candidate is noise, not a typo.
MIN_RATIO = 0.7
PHONE_DIGITS = 5


def tokens(query: str) -> list[str]:
    """The words worth matching: letters and digits, at most MAX_TOKENS, none shorter than two."""
    return [word for word in re.split(r"[^\w@.+-]+", query.lower()) if len(word) >= 2][:MAX_TOKENS]


def looks_like_phone(query: str) -> bool:
    return sum(char.isdigit() for char in query) >= PHONE_DIGITS and not re.search(
        r"[a-z@]", query.lower()
    )


def phone_digits(query: str) -> str:
    """What a typed phone number must appear as in a stored E.164 number (`+442079460000`):
    `+44 20 7946 0000` and `0044 20 7946 0000` as their E.164, a national number (`020 7946
    0000`, `(415) 555-0100`) as its digits without the trunk 0, so any format finds it."""
    text = query.strip()
    if text.startswith(("+", "00")):
        e164 = normalize_phone("+" + text.lstrip("+")[2:] if text.startswith("00") else text)
        if e164:
            return e164
    return re.sub(r"\D", "", text).lstrip("0")


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


# Accounts -------------------------------------------------------------------------------------


def accounts_like(accounts: QuerySet[Account], *, query: str, limit: int) -> list[Account]:
    """Accounts whose name or domain is close to `query`, best first."""
    if on_postgresql():
        return list(
            accounts.filter(
                Q(name__trigram_word_similar=query) | Q(domain__trigram_word_similar=query)
            )
            .annotate(
                closeness=Greatest(
                    TrigramWordSimilarity(query, "name"), TrigramWordSimilarity(query, "domain")
                ),
                likeness=TrigramSimilarity("name", query),
            )
            .order_by("-closeness", "-likeness", "name", "pk")[:limit]
        )
    words = tokens(query)
    if not words:
        return []
    prefilter = Q()
    for word in words:
        prefilter |= Q(name__icontains=word[:PREFIX]) | Q(domain__icontains=word[:PREFIX])
    candidates = list(accounts.filter(prefilter).order_by("pk")[:CANDIDATES])
    return _ranked(candidates, query, lambda account: [account.name, account.domain or ""], limit)


# People ---------------------------------------------------------------------------------------


def contacts_like(contacts: QuerySet[Contact], *, query: str, limit: int) -> list[Contact]:
    """People whose name, email or phone is close to `query`, best first. On PostgreSQL every
    word must match a name or the email; a number is looked for in the stored E.164 phone,
    however it was typed (phone_digits)."""
    if not on_postgresql():
        return _contacts_like_on_sqlite(contacts, query=query, limit=limit)
    condition = Q()
    if looks_like_phone(query):
        condition = Q(phone__contains=phone_digits(query))
    else:
        for word in tokens(query):
            condition &= (
                Q(first_name__trigram_similar=word)
                | Q(last_name__trigram_similar=word)
                | Q(email__trigram_word_similar=word)
            )
    if not condition:
        return []
    return list(
        contacts.filter(condition)
        .annotate(
            closeness=Greatest(
                TrigramSimilarity(Concat(F("first_name"), Value(" "), F("last_name")), query),
                TrigramWordSimilarity(query, "email"),
            )
        )
        .order_by("-closeness", "last_name", "first_name", "pk")[:limit]
    )


def _contacts_like_on_sqlite(contacts: QuerySet[Contact], *, query: str, limit: int) -> list:
    """The demo's people: rows sharing a few letters of any word, ranked by rapidfuzz."""
    if looks_like_phone(query):
        return list(contacts.filter(phone__contains=phone_digits(query)).order_by("pk")[:limit])
    words = tokens(query)
    if not words:
        return []
    prefilter = Q()
    for word in words:
        start = word[:PREFIX]
        prefilter |= (
            Q(first_name__icontains=start)
            | Q(last_name__icontains=start)
            | Q(email__icontains=start)
        )
    candidates = list(contacts.filter(prefilter).order_by("pk")[:CANDIDATES])
    return _ranked(
        candidates,
        query,
        lambda contact: [contact.full_name, (contact.email or "").split("@")[0]],
        limit,
    )


# rapidfuzz -------------------------------------------------------------------------------------


def similarity(query: str, text: str) -> float:
    """How close `text` is to `query`, 0 to 1: 1 when it contains the query as typed, else the
    best rapidfuzz ratio against the whole text or any run of as many words as the query has."""
    query, text = query.lower().strip(), text.lower().strip()
    if not query or not text:
        return 0.0
    if query in text:
        return 1.0
    words = text.split()
    width = max(1, len(query.split()))
    pieces = [text] + [" ".join(words[i : i + width]) for i in range(len(words))]
    return max(fuzz.ratio(query, piece) for piece in pieces) / 100


def _ranked(candidates: list, query: str, texts, limit: int) -> list:
    scored = [(max(similarity(query, text) for text in texts(row)), row) for row in candidates]
    kept = [(score, row) for score, row in scored if score >= MIN_RATIO]
    kept.sort(key=lambda pair: (-pair[0], str(pair[1]).lower(), pair[1].pk))
    return [row for _score, row in kept[:limit]]
