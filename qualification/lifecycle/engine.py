"""The lead lifecycle: one transition table and the one function that applies it.

`TRANSITIONS` is the documentation. `transition_lead` is the only code that assigns
`Lead.stage`: it locks the row, checks who is acting and the evidence each requirement asks for,
writes a StageTransition with a snapshot of that evidence, sets the stage's timers and records a
history row with the actor and the reason. A refusal raises `TransitionRefused`, carrying one
message per missing requirement, and changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from qualification.lifecycle.business_hours import segment_sla_due
from qualification.lifecycle.evidence import (
    LEAD_FIELDS,
    NON_FIELD,
    Actor,
    Automation,
    Evidence,
    TransitionRefused,
    visible_text,
)
from qualification.lifecycle.ownership import set_owner
from qualification.lifecycle.requirements import LeadFacts, RequirementContext, buying_group_size
from qualification.lifecycle.scope import scope_refusal
from qualification.lifecycle.table import Transition, transitions_from
from qualification.models import (
    OPEN_STAGES,
    Lead,
    Stage,
    StageTransition,
)


def find_transition(*, lead: Lead, target: str, actor: Actor, merging: bool = False) -> Transition:
    """The first row of the table that moves `lead` to `target` and that `actor` may use
    (with `merging`, a merge's own rows too, after the usual ones)."""
    rows = [row for row in transitions_from(lead.stage, merging=merging) if row.target == target]
    if not rows:
        raise TransitionRefused(
            {
                NON_FIELD: [
                    f"a lead cannot move from {Stage(lead.stage).label} to {Stage(target).label}"
                ]
            }
        )
    for row in rows:
        if row.allows(actor, lead):
            return row
    outside = None if isinstance(actor, Automation) else scope_refusal(user=actor, lead=lead)
    move = f"{Stage(lead.stage).label} to {Stage(target).label}"
    raise TransitionRefused({NON_FIELD: [outside or f"you may not move a lead from {move}"]})


def unmet_requirements(
    *,
    lead: Lead,
    transition: Transition,
    actor: Actor,
    evidence: Evidence | None = None,
    now: dt.datetime | None = None,
    facts: LeadFacts | None = None,
) -> dict[str, list[str]]:
    check = RequirementContext(lead, evidence or Evidence(), actor, now or timezone.now(), facts)
    errors: dict[str, list[str]] = {}
    for requirement in transition.requirements:
        message = requirement.problem(check)
        if message:
            errors.setdefault(requirement.field, []).append(message)
    return errors


def _evidence_snapshot(lead: Lead, transition: Transition, evidence: Evidence) -> dict:
    # The score as the actor saw it: the lead's own score moves on (decay, new activity).
    snapshot: dict = {
        "intent_score": lead.intent_score,
        "intent_band": lead.intent_band,
        "fit_tier": lead.fit_tier,
        "mql_threshold": lead.segment.mql_threshold,
        "nurture_floor": lead.segment.nurture_floor,
        "scored_at": lead.scored_at.isoformat() if lead.scored_at else None,
    }
    for item in fields(evidence):
        value = getattr(evidence, item.name)
        if value is None:
            continue
        if hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, dt.date | Decimal):
            value = str(value)
        snapshot[item.name] = value
    if transition.target == Stage.SQL:
        snapshot["buying_group_contacts"] = buying_group_size(lead)
    return snapshot


def _last_mover(lead: Lead) -> str:
    last = lead.transitions.select_related("actor").order_by("-occurred_at", "-pk").first()
    return last.acted_by if last else "someone else"


def transition_lead(
    *,
    lead: Lead,
    to: str,
    actor: Actor,
    evidence: Evidence | None = None,
    now: dt.datetime | None = None,
    merging: bool = False,
) -> StageTransition:
    """Move `lead` to stage `to` if the table allows `actor` to with this `evidence`
    (`merging`: the move is a merge's, which may take the merge-only rows).

    The caller's `lead` is what they saw: if another request moved it meanwhile, the change is
    refused naming who moved it. On success `lead` is refreshed in place. Everything written is
    dated `now` (the real clock unless given): the transition, the timers, the history rows.
    """
    evidence = evidence or Evidence()
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Lead.objects.select_for_update(of=("self",))
            .select_related("segment", "account")
            .get(pk=lead.pk)
        )
        if locked.stage != lead.stage:
            raise TransitionRefused(
                {
                    NON_FIELD: [
                        f"this lead was already moved to {Stage(locked.stage).label} "
                        f"by {_last_mover(locked)}"
                    ]
                }
            )
        record = _apply(locked, to, actor, evidence, now, merging=merging)
        locked.save()
        if evidence.icp_confirmed and locked.account_id:
            _confirm_icp(locked, actor, record.occurred_at)
        record.lead = locked
        record.save()
    lead.refresh_from_db()
    return record


def stage_new_lead(
    *,
    lead: Lead,
    to: str,
    actor: Actor,
    evidence: Evidence | None = None,
    now: dt.datetime | None = None,
) -> StageTransition:
    """Apply a table row to a lead that is not saved yet (a bulk import), in memory.

    No one else can see the lead, so nothing is locked. The caller saves the lead (with history:
    its `_change_reason` is set) and then the returned StageTransition, in one transaction.
    """
    if lead.pk is not None or lead.stage != Stage.NEW:
        raise ValueError("stage_new_lead takes a new lead that is not saved yet")
    return _apply(lead, to, actor, evidence or Evidence(), now or timezone.now())


