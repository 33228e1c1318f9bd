"""The SAL queue: which MQLs a person may work, its counters, claim next, accept and reject.

Views parse the request and call these. Every stage change still goes through
`lifecycle.engine.transition_lead`; this module only decides what the queue offers and who may
act. Who may work which MQL (the SDR's scope) is `lifecycle/scope.py`; the engine applies it to
every accept and reject, wherever it is posted from.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from accounts import roles
from qualification.jobs.enqueue import enqueue
from qualification.jobs.tasks import email_lead_brief
from qualification.lifecycle.engine import find_transition, transition_lead, unmet_requirements
from qualification.lifecycle.evidence import Evidence, TransitionRefused
from qualification.lifecycle.ownership import assign_owner
from qualification.lifecycle.scope import QueueScope
from qualification.lifecycle.scope import queue_segments as queue_segments
from qualification.lifecycle.table import evidence_of
from qualification.models import (
    REJECTIONS,
    Lead,
    Motion,
    ReasonCode,
    Source,
    Stage,
    StageTransition,
    TransitionName,
)

User = get_user_model()
logger = logging.getLogger(__name__)

# Who may own an accepted lead: the SDR who works it, or an AE it is handed to.
OWNER_ROLES = (roles.SDR, roles.AE)
# The queue's two actions. Accept is one row of the table; reject is either rejection row,
# picked by the reason code, so its form takes what either row asks for.
ACCEPT, REJECT = TransitionName.ACCEPT, TransitionName.REJECT
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    ACCEPT: evidence_of(ACCEPT),
    REJECT: evidence_of(*REJECTIONS),
}


def queue_leads(scope: QueueScope):
    """The MQLs awaiting acceptance that `scope` may work, most urgent SLA first."""
    return Lead.objects.sal_queue().queue_rows().filter(scope.q())


@dataclass(frozen=True)
class Counters:
    waiting: int
    breached: int
    mine_today: int


def queue_counters(*, user: AbstractBaseUser, scope: QueueScope, now: dt.datetime) -> Counters:
    """Waiting and breached MQLs in the user's scope, and the MQLs they answered today."""
    counts = (
        Lead.objects.filter(stage=Stage.MQL)
        .filter(scope.q())
        # COUNT(*), not COUNT(id): the partial index lead_mql_queue_idx answers it alone.
        .aggregate(waiting=Count("*"), breached=Count("sla_due_at", filter=Q(sla_due_at__lte=now)))
    )
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    mine_today = StageTransition.objects.filter(
        actor_id=user.pk, from_stage=Stage.MQL, occurred_at__gte=start_of_day
    ).count()
    return Counters(counts["waiting"], counts["breached"], mine_today)


def is_owner_role(user: AbstractBaseUser) -> bool:
    return bool(roles.user_roles(user) & set(OWNER_ROLES))


def owner_candidates():
    """Who an accepted lead may go to: active SDRs and AEs."""
    memberships = User.groups.through.objects.filter(
        user_id=OuterRef("pk"), group__name__in=OWNER_ROLES
    )
    return User.objects.filter(Exists(memberships), is_active=True)


def owner_choices() -> list[tuple[int, str, str]]:
    """(pk, name, role) of every possible owner, SDRs first, for the forms' selects."""
    rows = (
        User.objects.filter(is_active=True, groups__name__in=OWNER_ROLES)
        .values_list("pk", "first_name", "last_name", "username", "groups__name")
        .order_by("first_name", "last_name", "username")
    )
    seen: dict[int, tuple[int, str, str]] = {}
    for pk, first, last, username, role in rows:
        if pk in seen and seen[pk][2] == roles.SDR:
            continue
        seen[pk] = (pk, f"{first} {last}".strip() or username, role)
    return sorted(seen.values(), key=lambda row: (row[2] != roles.SDR, row[1].lower()))


def rejection_codes():
    return ReasonCode.objects.filter(active=True, for_rejection=True)


def reject_target(code: ReasonCode | None) -> str:
    """A code that asks for a recycle date (timing) sends the lead to nurture; any other
    disqualifies it."""
    if code is not None and code.requires_recycle_date:
        return Stage.NURTURE
    return Stage.DISQUALIFIED


# What the SDR is expected to do first, when the lead itself does not say.
_NEXT_STEP_BY_SOURCE = {
    Source.DEMO_REQUEST: "Book the demo they asked for",
    Source.FORM: "Reply to their enquiry and book a discovery call",
    Source.WEBINAR: "Follow up on the webinar and book a discovery call",
    Source.CONTENT: "Follow up on what they read and book a discovery call",
    Source.EVENT: "Follow up on the event conversation",
    Source.PARTNER: "Call with the partner’s introduction",
    Source.LIST_IMPORT: "Open with a personalised email",
    Source.OUTBOUND: "Follow up on the outbound sequence",
    Source.PRODUCT_SIGNUP: "Call about their product usage and offer onboarding help",
}


def expected_next_step(lead: Lead) -> str:
    if lead.next_action:
        return lead.next_action
    if lead.motion == Motion.PRODUCT_LED:
        return _NEXT_STEP_BY_SOURCE[Source.PRODUCT_SIGNUP]
    return _NEXT_STEP_BY_SOURCE.get(lead.source, "Call and book a discovery call")


def default_due_date(today: dt.date) -> dt.date:
    """The next working day: what a next action is usually due by."""
    due = today + dt.timedelta(days=1)
    while due.weekday() >= 5:
        due += dt.timedelta(days=1)
    return due


