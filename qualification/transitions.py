"""The lead lifecycle: one transition table and the one function that applies it.

`TRANSITIONS` is the documentation. `transition_lead` is the only code that assigns
`Lead.stage`: it locks the row, checks who is acting and the evidence each requirement asks for,
writes a StageTransition with a snapshot of that evidence, sets the stage's timers and records a
history row with the actor and the reason. A refusal raises `TransitionRefused`, carrying one
message per missing requirement, and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import BooleanField, Case, Q, When
from django.utils import timezone

from accounts.models import BuyingGroupRole, IcpTier

from .models import (
    OPEN_STAGES,
    Checklist,
    ChecklistAnswer,
    IntentBand,
    Lead,
    ReasonCode,
    Stage,
    StageTransition,
)
from .scope import scope_refusal
from .sla import segment_sla_due

NON_FIELD = "__all__"


class TransitionRefused(Exception):
    """A stage change the rules refuse; `errors` maps an evidence field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(self.messages))

    @property
    def messages(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


@dataclass(frozen=True)
class Rule:
    """An automated actor (a scoring rule, the recycle job) acting instead of a person."""

    name: str


Actor = AbstractBaseUser | Rule


@dataclass
class Evidence:
    """What the actor supplies with a transition. Unset fields fall back to the lead's values."""

    owner: AbstractBaseUser | None = None
    icp_confirmed: bool | None = None
    next_action: str | None = None
    next_action_due: dt.date | None = None
    reason_code: ReasonCode | None = None
    note: str | None = None
    recycle_on: dt.date | None = None
    duplicate_of: Lead | None = None
    fit_override: str | None = None
    manual_review_decision: str | None = None
    next_meeting_on: dt.datetime | None = None
    single_thread_override: str | None = None
    amount_estimate: Decimal | None = None
    expected_close_date: dt.date | None = None
    mutual_next_step: str | None = None


# Evidence that is stored on the lead when the transition succeeds.
_LEAD_FIELDS = (
    "owner",
    "next_action",
    "next_action_due",
    "reason_code",
    "recycle_on",
    "duplicate_of",
    "fit_override",
    "next_meeting_on",
    "single_thread_override",
    "amount_estimate",
    "expected_close_date",
    "mutual_next_step",
)


@dataclass
class Check:
    """What a requirement looks at: the lead as it would be, the actor and the clock."""

    lead: Lead
    evidence: Evidence
    actor: Actor
    now: dt.datetime

    def value(self, name: str):
        given = getattr(self.evidence, name)
        if given is not None:
            return given
        return getattr(self.lead, name, None)

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)


@dataclass(frozen=True)
class Requirement:
    field: str
    label: str  # what the lead page shows as still needed
    problem: Callable[[Check], str | None]  # a message when unmet, else None


# A character a person can read: a letter, digit, punctuation mark or symbol. Whitespace,
# format characters (zero-width spaces and joiners, the BOM, soft hyphens: category Cf),
# separators (Z*), controls and lone combining marks are not; nor the few letters and symbols
# that are drawn blank (Hangul fillers, the blank Braille pattern).
_READABLE = ("L", "N", "P", "S")
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def has_text(value: str | None) -> bool:
    """Whether `value` holds words: what is left after removing every Unicode whitespace and
    invisible character is not empty. Every requirement for written evidence asks this."""
    return any(
        unicodedata.category(char)[0] in _READABLE and char not in _BLANK_GLYPHS
        for char in value or ""
    )


def _visible(evidence: Evidence) -> Evidence:
    """The evidence with every text nobody could read taken as not given (so it is neither
    counted nor stored)."""
    unreadable = {
        item.name: None
        for item in fields(evidence)
        if isinstance(getattr(evidence, item.name), str)
        and not has_text(getattr(evidence, item.name))
    }
    return replace(evidence, **unreadable) if unreadable else evidence


def _has_text(check: Check, name: str) -> bool:
    return has_text(check.value(name))


def _required_text(name: str, label: str, message: str) -> Requirement:
    return Requirement(name, label, lambda c: None if _has_text(c, name) else message)


# Requirements ------------------------------------------------------------------------------


def _account_domain(c: Check) -> str | None:
    account = c.lead.account
    if account is None or not account.domain:
        return "the lead needs an account with a domain"
    return None


