"""Merging one lead into another, and taking the merge back.

`merge_leads` folds `merged` into `survivor` in one transaction: per field, the chosen side's
value lands on the survivor; what hangs off the merged lead moves to the survivor; the merged
lead goes through the engine (disqualified, reason "duplicate", `duplicate_of` the survivor);
everything it wrote is kept in a `DuplicateMerge` snapshot. `undo_merge` writes the snapshot
back while the rows it moved are as the merge left them, and otherwise says what blocks it.

The fields, and whose value wins by default (the survivor's, unless it has none and the merged
lead has one: a merge fills gaps and never blanks a value unless asked to):

- the person (only when the two leads are two contacts): name, email, phone, title, country.
  An email that moves is taken from the merged contact (emails are unique), so that contact is
  left without one until an undo gives it back;
- the lead: account, owner (an SAL or later must keep one), next action (with its due date).
- the stage is the survivor's: the merge moves nothing of it; form answers are joined, the
  survivor's answer winning for a question both answered.

What moves to the survivor, and how a clash is settled:

- activities of the merged lead (and, for two contacts, the merged contact's activities tied
  to no lead) move to the survivor and its contact;
- discovery notes move;
- a checklist for a framework the survivor has not started moves whole, with its answers; for
  one both started, each answer to an item the survivor has not answered moves; for an item
  both answered, the survivor's answer stays unless it is blank (unknown, no words), in which
  case it takes the merged lead's status, answer and evidence. The merged lead's answer stays
  where it was, on its checklist: nothing is deleted;
- buying-group roles of the merged contact move to the survivor's contact, except a role the
  survivor's contact already holds at that account (that one stays where it was);
- the candidate pair, if any, is closed as merged.

Stage transitions, SLA notices, review items and intake records stay on the merged lead: they
are its history.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import BuyingGroupRole, Contact
from qualification.duplicates.candidates import CandidateClosed
from qualification.duplicates.snapshot import Recorder, load, model_of, state
from qualification.lifecycle.engine import transition_lead, undo_transition
from qualification.lifecycle.evidence import (
    NON_FIELD,
    Actor,
    Automation,
    Evidence,
    TransitionRefused,
)
from qualification.lifecycle.ownership import set_owner
from qualification.models import (
    OWNED_STAGES,
    Activity,
    Checklist,
    ChecklistAnswer,
    DiscoveryNote,
    DuplicateCandidate,
    DuplicateMerge,
    Lead,
    ReasonCode,
    Stage,
    StageTransition,
)

SURVIVOR = "survivor"
MERGED = "merged"
SIDES = (SURVIVOR, MERGED)


@dataclass(frozen=True)
class MergeField:
    key: str
    label: str
    on: str  # "contact" or "lead"
    attnames: tuple[str, ...]


FIELDS: tuple[MergeField, ...] = (
    MergeField("name", "Name", "contact", ("first_name", "last_name")),
    MergeField("email", "Email", "contact", ("email", "email_kind")),
    MergeField("phone", "Phone", "contact", ("phone",)),
    MergeField("title", "Title", "contact", ("title", "persona_function", "persona_seniority")),
    MergeField("country", "Country", "contact", ("country",)),
    MergeField("account", "Account", "lead", ("account_id",)),
    MergeField("owner", "Owner", "lead", ("owner_id",)),
    MergeField("next_action", "Next action", "lead", ("next_action", "next_action_due")),
)
FIELDS_BY_KEY = {f.key: f for f in FIELDS}


def choosable(survivor: Lead, merged: Lead) -> list[MergeField]:
    """The fields a person chooses for this pair: the person's only when they are two."""
    two_people = survivor.contact_id != merged.contact_id
    return [f for f in FIELDS if f.on == "lead" or two_people]


def _values(lead: Lead, field: MergeField) -> tuple:
    owner = lead.contact if field.on == "contact" else lead
    return tuple(getattr(owner, attname) for attname in field.attnames)


def _empty(values: tuple) -> bool:
    return all(value in (None, "") for value in values)


