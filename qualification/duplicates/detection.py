"""Duplicate detection: one function for every path a lead arrives or changes by.

`detect_duplicates(lead_ids=…)` is called by intake (once per batch: the web form, the JSON
API, each 2,000-row batch of a CSV import), by the admin when a lead or contact is saved, and by
the nightly job over every live lead in chunks. It costs a fixed few queries per call, however
many leads it is given.

Blocking keys, each between two live leads (not merged away; new, MQL, SAL, SQL, opportunity or
nurture) of the same segment (a lead is one person's interest in one product line, so two
segments' leads are not duplicates):

- **email**: the same inbox (`Contact.email_key`: lower case, `+tags` cut, Gmail dots folded);
- **phone**: the same E.164 number;
- **same name**: the same normalised full name at the same account;
- **similar name**: a near name (trigram similarity at least NEAR_NAME_SIMILARITY, pg_trgm's
  `%` on PostgreSQL, the same measure in Python on the SQLite demo) at the same account.

A name never matches across accounts, so the same name at two companies is two people.

Only the email key merges by itself (`merge_leads` as DETECTION, the older lead surviving):
the same inbox is the same person. It does so when the newer lead is still new or an MQL
(nobody works it yet); everything else, and every other key, becomes a candidate pair for the
duplicates review, with its score and what matched.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from qualification.duplicates.candidates import Pair, pair_key, record_candidates
from qualification.duplicates.merge import DETECTION, MergeRefused, merge_leads
from qualification.lifecycle.evidence import TransitionRefused
from qualification.models import OPEN_STAGES, DuplicateCandidate, DuplicateMerge, Lead, Stage

logger = logging.getLogger(__name__)

LIVE_STAGES = frozenset(OPEN_STAGES | {Stage.NURTURE})
# A lead nobody works yet may be merged away by detection; a worked one waits for a person.
AUTO_MERGEABLE_STAGES = frozenset({Stage.NEW, Stage.MQL})
NEAR_NAME_SIMILARITY = 0.5

# What each key is worth alone; each further key adds EXTRA_KEY, short of 100 (only the email
# is sure).
KEY_SCORES = {"email": 100, "phone": 80, "same name": 70, "similar name": 50}
EXTRA_KEY = 10


@dataclass(frozen=True)
class Person:
    """One live lead as detection reads it."""

    lead_id: int
    segment_id: int
    account_id: int | None
    stage: str
    created_at: dt.datetime
    email_key: str
    phone: str
    first_name: str
    last_name: str

    @property
    def name(self) -> str:
        return normalize_name(f"{self.first_name} {self.last_name}")


@dataclass
class Detection:
    """What one call found and did."""

    pairs: list[Pair] = field(default_factory=list)
    merges: list[DuplicateMerge] = field(default_factory=list)
    created: int = 0

    def merged_into(self) -> dict[int, DuplicateMerge]:
        """Merged lead id → its merge."""
        return {merge.merged_id: merge for merge in self.merges}

    def candidates_of(self, lead_id: int) -> list[Pair]:
        merged = {(m.survivor_id, m.merged_id) for m in self.merges}
        merged |= {(b, a) for a, b in merged}
        return [
            pair
            for pair in self.pairs
            if lead_id in pair.key and (pair.lead_id, pair.other_id) not in merged
        ]


_SPACE = re.compile(r"\s+")


def normalize_name(text: str) -> str:
    """`  Sven   HARTMANN ` → `sven hartmann`; accents kept (SQL compares the same way)."""
    return _SPACE.sub(" ", (text or "").strip().lower())


_PEOPLE_FIELDS = (
    "pk",
    "segment_id",
    "account_id",
    "stage",
    "created_at",
    "contact__email_key",
    "contact__phone",
    "contact__first_name",
    "contact__last_name",
)


def _people(queryset) -> list[Person]:
    return [
        Person(pk, segment, account, stage, created, email or "", phone or "", first, last)
        for pk, segment, account, stage, created, email, phone, first, last in queryset.values_list(
            *_PEOPLE_FIELDS
        )
    ]


def _live():
    return Lead.objects.filter(stage__in=LIVE_STAGES, duplicate_of__isnull=True).order_by()


def find_pairs(subjects: list[Person], *, trigram_in_sql: bool | None = None) -> list[Pair]:
    """The pairs of `subjects` with any live lead: three queries (by email key, by phone, by
    account), and on PostgreSQL one more for similar names through pg_trgm."""
    if not subjects:
        return []
    if trigram_in_sql is None:
        trigram_in_sql = connection.vendor == "postgresql"
    segments = {p.segment_id for p in subjects}
    emails = {p.email_key for p in subjects if p.email_key}
    phones = {p.phone for p in subjects if p.phone}
    accounts = {p.account_id for p in subjects if p.account_id}
    others: dict[int, Person] = {p.lead_id: p for p in subjects}
    if emails:
        found = _live().filter(segment_id__in=segments, contact__email_key__in=emails)
        others.update((p.lead_id, p) for p in _people(found))
    if phones:
        found = _live().filter(segment_id__in=segments, contact__phone__in=phones)
        others.update((p.lead_id, p) for p in _people(found))
    if accounts:
        found = _live().filter(segment_id__in=segments, account_id__in=accounts)
        others.update((p.lead_id, p) for p in _people(found))

    matches: dict[tuple[int, int], dict[str, dict]] = {}

    def match(one: Person, other: Person, key: str, value: str, **extra) -> None:
        if one.lead_id == other.lead_id or one.segment_id != other.segment_id:
            return
        matches.setdefault(pair_key(one.lead_id, other.lead_id), {}).setdefault(
            key, {"key": key, "value": value, **extra}
        )

    by_email: dict[tuple, list[Person]] = {}
    by_phone: dict[tuple, list[Person]] = {}
    by_account: dict[tuple, list[Person]] = {}
    for person in others.values():
        if person.email_key:
            by_email.setdefault((person.segment_id, person.email_key), []).append(person)
        if person.phone:
            by_phone.setdefault((person.segment_id, person.phone), []).append(person)
        if person.account_id:
            by_account.setdefault((person.segment_id, person.account_id), []).append(person)
    for one in subjects:
        for other in by_email.get((one.segment_id, one.email_key), ()) if one.email_key else ():
            match(one, other, "email", one.email_key)
        for other in by_phone.get((one.segment_id, one.phone), ()) if one.phone else ():
            match(one, other, "phone", one.phone)
        if not one.account_id or not one.name:
            continue
        for other in by_account.get((one.segment_id, one.account_id), ()):
            if other.name == one.name:
                match(one, other, "same name", one.name)
            elif not trigram_in_sql and trigram_similarity(one.name, other.name) >= (
                NEAR_NAME_SIMILARITY
            ):
                match(one, other, "similar name", f"{one.name} ~ {other.name}")
    if trigram_in_sql and accounts:
        names = {p.lead_id: p.name for p in others.values()}
        for lead_id, other_id in _similar_names_in_sql([p.lead_id for p in subjects if p.name]):
            if names.get(lead_id) != names.get(other_id) and other_id in others:
                match(
                    others[lead_id],
                    others[other_id],
                    "similar name",
                    f"{names[lead_id]} ~ {names[other_id]}",
                )
    return [_scored(key, found) for key, found in matches.items()]


def _scored(key: tuple[int, int], found: dict[str, dict]) -> Pair:
    order = sorted(found.values(), key=lambda m: -KEY_SCORES[m["key"]])
    best = KEY_SCORES[order[0]["key"]]
    score = 100 if best == 100 else min(99, best + EXTRA_KEY * (len(order) - 1))
    return Pair(key[0], key[1], score, order)


def _similar_names_in_sql(lead_ids: list[int]) -> list[tuple[int, int]]:
    """(subject, other) lead ids at the same account and segment whose names pg_trgm finds
    similar. Its threshold is set for this transaction only (ECOSYSTEM.md, trap 19).

    The subjects drive the query (a materialized set, then a LATERAL look-up of each one's
    account by `lead_account_stage_idx`), so the plan does not hang on the tables' statistics:
    during a large import into a fresh table (autovacuum behind, or off) the planner, estimating
    one row everywhere, started from every live lead instead and took 34 s for a 2,000-row batch
    that takes 50 ms this way."""
    if not lead_ids:
        return []
    lead, contact = Lead._meta.db_table, "accounts_contact"
    name = "lower(trim(regexp_replace({c}.first_name || ' ' || {c}.last_name, '\\s+', ' ', 'g')))"
    sql = f"""
        WITH subjects AS MATERIALIZED (
            SELECT s.id, s.account_id, s.segment_id, {name.format(c="sc")} AS name
            FROM {lead} s JOIN {contact} sc ON sc.id = s.contact_id
            WHERE s.id = ANY(%s) AND s.account_id IS NOT NULL
        )
        SELECT subjects.id, other.id
        FROM subjects
        CROSS JOIN LATERAL (
            SELECT o.id
            FROM {lead} o JOIN {contact} oc ON oc.id = o.contact_id
            WHERE o.account_id = subjects.account_id AND o.segment_id = subjects.segment_id
              AND o.id <> subjects.id
              AND o.stage = ANY(%s) AND o.duplicate_of_id IS NULL
              AND subjects.name %% {name.format(c="oc")}
        ) other
    """  # noqa: S608 - the interpolated names are ours, the values are parameters
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
            [str(NEAR_NAME_SIMILARITY)],
        )
        cursor.execute(sql, [lead_ids, sorted(LIVE_STAGES)])
        return cursor.fetchall()


def _trigrams(text: str) -> set[str]:
    # pg_trgm's rule: each word (letters and digits) padded with two spaces before, one after.
    words = re.findall(r"[^\W_]+", text.lower())
    grams: set[str] = set()
    for word in words:
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(one: str, other: str) -> float:
    """pg_trgm's similarity(), for the SQLite demo: shared trigrams over all trigrams."""
    a, b = _trigrams(one), _trigrams(other)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def detect_duplicates(
    *,
    lead_ids: Iterable[int],
    now: dt.datetime | None = None,
    reason: str = "Detection",
    trigram_in_sql: bool | None = None,
) -> Detection:
    """Find the duplicates of `lead_ids`, merge those with the same inbox, and record the rest
    as candidates for review (idempotent: a pair decided already is left as it is)."""
    now = now or timezone.now()
    subjects = _people(_live().filter(pk__in=list(lead_ids)))
    pairs = find_pairs(subjects, trigram_in_sql=trigram_in_sql)
    detection = Detection(pairs=pairs)
    if not pairs:
        return detection
    with transaction.atomic():
        recorded = record_candidates(pairs, now=now, reason=reason)
        detection.created = recorded.created
        same_inbox = [pair for pair in pairs if pair.score == 100]
        if same_inbox:
            detection.merges = _merge_same_inbox(same_inbox, now=now)
    return detection