def _fit(c: Check) -> str | None:
    if c.lead.fit_tier in (IcpTier.A, IcpTier.B) or _has_text(c, "fit_override"):
        return None
    tier = c.lead.get_fit_tier_display() if c.lead.fit_tier else "unscored"
    return f"fit tier must be A or B (it is {tier}), or give a written override"


def _score(c: Check) -> str | None:
    threshold = c.lead.segment.mql_threshold
    if c.lead.intent_score >= threshold or has_text(c.evidence.manual_review_decision):
        return None
    return (
        f"intent score {c.lead.intent_score} is under the MQL threshold of {threshold}; "
        "a manual-review decision is required"
    )


def _owner(c: Check) -> str | None:
    return None if c.value("owner") is not None else "an owner is required"


def _icp_confirmed(c: Check) -> str | None:
    return None if c.evidence.icp_confirmed else "confirm the account fits the ICP"


def _next_action_due(c: Check) -> str | None:
    due = c.value("next_action_due")
    if due is None:
        return "a due date for the next action is required"
    if due < c.today:
        return "the next action's due date cannot be in the past"
    return None


def _reason_code(applies: Callable[[ReasonCode], bool], context: str) -> Callable:
    def problem(c: Check) -> str | None:
        code = c.evidence.reason_code
        if code is None:
            return "reason code is required"
        if not code.active or not applies(code):
            return f"reason code “{code.label}” does not apply to {context}"
        return None

    return problem


def _not_a_timing_code(c: Check) -> str | None:
    code = c.evidence.reason_code
    if code is not None and code.requires_recycle_date:
        return f"“{code.label}” sends a lead to nurture with a recycle date, not to disqualified"
    return None


def _timing_code(c: Check) -> str | None:
    """Rejecting to nurture takes a code that schedules a return (`timing`, or any code RevOps
    marks as needing a recycle date)."""
    code = c.evidence.reason_code
    if code is None:
        return "reason code is required"
    if not code.active or not code.for_rejection or not code.requires_recycle_date:
        return f"“{code.label}” does not send a lead to nurture; use a timing reason"
    return None


def _recycle_in_future(c: Check) -> str | None:
    recycle_on = c.evidence.recycle_on
    if recycle_on is None:
        return "recycle date is required"
    if recycle_on <= c.today:
        return "recycle date must be in the future"
    return None


def _surviving_lead(c: Check) -> str | None:
    code = c.evidence.reason_code
    if code is None or not code.requires_linked_lead:
        return None
    survivor = c.evidence.duplicate_of
    if survivor is None:
        return f"“{code.label}” needs the surviving lead"
    if survivor.pk == c.lead.pk:
        return "a lead cannot be a duplicate of itself"
    if survivor.stage == Stage.DISQUALIFIED:
        return "the surviving lead is itself disqualified"
    if not may_survive(c.lead, survivor):
        where = f"at {survivor.account.name}" if survivor.account_id else "with no account"
        return (
            "the surviving lead must be the same person or at the same account: "
            f"{survivor.contact} {where} is neither"
        )
    return None


def may_survive(lead: Lead, survivor: Lead) -> bool:
    """Whether `lead` can be a duplicate of `survivor`: the same person, or the same account.
    (A contact's email is unique once normalised, so the same email is the same contact.)"""
    if survivor.contact_id == lead.contact_id:
        return True
    return lead.account_id is not None and survivor.account_id == lead.account_id


def likely_survivors(lead: Lead, *, limit: int = 20) -> list[Lead]:
    """The leads `lead` may be a duplicate of (`may_survive`, not disqualified), for a list to
    pick from: the same person's first (`same_person`), then the account's, newest first."""
    related = Q(contact_id=lead.contact_id)
    if lead.account_id is not None:
        related |= Q(account_id=lead.account_id)
    return list(
        Lead.objects.filter(related)
        .exclude(pk=lead.pk)
        .exclude(stage=Stage.DISQUALIFIED)
        .select_related("contact", "segment", "owner")
        .annotate(
            same_person=Case(
                When(contact_id=lead.contact_id, then=True),
                default=False,
                output_field=BooleanField(),
            )
        )
        .order_by("-same_person", "-created_at", "-pk")[:limit]
    )


