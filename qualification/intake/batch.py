"""Intake: normalise, validate and dedupe incoming leads, in batches.

`ingest` is the one path by which leads arrive, for a CSV import (2,000 rows at a time) and for
the JSON endpoint (one row). Each batch runs in three steps: its lookups (what exists already,
loaded in a few queries), one decision per row (`decide.decide`: created, merged, unchanged or
refused with why), and the pending writes of the accepted rows, applied at the end in bulk; a
batch costs a fixed number of queries however many rows it holds."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from accounts.domains import new_primaries
from accounts.models import Account, Contact
from qualification.duplicates.detection import detect_duplicates
from qualification.enrichment.enrich import enrich_accounts
from qualification.intake import pg_copy as bulk
from qualification.intake.decide import Decision, decide, point
from qualification.intake.lookups import (
    ACCOUNT_UPDATES,
    CONTACT_UPDATES,
    LEAD_UPDATES,
    KnownAccount,
    KnownContact,
    KnownLead,
    load_lookups,
)
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
from qualification.matching.records import built_records
from qualification.models import (
    AccountMatch,
    AccountMatchCandidate,
    Activity,
    Lead,
    Segment,
    Source,
    StageTransition,
)
from qualification.scoring.intent import score_leads

# A batch that loses a race for a unique index is looked up and written again (see ingest);
# the second try finds the winner's rows, a third covers a second race in between.
WRITE_ATTEMPTS = 3


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
                taken = _take_batch(
                    cleaned, segment=segment, source_system=source_system, actor=actor, now=now
                )
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


def _take_batch(
    rows: list[CleanRow], *, segment: Segment, source_system: str, actor, now: dt.datetime
) -> list[RowResult]:
    lookups = load_lookups(rows, segment=segment, source_system=source_system, actor=actor, now=now)
    pending = PendingWrites(source_system=source_system, actor=actor, now=now)
    decisions = []
    for row in rows:
        decision = decide(row, lookups)
        if decision.outcome != Outcome.REFUSED and row.phone_problem:
            decision.message = "; ".join(filter(None, [decision.message, row.phone_problem]))
        if decision.outcome != Outcome.REFUSED:
            lookups.remember(decision)
            pending.add(decision)
        decisions.append(decision)
    pending.apply()
    results = [_result(decision) for decision in decisions]
    # Duplicates of the batch's leads, found once for the whole batch (a few queries): the
    # same inbox merges into the older lead, the rest wait in the duplicates review. A row that
    # changed nothing cannot make a new pair, so a re-import does not search again.
    taken = {
        result.lead_id
        for decision, result in zip(decisions, results, strict=True)
        if result.lead_id is not None and decision.outcome != Outcome.UNCHANGED
    }
    found = detect_duplicates(
        lead_ids=taken, now=now, reason=f"Detection at intake from {source_system}"
    )
    merged_into = found.merged_into()
    for result in results:
        merge = merged_into.get(result.lead_id)
        if merge is not None:
            result.outcome = Outcome.MERGED
            result.lead_id = merge.survivor_id
            result.message = _joined(
                f"merged into lead #{merge.survivor_id}: the same email as it once case, dots "
                "and +tags are folded",
                result.message,
            )
        elif result.lead_id is not None:
            others = sorted(
                {
                    pair.lead_id if pair.other_id == result.lead_id else pair.other_id
                    for pair in found.candidates_of(result.lead_id)
                }
            )
            if others:
                named = ", ".join(f"#{pk}" for pk in others)
                result.message = _joined(
                    result.message, f"possible duplicate of lead {named}: waiting in the review"
                )
    return results


def _joined(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def _result(decision: Decision) -> RowResult:
    lead = decision.lead
    return RowResult(
        decision.line,
        decision.outcome,
        decision.message,
        key=decision.key,
        lead_id=None if lead is None else lead.pk or lead.new.pk,
        errors=decision.errors,
    )


class PendingWrites:
    """What a batch's accepted rows write: new rows to insert, and the blanks, answers and
    activity times of rows that exist, applied at the end in dependency order."""

    def __init__(self, *, source_system: str, actor, now: dt.datetime) -> None:
        self.source_system = source_system
        self.actor = actor
        self.now = now
        self.new_accounts: list[Account] = []
        self.new_contacts: list[Contact] = []
        self.new_leads: list[Lead] = []
        self.transitions: list[StageTransition] = []
        self.activities: list[Activity] = []
        self.matches: list[AccountMatch] = []
        self.match_candidates: list[AccountMatchCandidate] = []
        # Rows that exist, by pk: the values to write over what they hold.
        self.account_changes: dict[int, dict] = {}
        self.contact_changes: dict[int, dict] = {}
        self.lead_changes: dict[int, dict] = {}
        self.seen_leads: dict[int, dt.datetime] = {}  # newer last activity, no history row
        self.contacts_filled: set[int] = set()  # merged facts, not only an account link

    def add(self, decision: Decision) -> None:
        """Keep an accepted row's writes, and show them to the rows after it."""
        for new, kept in (
            (decision.new_account, self.new_accounts),
            (decision.new_contact, self.new_contacts),
            (decision.new_lead, self.new_leads),
        ):
            if new is not None:
                kept.append(new.new)
        if decision.transition is not None:
            self.transitions.append(decision.transition)
        lead = decision.lead
        if decision.account_fills:
            self._fill(decision.account, decision.account_fills, self.account_changes)
        if decision.contact_fills:
            self._fill(lead.contact, decision.contact_fills, self.contact_changes)
            if lead.contact.pk is not None:
                self.contacts_filled.add(lead.contact.pk)
        if decision.link_account is not None:
            self._link(lead.contact, decision.link_account)
        if decision.new_answers:
            answers = {**lead.form_answers, **decision.new_answers}
            self._fill(lead, {"form_answers": answers}, self.lead_changes)
            lead.form_answers = answers
        if decision.last_activity_at is not None:
            lead.last_activity_at = decision.last_activity_at
            if lead.new is not None:
                lead.new.last_activity_at = decision.last_activity_at
            else:
                self.seen_leads[lead.pk] = decision.last_activity_at
        if decision.account_match is not None:
            match, candidates = built_records(
                decision.account_match, lead=None, contact=None, now=self.now
            )
            point(match, "lead", lead)
            point(match, "contact", lead.contact)
            if decision.matched is not None:
                point(match, "account", decision.matched)
            self.matches.append(match)
            self.match_candidates += candidates
        for kind, occurred_at in decision.activities:
            activity = Activity(kind=kind, occurred_at=occurred_at)
            point(activity, "lead", lead)
            point(activity, "contact", lead.contact)
            self.activities.append(activity)

    @staticmethod
    def _fill(record: KnownAccount | KnownContact | KnownLead, values: dict, changes) -> None:
        if hasattr(record, "facts"):
            record.facts.update(values)
        if record.new is not None:
            for name, value in values.items():
                setattr(record.new, name, value)
        else:
            changes.setdefault(record.pk, {}).update(values)

    def _link(self, contact: KnownContact, account: KnownAccount) -> None:
        contact.account = account
        if contact.new is not None:
            point(contact.new, "account", account)
        else:
            self.contact_changes.setdefault(contact.pk, {})["account"] = account

    def apply(self) -> None:
        """Write everything in dependency order; saved parents give children their ids."""
        bulk.insert(self.new_accounts, history=True, history_user=self.actor)
        primaries = new_primaries(
            self.new_accounts, reason=f"Created by import from {self.source_system}"
        )
        bulk.insert(primaries, history=True, history_user=self.actor)
        bulk.insert(self.new_contacts, history=True, history_user=self.actor)
        bulk.insert(self.new_leads, history=True, history_user=self.actor, history_date=self.now)
        bulk.insert(self.transitions)
        bulk.insert(self.activities)
        bulk.insert(self.matches, history=True, history_user=self.actor)
        bulk.insert(self.match_candidates)
        if self.seen_leads:
            Lead.objects.bulk_update(
                [Lead(pk=pk, last_activity_at=at) for pk, at in self.seen_leads.items()],
                ["last_activity_at"],
            )
        # Rows that change are loaded whole here, where their history rows need every column;
        # the lookups loaded only what deciding reads, for every row the batch names.
        merged = {"history_user": self.actor, "change_reason": "Merged from import"}
        bulk.update(_changed(Account, self.account_changes), ACCOUNT_UPDATES, **merged)
        contacts = _changed(Contact, self.contact_changes)
        for contact in contacts:
            if contact.pk in self.contacts_filled:
                contact._change_reason = f"Merged from import {self.source_system}"
        bulk.update(contacts, CONTACT_UPDATES, **merged)
        bulk.update(_changed(Lead, self.lead_changes), LEAD_UPDATES, **merged)
        # New and changed accounts are enriched as one set, before scoring copies their tiers.
        enriched = {account.pk for account in self.new_accounts} | set(self.account_changes)
        if enriched:
            enrich_accounts(account_ids=enriched, now=self.now)
        touched = {lead.pk for lead in self.new_leads} | set(self.lead_changes)
        touched |= {activity.lead_id for activity in self.activities}
        if touched:
            score_leads(touched, now=self.now)


def _changed(model, changes: dict[int, dict]) -> list:
    """The rows `changes` names, loaded whole, with the changes set on them."""
    if not changes:
        return []
    # In the order the rows changed them, as their history rows were written before.
    order = {pk: index for index, pk in enumerate(changes)}
    objs = sorted(model.objects.filter(pk__in=changes), key=lambda obj: order[obj.pk])
    for obj in objs:
        for name, value in changes[obj.pk].items():
            if isinstance(value, KnownAccount):
                point(obj, name, value)
            else:
                setattr(obj, name, value)
    return objs