def default_winners(survivor: Lead, merged: Lead) -> dict[str, str]:
    """The survivor's value, unless it has none and the merged lead has one."""
    winners = {}
    for field in choosable(survivor, merged):
        mine, theirs = _values(survivor, field), _values(merged, field)
        winners[field.key] = MERGED if _empty(mine) and not _empty(theirs) else SURVIVOR
    return winners


def differing(survivor: Lead, merged: Lead) -> list[MergeField]:
    return [f for f in choosable(survivor, merged) if _values(survivor, f) != _values(merged, f)]


class MergeRefused(TransitionRefused):
    """A merge that cannot be made; `errors` maps a field (or NON_FIELD) to its messages."""


def duplicate_code() -> ReasonCode:
    return ReasonCode.objects.get(code="duplicate")


def _name(user: Actor) -> str:
    if isinstance(user, Automation):
        return "duplicate detection" if user.name == DETECTION.name else user.name
    return user.get_full_name() or user.get_username()


# The actor of the merges detection makes by itself (an identical email after folding).
DETECTION = Automation("duplicate-detection")


def merge_leads(
    *,
    survivor: Lead,
    merged: Lead,
    actor: Actor,
    reason: str,
    winners: dict[str, str] | None = None,
    candidate: DuplicateCandidate | None = None,
    now: dt.datetime | None = None,
) -> DuplicateMerge:
    """Merge `merged` into `survivor` as `actor` saw them (a lead moved meanwhile is refused,
    naming who moved it). Raises MergeRefused or TransitionRefused and writes nothing, or
    returns the merge record. `actor` is a person, or DETECTION for an automatic merge (the
    merge then names the rule instead of a person)."""
    now = now or timezone.now()
    person = None if isinstance(actor, Automation) else actor
    reason = (reason or "").strip()
    if not reason:
        raise MergeRefused({"reason": ["say why these are the same lead"]})
    if survivor.pk == merged.pk:
        raise MergeRefused({"survivor": ["a lead cannot be merged into itself"]})
    chosen = {**default_winners(survivor, merged), **(winners or {})}
    unknown = [key for key, side in chosen.items() if key not in FIELDS_BY_KEY or side not in SIDES]
    if unknown:
        raise MergeRefused({NON_FIELD: [f"unknown field choices: {', '.join(sorted(unknown))}"]})

    with transaction.atomic():
        # Both leads, then both contacts, each in id order: two merges (or a merge and an
        # accept) over the same rows queue up instead of deadlocking.
        locked = {
            lead.pk: lead
            for lead in Lead.objects.select_for_update(of=("self",))
            .select_related("contact", "account", "segment", "owner")
            .filter(pk__in=[survivor.pk, merged.pk])
            .order_by("pk")
        }
        contacts = {
            c.pk: c
            for c in Contact.objects.select_for_update()
            .filter(pk__in={locked[survivor.pk].contact_id, locked[merged.pk].contact_id})
            .order_by("pk")
        }
        keep, fold = locked[survivor.pk], locked[merged.pk]
        keep.contact, fold.contact = contacts[keep.contact_id], contacts[fold.contact_id]
        if keep.stage != survivor.stage:
            raise MergeRefused(
                {
                    NON_FIELD: [
                        f"the surviving lead was moved to {Stage(keep.stage).label} since you "
                        "opened the pair: look again"
                    ]
                }
            )
        if candidate is not None:
            candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
            if candidate.status != DuplicateCandidate.Status.OPEN:
                raise CandidateClosed(
                    f"this pair was already decided: {candidate.get_status_display().lower()}"
                )
            if {candidate.lead_a_id, candidate.lead_b_id} != {keep.pk, fold.pk}:
                raise MergeRefused({"survivor": ["the survivor must be one of the pair"]})
        chosen = {
            key: side
            for key, side in chosen.items()
            if key in {f.key for f in choosable(keep, fold)}
        }
        _check_owner(keep, fold, chosen)

        recorder = Recorder()
        who = _name(actor)
        why = f"Merged lead #{fold.pk} ({fold.contact}) into this lead, by {who}: {reason}"
        moved = _take_fields(recorder, keep, fold, chosen, person, now, why)
        moved |= _move_rows(recorder, keep, fold, person, now)

        # The merged lead: through the engine, as any duplicate rejection.
        before = state(fold)
        seen = Lead.objects.get(pk=fold.pk)
        seen.stage = merged.stage  # what the actor saw: the engine refuses if it moved
        record = transition_lead(
            lead=seen,
            to=Stage.DISQUALIFIED,
            actor=actor,
            evidence=Evidence(
                reason_code=duplicate_code(),
                duplicate_of=keep,
                note=f"Merged into lead #{keep.pk} ({keep.contact}): {reason}",
            ),
            now=now,
            merging=True,
        )
        changed = [name for name, value in state(seen).items() if before.get(name) != value]
        recorder.record(
            seen,
            {name: before[name] for name in changed},
            compare="changed",
            after_fields=changed,
            engine=True,
        )
        if candidate is not None:
            recorder.write(
                candidate,
                {
                    "status": DuplicateCandidate.Status.MERGED,
                    "decided_by_id": person.pk if person else None,
                    "decided_at": now,
                },
                reason=f"Merged by {who}",
                compare="changed",
                user=person,
                date=now,
            )
        return DuplicateMerge.objects.create(
            candidate=candidate,
            survivor=keep,
            merged=seen,
            merged_by=person,
            rule="" if person else actor.name,
            merged_at=now,
            reason=reason,
            winners=chosen,
            moved={name: count for name, count in moved.items() if count},
            snapshot=recorder.entries,
            transition=record,
        )