def _merge_same_inbox(pairs: list[Pair], *, now: dt.datetime) -> list[DuplicateMerge]:
    """Merge each pair's newer lead into its older one, while both are live and the newer one
    is not worked yet; a lead merged away by an earlier pair is not merged again."""
    ids = {lead_id for pair in pairs for lead_id in pair.key}
    leads = {
        lead.pk: lead
        for lead in Lead.objects.filter(pk__in=ids).select_related("contact", "account")
    }
    candidates = {
        (c.lead_a_id, c.lead_b_id): c
        for c in DuplicateCandidate.objects.open().filter(lead_a_id__in=ids, lead_b_id__in=ids)
    }
    gone: set[int] = set()
    merges = []
    for pair in sorted(pairs, key=lambda p: p.key):
        candidate = candidates.get(pair.key)
        if candidate is None or gone & set(pair.key):
            continue
        one, other = leads[pair.key[0]], leads[pair.key[1]]
        survivor, merged = sorted((one, other), key=lambda lead: (lead.created_at, lead.pk))
        if merged.stage not in AUTO_MERGEABLE_STAGES or survivor.stage not in LIVE_STAGES:
            continue
        emails = " and ".join(sorted({survivor.contact.email or "", merged.contact.email or ""}))
        try:
            with transaction.atomic():
                merge = merge_leads(
                    survivor=survivor,
                    merged=merged,
                    actor=DETECTION,
                    reason=f"the same email after folding case, dots and +tags ({emails})",
                    candidate=candidate,
                    now=now,
                )
        except (MergeRefused, TransitionRefused) as refused:
            # Left for a person: the pair stays an open candidate.
            logger.info("Lead %s not merged into %s: %s", merged.pk, survivor.pk, refused)
            continue
        gone.add(merged.pk)
        merges.append(merge)
    return merges