def survivor_groups(survivors: list[Lead]) -> list[tuple[str, list[Lead]]]:
    """`likely_survivors` as a picker groups them, in words, leaving out an empty group."""
    groups = [
        ("The same person", [lead for lead in survivors if lead.same_person]),
        ("The same account", [lead for lead in survivors if not lead.same_person]),
    ]
    return [(label, members) for label, members in groups if members]


def framework_gaps(lead: Lead) -> list[str]:
    """For each discovery checklist of the lead, the SQL-required items not yet confirmed.

    Empty when one checklist is at its minimum. With no checklist, one entry per framework.
    """
    checklists = Checklist.objects.filter(lead=lead).select_related("framework")
    confirmed = set(
        ChecklistAnswer.objects.filter(
            checklist__lead=lead, status=ChecklistAnswer.Status.CONFIRMED
        ).values_list("checklist__framework_id", "item_id")
    )
    gaps = []
    for checklist in checklists:
        framework = checklist.framework
        missing = [
            item.label.lower()
            for item in framework.items.all()
            if item.required_for_sql and (framework.pk, item.pk) not in confirmed
        ]
        if not missing:
            return []
        gaps.append(f"{framework.name}: {', '.join(missing)} confirmed")
    return gaps


def _framework_minimum(c: Check) -> str | None:
    gaps = framework_gaps(c.lead)
    if not gaps and Checklist.objects.filter(lead=c.lead).exists():
        return None
    if not gaps:
        return "a discovery framework at its minimum is required (start a checklist)"
    return "discovery is not at its minimum — " + "; ".join(gaps)


def buying_group_size(lead: Lead) -> int:
    if lead.account_id is None:
        return 0
    return (
        BuyingGroupRole.objects.filter(account_id=lead.account_id)
        .values("contact_id")
        .distinct()
        .count()
    )


def _buying_group(c: Check) -> str | None:
    if buying_group_size(c.lead) >= 2 or _has_text(c, "single_thread_override"):
        return None
    return (
        "at least two buying-group contacts must be mapped, "
        "or give a written single-thread override"
    )


def _next_meeting(c: Check) -> str | None:
    meeting = c.value("next_meeting_on")
    if meeting is None:
        return "a next meeting date is required"
    if meeting < c.now:
        return "the next meeting cannot be in the past"
    return None


def _amount(c: Check) -> str | None:
    amount = c.value("amount_estimate")
    if amount is None:
        return "an amount estimate is required"
    if amount <= 0:
        return "the amount estimate must be more than zero"
    return None


def _close_date(c: Check) -> str | None:
    close = c.value("expected_close_date")
    if close is None:
        return "an expected close date is required"
    if close < c.today:
        return "the expected close date cannot be in the past"
    return None


def _economic_buyer(c: Check) -> str | None:
    if (
        c.lead.account_id
        and BuyingGroupRole.objects.filter(
            account_id=c.lead.account_id, role=BuyingGroupRole.Role.ECONOMIC_BUYER
        ).exists()
    ):
        return None
    return "an economic buyer must be identified in the buying group"


def _recycle_due_or_intent_high(c: Check) -> str | None:
    if c.lead.intent_band == IntentBand.HIGH:
        return None
    if c.lead.recycle_on is not None and c.lead.recycle_on <= c.today:
        return None
    return "the recycle date has not come and intent is not high"


NOTE = _required_text("note", "a note", "a note is required")