def claim_next_lead(*, user: AbstractBaseUser, scope: QueueScope) -> tuple[Lead | None, bool]:
    """Give `user` the most urgent MQL in their scope that no one else owns.

    Returns the lead and whether it was claimed just now (False when it was already theirs).
    Rows that another request holds locked (someone claiming or accepting them this instant)
    are skipped, never waited for, so two SDRs clicking at once get two different leads.
    """
    with transaction.atomic():
        lead = (
            Lead.objects.filter(stage=Stage.MQL)
            .filter(scope.q())
            .filter(Q(owner__isnull=True) | Q(owner_id=user.pk))
            .order_by("sla_due_at", "pk")
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if lead is None:
            return None, False
        if lead.owner_id == user.pk:
            return lead, False
        assign_owner(lead=lead, owner=user, reason="Claimed from the SAL queue", actor=user)
    return lead, True


def _as_seen_in_queue(lead: Lead) -> Lead:
    """The lead as the SDR saw it: the queue shows only MQLs, so whatever the row holds now,
    they acted on an MQL. The engine then names whoever moved it meanwhile ("already moved to
    SAL by …") instead of refusing an SAL → SAL move."""
    return Lead(pk=lead.pk, stage=Stage.MQL)


def moved_message(lead: Lead) -> str:
    """Why a lead that left the queue cannot be acted on, in the engine's words."""
    last = lead.transitions.select_related("actor").order_by("-occurred_at", "-pk").first()
    who = last.acted_by if last else "someone else"
    return f"this lead was already moved to {lead.get_stage_display()} by {who}"


def preview_refusal(
    *, lead: Lead, to: str, actor: AbstractBaseUser, evidence: Evidence
) -> dict[str, list[str]]:
    """What the engine would refuse, without writing or locking: for a form that is already
    invalid, so the SDR sees every problem at once."""
    try:
        transition = find_transition(lead=lead, target=to, actor=actor)
    except TransitionRefused as refusal:
        return refusal.errors
    return unmet_requirements(lead=lead, transition=transition, actor=actor, evidence=evidence)


def act_on_mql(
    *,
    lead: Lead,
    action: str,
    actor: AbstractBaseUser,
    data: dict,
    form_errors: dict,
) -> StageTransition:
    """Accept or reject (`action`) an MQL from the queue with what the form parsed (`data`).

    With form errors nothing is written: the engine previews what else it would refuse, so the
    SDR sees every problem at once, and TransitionRefused carries both (the form's message wins
    for a field). Otherwise the lead moves, or TransitionRefused says why not.
    """
    if form_errors:
        to, evidence = _proposal(action, data)
        preview = preview_refusal(lead=lead, to=to, actor=actor, evidence=evidence)
        raise TransitionRefused(_merge(form_errors, preview))
    if action == ACCEPT:
        return accept_lead(lead=lead, actor=actor, **data)
    return reject_lead(lead=lead, actor=actor, **data)


def _proposal(action: str, data: dict) -> tuple[str, Evidence]:
    """The move and the evidence a (partly invalid) form proposes, for the preview."""
    evidence = Evidence(**{name: data.get(name) for name in ACTION_FIELDS[action]})
    if action == ACCEPT:
        return Stage.SAL, evidence
    return reject_target(evidence.reason_code), evidence


def _merge(form_errors: dict, engine_errors: dict) -> dict[str, list[str]]:
    """The form's own errors win for a field; the engine's fill in every other field."""
    merged = {field: list(errs) for field, errs in form_errors.items()}
    for field, errs in engine_errors.items():
        merged.setdefault(field, list(errs))
    return merged


def accept_lead(
    *,
    lead: Lead,
    actor: AbstractBaseUser,
    owner: AbstractBaseUser | None,
    icp_confirmed: bool,
    next_action: str,
    next_action_due: dt.date | None,
) -> StageTransition:
    """Accept an MQL into SAL; after commit, email the owner the handoff brief.

    Raises TransitionRefused (nothing changed) when the evidence is short or someone else
    moved the lead first.
    """
    evidence = Evidence(
        owner=owner,
        icp_confirmed=icp_confirmed,
        next_action=next_action,
        next_action_due=next_action_due,
    )
    record = transition_lead(
        lead=_as_seen_in_queue(lead), to=Stage.SAL, actor=actor, evidence=evidence
    )
    # After the engine's transaction commits (at once, unless a caller's transaction is open).
    transaction.on_commit(partial(_send_brief, record.lead_id))
    return record


def _send_brief(lead_id: int) -> None:
    """Queue the brief's email. The accept has committed: nothing the email meets (no broker;
    run inline without one, a mail server that refuses) may turn it into an error page."""
    try:
        enqueue(email_lead_brief, lead_id)
    except Exception:
        logger.exception("The lead brief for lead %s was not sent", lead_id)


def reject_lead(
    *,
    lead: Lead,
    actor: AbstractBaseUser,
    reason_code: ReasonCode | None,
    note: str,
    recycle_on: dt.date | None = None,
    duplicate_of: Lead | None = None,
) -> StageTransition:
    """Reject an MQL: to nurture until `recycle_on` for a timing code, else disqualified."""
    to = reject_target(reason_code)
    evidence = Evidence(reason_code=reason_code, note=note)
    if to == Stage.NURTURE:
        evidence.recycle_on = recycle_on
    else:
        evidence.duplicate_of = duplicate_of
    return transition_lead(lead=_as_seen_in_queue(lead), to=to, actor=actor, evidence=evidence)