def _check_owner(keep: Lead, fold: Lead, chosen: dict[str, str]) -> None:
    if chosen.get("owner") == MERGED and fold.owner_id is None and keep.stage in OWNED_STAGES:
        raise MergeRefused(
            {"owner": [f"an {Stage(keep.stage).label} keeps an owner: the merged lead has none"]}
        )


def _take_fields(
    recorder: Recorder,
    keep: Lead,
    fold: Lead,
    chosen: dict[str, str],
    actor: AbstractBaseUser | None,
    now: dt.datetime,
    why: str,
) -> Counter:
    contact_changes: dict = {}
    lead_changes: dict = {}
    for key, side in chosen.items():
        if side != MERGED:
            continue
        field = FIELDS_BY_KEY[key]
        source = fold.contact if field.on == "contact" else fold
        target = contact_changes if field.on == "contact" else lead_changes
        for attname in field.attnames:
            target[attname] = getattr(source, attname)
    if contact_changes.get("email") and fold.contact.email:
        # Emails are unique: the merged contact gives its address up first.
        recorder.write(
            fold.contact,
            {"email": None},
            reason=f"Email given to {keep.contact} by a merge into lead #{keep.pk}",
            compare="changed",
            user=actor,
            date=now,
        )
    if contact_changes:
        recorder.write(
            keep.contact, contact_changes, reason=why, compare="changed", user=actor, date=now
        )
    answers = {**(fold.form_answers or {}), **(keep.form_answers or {})}
    if answers != (keep.form_answers or {}):
        lead_changes["form_answers"] = answers
    last = max(filter(None, (keep.last_activity_at, fold.last_activity_at)), default=None)
    if last != keep.last_activity_at:
        lead_changes["last_activity_at"] = last
    owner = None
    if "owner_id" in lead_changes:
        # The one writer of the owner, in memory; saved with the rest, in one history row.
        owner = lambda: set_owner(lead=keep, owner=fold.owner)  # noqa: E731
    recorder.write(
        keep,
        lead_changes,
        reason=why,
        compare="changed",
        watch=("stage",),
        apply=owner,
        user=actor,
        date=now,
    )
    return Counter()