# The table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    name: str  # the row's key in code, forms and the audit rows; people read `label`
    label: str
    sources: frozenset[str]
    target: str
    permission: str | None  # a Django permission (app_label.codename) that lets a person act
    owner_may: bool = False  # the lead's owner may act without the permission
    rules_may: bool = False  # an automated rule may act
    requirements: tuple[Requirement, ...] = field(default=())

    def allows(self, actor: Actor, lead: Lead) -> bool:
        if isinstance(actor, Rule):
            return self.rules_may
        if not actor.is_active:
            return False
        if scope_refusal(user=actor, lead=lead):
            return False  # an MQL outside the SDR's part of the queue, however they reach it
        if self.owner_may and lead.owner_id is not None and lead.owner_id == actor.pk:
            return True
        return self.permission is not None and actor.has_perm(self.permission)


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "mark-mql",
        "Mark MQL",
        frozenset({Stage.NEW}),
        Stage.MQL,
        "qualification.mark_mql",
        rules_may=True,
        requirements=(
            Requirement("account", "an account with a domain", _account_domain),
            Requirement(
                "source", "a source", lambda c: None if c.lead.source else "the lead needs a source"
            ),
            Requirement("fit_override", "fit tier A or B, or an override", _fit),
            Requirement(
                "manual_review_decision", "score at the MQL threshold, or a review", _score
            ),
        ),
    ),
    Transition(
        "accept",
        "Accept into SAL",
        frozenset({Stage.MQL}),
        Stage.SAL,
        "qualification.accept_mql",
        requirements=(
            Requirement("owner", "an owner", _owner),
            Requirement("icp_confirmed", "ICP confirmed", _icp_confirmed),
            _required_text("next_action", "a next action", "a next action is required"),
            Requirement("next_action_due", "the next action's due date", _next_action_due),
        ),
    ),
    Transition(
        "reject-to-nurture",
        "Reject to nurture",
        frozenset({Stage.MQL}),
        Stage.NURTURE,
        "qualification.reject_mql",
        requirements=(
            Requirement("reason_code", "reason code “timing”", _timing_code),
            Requirement("recycle_on", "a recycle date in the future", _recycle_in_future),
            NOTE,
        ),
    ),
    Transition(
        "reject",
        "Reject",
        frozenset({Stage.MQL}),
        Stage.DISQUALIFIED,
        "qualification.reject_mql",
        requirements=(
            Requirement(
                "reason_code",
                "a rejection reason code",
                _reason_code(lambda code: code.for_rejection, "an SDR rejection"),
            ),
            Requirement(
                "reason_code", "a reason code that does not need nurture", _not_a_timing_code
            ),
            NOTE,
            Requirement("duplicate_of", "the surviving lead, for duplicates", _surviving_lead),
        ),
    ),
    Transition(
        "promote-sql",
        "Promote to SQL",
        frozenset({Stage.SAL}),
        Stage.SQL,
        "qualification.promote_sql",
        requirements=(
            Requirement("framework", "a discovery framework at its minimum", _framework_minimum),
            Requirement(
                "single_thread_override",
                "a second buying-group contact, or an override",
                _buying_group,
            ),
            Requirement("next_meeting_on", "a next meeting date", _next_meeting),
        ),
    ),
    Transition(
        "promote-opportunity",
        "Promote to opportunity",
        frozenset({Stage.SQL}),
        Stage.OPPORTUNITY,
        "qualification.promote_opportunity",
        requirements=(
            Requirement("amount_estimate", "an amount estimate", _amount),
            Requirement("expected_close_date", "an expected close date", _close_date),
            Requirement("economic_buyer", "an economic buyer", _economic_buyer),
            _required_text(
                "mutual_next_step", "a mutual next step", "a mutual next step is required"
            ),
        ),
    ),
    Transition(
        "park",
        "Park in nurture",
        frozenset(OPEN_STAGES),
        Stage.NURTURE,
        "qualification.act_on_any_lead",
        owner_may=True,
        rules_may=True,
        requirements=(
            Requirement("recycle_on", "a recycle date in the future", _recycle_in_future),
            Requirement(
                "reason_code",
                "a reason code",
                _reason_code(
                    lambda code: code.for_disqualification or code.for_lost, "parking a lead"
                ),
            ),
        ),
    ),
    Transition(
        "disqualify",
        "Disqualify",
        frozenset(OPEN_STAGES),
        Stage.DISQUALIFIED,
        "qualification.act_on_any_lead",
        owner_may=True,
        rules_may=True,
        requirements=(
            Requirement(
                "reason_code",
                "a reason code",
                _reason_code(
                    lambda code: code.for_disqualification or code.for_lost, "disqualification"
                ),
            ),
            Requirement(
                "reason_code", "a reason code that does not need nurture", _not_a_timing_code
            ),
            NOTE,
            Requirement("duplicate_of", "the surviving lead, for duplicates", _surviving_lead),
        ),
    ),
    Transition(
        "recycle",
        "Recycle",
        frozenset({Stage.NURTURE}),
        Stage.MQL,
        None,
        rules_may=True,
        requirements=(
            Requirement(
                "recycle_on",
                "the recycle date reached, or high intent",
                _recycle_due_or_intent_high,
            ),
        ),
    ),
    Transition(
        "reopen",
        "Reopen",
        frozenset({Stage.DISQUALIFIED}),
        Stage.MQL,
        "qualification.reopen_lead",
        requirements=(NOTE,),
    ),
)