def _apply(
    lead: Lead,
    to: str,
    actor: Actor,
    evidence: Evidence,
    now: dt.datetime,
    *,
    merging: bool = False,
) -> StageTransition:
    """Check the table and the evidence, then change `lead` in memory; refuse or return the
    (unsaved) audit row."""
    row = find_transition(lead=lead, target=to, actor=actor, merging=merging)
    evidence = visible_text(evidence)
    errors = unmet_requirements(lead=lead, transition=row, actor=actor, evidence=evidence, now=now)
    if errors:
        raise TransitionRefused(errors)

    from_stage = lead.stage
    from_stage_entered_at = lead.stage_entered_at or lead.created_at or now
    for name in LEAD_FIELDS:
        value = getattr(evidence, name)
        if value is None:
            continue
        if name == "owner":
            set_owner(lead=lead, owner=value)
        else:
            setattr(lead, name, value)
    _set_timers(lead, from_stage, to, actor, now)
    lead.stage = to
    # The flag asks a person to decide on the lead where it stands (a new lead in the band
    # between floor and threshold): any move is that decision, so no move keeps it.
    lead.manual_review = False

    note = " · ".join(
        text.strip()
        for text in (evidence.note, evidence.manual_review_decision, evidence.fit_override)
        if text is not None
    )
    reason = f"{row.label}: {Stage(from_stage).label} → {Stage(to).label}"
    if note:
        reason += f": {note}"
    lead._change_reason = reason
    lead._history_date = now  # simple-history dates the history row with it
    if not isinstance(actor, Automation):
        lead._history_user = actor
    return StageTransition(
        lead=lead,
        from_stage=from_stage,
        to_stage=to,
        name=row.name,
        actor=None if isinstance(actor, Automation) else actor,
        rule=actor.name if isinstance(actor, Automation) else "",
        occurred_at=now,
        from_stage_entered_at=from_stage_entered_at,
        reason_code=evidence.reason_code,
        note=note,
        evidence=_evidence_snapshot(lead, row, evidence),
    )


def _set_timers(lead: Lead, from_stage: str, to: str, actor: Actor, now: dt.datetime) -> None:
    lead.stage_entered_at = now
    if (
        from_stage == Stage.MQL
        and lead.first_touch_at is None
        and not isinstance(actor, Automation)
    ):
        lead.first_touch_at = now
    if to == Stage.MQL:
        lead.sla_due_at = segment_sla_due(lead.segment, now)
    elif to == Stage.SQL:
        lead.sla_due_at = now + dt.timedelta(hours=lead.segment.sla_first_meeting_hours)
    else:
        lead.sla_due_at = None
    if to in OPEN_STAGES:
        # Back in play: the exit's reason and recycle date belong to the history now.
        lead.reason_code = None
        lead.duplicate_of = None
        lead.recycle_on = None
    if to == Stage.DISQUALIFIED:
        lead.recycle_on = None


def _confirm_icp(lead: Lead, actor: Actor, now: dt.datetime) -> None:
    account = lead.account
    account.icp_confirmed_at = now
    account.icp_confirmed_by = None if isinstance(actor, Automation) else actor
    account._change_reason = f"ICP confirmed accepting lead {lead.pk}"
    account._history_date = now
    if not isinstance(actor, Automation):
        account._history_user = actor
    account.save(update_fields=["icp_confirmed_at", "icp_confirmed_by", "updated_at"])


# Not a row of the table: an undo does not decide anything about the lead, it takes back a
# decision (a merge), so it restores the stage and timers as they were instead of setting new
# ones. The audit row carries this name; people read it as "Undo merge".
UNDO_MERGE = "undo-merge"

# What an undo may put back on a lead: the stage and what travels with it.
RESTORABLE_FIELDS = frozenset(
    {"stage", "stage_entered_at", "sla_due_at", "first_touch_at", "manual_review"}
    | {
        f"{name}_id" if name in {"owner", "reason_code", "duplicate_of"} else name
        for name in LEAD_FIELDS
    }
)


def undo_transition(
    *,
    lead: Lead,
    transition: StageTransition,
    restore: dict,
    actor: AbstractBaseUser,
    reason: str,
    now: dt.datetime | None = None,
) -> StageTransition:
    """Take back `transition`, the last move of `lead`, putting `restore` (field attname to the
    value it had before that move) back on the lead, with an audit row and a history reason.

    Refused (TransitionRefused, nothing written) when the lead moved again since: only the
    latest move can be taken back, or a later decision would be erased with it."""
    unknown = set(restore) - RESTORABLE_FIELDS
    if unknown:
        raise ValueError(f"undo_transition cannot restore {sorted(unknown)}")
    now = now or timezone.now()
    with transaction.atomic():
        locked = Lead.objects.select_for_update(of=("self",)).get(pk=lead.pk)
        last = locked.transitions.select_related("actor").order_by("-occurred_at", "-pk").first()
        if last is None or last.pk != transition.pk or locked.stage != transition.to_stage:
            mover = last.acted_by if last else "someone else"
            raise TransitionRefused(
                {
                    NON_FIELD: [
                        f"lead #{lead.pk} was moved to {Stage(locked.stage).label} by {mover} "
                        "since: only its latest move can be taken back"
                    ]
                }
            )
        from_stage = locked.stage
        from_stage_entered_at = locked.stage_entered_at or now
        for attname, value in restore.items():
            setattr(locked, attname, value)
        locked._change_reason = f"Undo merge: {Stage(from_stage).label} → " + (
            f"{Stage(locked.stage).label}: {reason}"
        )
        locked._history_date = now
        locked._history_user = actor
        locked.save()
        record = StageTransition.objects.create(
            lead=locked,
            from_stage=from_stage,
            to_stage=locked.stage,
            name=UNDO_MERGE,
            actor=actor,
            occurred_at=now,
            from_stage_entered_at=from_stage_entered_at,
            note=reason,
            evidence={"undoes": transition.pk},
        )
    lead.refresh_from_db()
    return record