def _move_rows(
    recorder: Recorder, keep: Lead, fold: Lead, actor: AbstractBaseUser | None, now: dt.datetime
) -> Counter:
    moved: Counter = Counter()
    two_people = keep.contact_id != fold.contact_id
    activities = Q(lead=fold)
    if two_people:
        activities |= Q(contact_id=fold.contact_id, lead__isnull=True)
    for activity in Activity.objects.select_for_update().filter(activities).order_by("pk"):
        changes = {"contact_id": keep.contact_id}
        if activity.lead_id == fold.pk:
            changes["lead_id"] = keep.pk
        recorder.write(activity, changes)
        moved["activities"] += 1

    for note in DiscoveryNote.objects.select_for_update().filter(lead=fold).order_by("pk"):
        recorder.write(note, {"lead_id": keep.pk})
        moved["notes"] += 1

    mine = {c.framework_id: c for c in Checklist.objects.filter(lead=keep)}
    for checklist in Checklist.objects.select_for_update().filter(lead=fold).order_by("pk"):
        target = mine.get(checklist.framework_id)
        if target is None:
            recorder.write(checklist, {"lead_id": keep.pk})
            moved["checklists"] += 1
            continue
        answered = {a.item_id: a for a in target.answers.select_for_update().order_by("pk")}
        for answer in checklist.answers.select_for_update().order_by("pk"):
            theirs = answered.get(answer.item_id)
            if theirs is None:
                recorder.write(
                    answer,
                    {"checklist_id": target.pk},
                    reason=f"Moved from lead #{fold.pk} by a merge",
                    user=actor,
                    date=now,
                )
                moved["answers"] += 1
            elif _blank(theirs) and not _blank(answer):
                recorder.write(
                    theirs,
                    {"status": answer.status, "answer": answer.answer, "evidence": answer.evidence},
                    reason=f"Taken from lead #{fold.pk}'s answer by a merge",
                    compare="changed",
                    user=actor,
                    date=now,
                )
                moved["answers"] += 1
            else:
                moved["answers kept on the merged lead"] += 1

    if two_people:
        held = set(
            BuyingGroupRole.objects.filter(contact_id=keep.contact_id).values_list(
                "account_id", "role"
            )
        )
        roles = BuyingGroupRole.objects.select_for_update().filter(contact_id=fold.contact_id)
        for role in roles.order_by("pk"):
            if (role.account_id, role.role) in held:
                moved["roles kept on the merged contact"] += 1
                continue
            recorder.write(
                role,
                {"contact_id": keep.contact_id},
                reason=f"Moved from {fold.contact} by a merge into lead #{keep.pk}",
                user=actor,
                date=now,
            )
            moved["buying-group roles"] += 1
    return moved


def _blank(answer: ChecklistAnswer) -> bool:
    return (
        answer.status == ChecklistAnswer.Status.UNKNOWN
        and not answer.answer.strip()
        and not answer.evidence.strip()
    )


# Undo -----------------------------------------------------------------------------------------

_KIND = {
    "qualification.activity": ("activity", "activities"),
    "qualification.discoverynote": ("note", "notes"),
    "qualification.checklist": ("checklist", "checklists"),
    "qualification.checklistanswer": ("checklist answer", "checklist answers"),
    "accounts.buyinggrouprole": ("buying-group role", "buying-group roles"),
    "accounts.contact": ("contact", "contacts"),
    "qualification.duplicatecandidate": ("candidate pair", "candidate pairs"),
}


class UndoRefused(Exception):
    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("; ".join(reasons))


def undo_blockers(merge: DuplicateMerge) -> list[str]:
    """What stops `merge` from being undone, in words; empty when it can be."""
    if merge.is_undone:
        return [f"this merge was already undone by {_name(merge.undone_by)}"]
    return _blockers(merge, _current(merge))


def _current(merge: DuplicateMerge) -> dict[tuple[str, int], object]:
    """Every row the snapshot names, as it is now: one query per table."""
    wanted: dict[str, set[int]] = {}
    for entry in merge.snapshot:
        wanted.setdefault(entry["model"], set()).add(entry["pk"])
    rows = {}
    for label, pks in wanted.items():
        queryset = model_of(label).objects.filter(pk__in=pks).order_by("pk")
        if transaction.get_connection().in_atomic_block:
            queryset = queryset.select_for_update()
        for row in queryset:
            rows[(label, row.pk)] = row
    return rows