def transition_label(name: str) -> str:
    """What people read for the row named `name` (an audit row's `name`)."""
    row = next((row for row in TRANSITIONS if row.name == name), None)
    return row.label if row else name.replace("-", " ").capitalize()


def transitions_from(stage: str) -> list[Transition]:
    return [row for row in TRANSITIONS if stage in row.sources]


def find_transition(lead: Lead, target: str, actor: Actor) -> Transition:
    """The first row of the table that moves `lead` to `target` and that `actor` may use."""
    rows = [row for row in transitions_from(lead.stage) if row.target == target]
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
    outside = None if isinstance(actor, Rule) else scope_refusal(user=actor, lead=lead)
    move = f"{Stage(lead.stage).label} to {Stage(target).label}"
    raise TransitionRefused({NON_FIELD: [outside or f"you may not move a lead from {move}"]})


def unmet_requirements(
    lead: Lead,
    transition: Transition,
    actor: Actor,
    evidence: Evidence | None = None,
    now: dt.datetime | None = None,
) -> dict[str, list[str]]:
    check = Check(lead, evidence or Evidence(), actor, now or timezone.now())
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


def _describe(actor: Actor) -> str:
    if isinstance(actor, Rule):
        return f"rule {actor.name}"
    return actor.get_username()


def _last_mover(lead: Lead) -> str:
    last = lead.transitions.select_related("actor").order_by("-occurred_at", "-pk").first()
    return last.acted_by if last else "someone else"


def transition_lead(
    *,
    lead: Lead,
    to: str,
    actor: Actor,
    evidence: Evidence | None = None,
) -> StageTransition:
    """Move `lead` to stage `to` if the table allows `actor` to with this `evidence`.

    The caller's `lead` is what they saw: if another request moved it meanwhile, the change is
    refused naming who moved it. On success `lead` is refreshed in place.
    """
    evidence = evidence or Evidence()
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
        record = _apply(locked, to, actor, evidence, timezone.now())
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
    lead: Lead, to: str, actor: Actor, evidence: Evidence, now: dt.datetime
) -> StageTransition:
    """Check the table and the evidence, then change `lead` in memory; refuse or return the
    (unsaved) audit row."""
    row = find_transition(lead, to, actor)
    evidence = _visible(evidence)
    errors = unmet_requirements(lead, row, actor, evidence, now)
    if errors:
        raise TransitionRefused(errors)

    from_stage = lead.stage
    from_stage_entered_at = lead.stage_entered_at or lead.created_at or now
    for name in _LEAD_FIELDS:
        value = getattr(evidence, name)
        if value is not None:
            setattr(lead, name, value)
    _set_timers(lead, from_stage, to, actor, now)
    lead.stage = to
    # The flag asks a person to decide on the lead where it stands (a new lead in the band
    # between floor and threshold): any move is that decision, so no move keeps it.
    lead.manual_review = False
    lead.version += 1

    note = " · ".join(
        text.strip()
        for text in (evidence.note, evidence.manual_review_decision, evidence.fit_override)
        if text is not None
    )
    reason = f"{row.label}: {Stage(from_stage).label} → {Stage(to).label}"
    if note:
        reason += f": {note}"
    lead._change_reason = reason
    if not isinstance(actor, Rule):
        lead._history_user = actor
    return StageTransition(
        lead=lead,
        from_stage=from_stage,
        to_stage=to,
        name=row.name,
        actor=None if isinstance(actor, Rule) else actor,
        rule=actor.name if isinstance(actor, Rule) else "",
        occurred_at=now,
        from_stage_entered_at=from_stage_entered_at,
        reason_code=evidence.reason_code,
        note=note,
        evidence=_evidence_snapshot(lead, row, evidence),
    )


def _set_timers(lead: Lead, from_stage: str, to: str, actor: Actor, now: dt.datetime) -> None:
    lead.stage_entered_at = now
    if from_stage == Stage.MQL and lead.first_touch_at is None and not isinstance(actor, Rule):
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
    account.icp_confirmed_by = None if isinstance(actor, Rule) else actor
    account._change_reason = f"ICP confirmed accepting lead {lead.pk}"
    if not isinstance(actor, Rule):
        account._history_user = actor
    account.save(update_fields=["icp_confirmed_at", "icp_confirmed_by", "updated_at"])