def _blockers(merge: DuplicateMerge, rows: dict) -> list[str]:
    since = timezone.localtime(merge.merged_at).strftime("%d %b %Y %H:%M")
    reasons: list[str] = []
    changed: Counter = Counter()
    for entry in merge.snapshot:
        label, pk = entry["model"], entry["pk"]
        row = rows.get((label, pk))
        if label == "qualification.lead":
            if entry["engine"]:
                continue  # the engine's own check: the merged lead's last move is the merge's
            now = state(row, list(entry["after"])) if row else {}
            fields = [
                Lead._meta.get_field(name.removesuffix("_id")).verbose_name
                for name, value in entry["after"].items()
                if now.get(name) != value and name != "last_activity_at"
            ]
            if fields:
                reasons.append(
                    f"the surviving lead #{pk} changed since the merge on {since}: "
                    f"{', '.join(fields)}"
                )
            continue
        if row is None:
            changed[label] += 1
            continue
        now = state(row) if entry["compare"] == "row" else state(row, list(entry["after"]))
        if now != entry["after"]:
            changed[label] += 1
    for label, count in changed.items():
        one, many = _KIND.get(label, (label, label))
        was = "was" if count == 1 else "were"
        reasons.append(
            f"{count} {one if count == 1 else many} the merge moved or wrote {was} changed or "
            f"deleted since the merge on {since}"
        )
    merged = Lead.objects.get(pk=merge.merged_id)
    last = merged.transitions.order_by("-occurred_at", "-pk").first()
    if last is None or last.pk != merge.transition_id:
        reasons.append(
            f"the merged lead #{merged.pk} was moved to {merged.get_stage_display()} since the "
            "merge: only its latest move can be taken back"
        )
    return reasons


def undo_merge(
    *,
    merge: DuplicateMerge,
    actor: AbstractBaseUser,
    reason: str = "",
    now: dt.datetime | None = None,
) -> DuplicateMerge:
    """Write back every row the merge wrote, as it was, in reverse order; the merged lead's
    stage through the engine's `undo_transition`. Raises UndoRefused (nothing written) while
    anything the merge wrote has changed since."""
    now = now or timezone.now()
    with transaction.atomic():
        merge = DuplicateMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.is_undone:
            raise UndoRefused([f"this merge was already undone by {_name(merge.undone_by)}"])
        # Both leads first, in id order, as the merge locked them.
        list(
            Lead.objects.select_for_update(of=("self",))
            .filter(pk__in=[merge.survivor_id, merge.merged_id])
            .order_by("pk")
        )
        rows = _current(merge)
        reasons = _blockers(merge, rows)
        if reasons:
            raise UndoRefused(reasons)
        who = _name(actor)
        why = f"Undo of merge #{merge.pk} by {who}" + (f": {reason}" if reason else "")
        for entry in reversed(merge.snapshot):
            model = model_of(entry["model"])
            before = load(model, entry["before"])
            if entry["engine"]:
                undo_transition(
                    lead=Lead(pk=entry["pk"]),
                    transition=StageTransition.objects.get(pk=merge.transition_id),
                    restore=before,
                    actor=actor,
                    reason=why,
                    now=now,
                )
                continue
            row = rows[(entry["model"], entry["pk"])]
            came_since = state(row, ["last_activity_at"]).get("last_activity_at") != entry[
                "after"
            ].get("last_activity_at")
            if "last_activity_at" in before and came_since:
                del before["last_activity_at"]  # an activity came since: keep its time
            for attname, value in before.items():
                setattr(row, attname, value)
            row._change_reason = why
            row._history_user = actor
            row._history_date = now
            update = list(before) + [
                f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)
            ]
            row.save(update_fields=update)
        merge.undone_at = now
        merge.undone_by = actor
        merge.save(update_fields=["undone_at", "undone_by"])
    return merge
