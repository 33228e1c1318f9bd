"""Everything that writes to a review session, each in one transaction. A closed session refuses
decisions and new proposals; the proposals it left awaiting RevOps stay decidable, and its summary
records those later decisions. Overturns move the lead through the lifecycle engine; applied
proposals change the rule with a history row naming who applied it and why."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import capfirst

from qualification.lifecycle.engine import find_transition, transition_lead
from qualification.lifecycle.evidence import NON_FIELD, Evidence, TransitionRefused, has_text
from qualification.lifecycle.table import transitions_from
from qualification.models import IcpRule, Lead, ReasonCode, ScoringRule, Segment, Stage
from review.models import Decision, ReviewItem, ReviewSession, RuleChangeProposal, Stratum
from review.sampling import sample_leads

MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 5, 60, 24


class ReviewRefused(Exception):
    """A change the review rules refuse, with a message for the person who asked and, when the
    message is about one field of the form they filled in, that field's name."""

    def __init__(self, message: str, *, field: str = NON_FIELD):
        super().__init__(message)
        self.field = field

    @property
    def errors(self) -> dict[str, list[str]]:
        """Keyed like `TransitionRefused.errors`, so a form shows either beside its field."""
        return {self.field: [str(self)]}


@dataclass(frozen=True)
class Unfinished:
    """What a session would leave behind if it closed now."""

    leads: int = 0  # sampled leads with no decision
    proposals: int = 0  # proposals awaiting RevOps

    def __bool__(self) -> bool:
        return bool(self.leads or self.proposals)

    @property
    def text(self) -> str:
        parts = []
        if self.leads:
            parts.append(
                f"{self.leads} lead{'s are' if self.leads != 1 else ' is'} still undecided"
            )
        if self.proposals:
            parts.append(
                f"{self.proposals} proposal{'s await' if self.proposals != 1 else ' awaits'} RevOps"
            )
        return " and ".join(parts)


class CloseNeedsConfirmation(ReviewRefused):
    """Closing would leave leads undecided or proposals pending: the manager confirms first,
    with the numbers they were shown."""

    def __init__(self, unfinished: Unfinished):
        super().__init__(
            f"{capfirst(unfinished.text)}. Close anyway? Undecided leads stay undecided in the"
            " summary; RevOps can still apply or decline the pending proposals."
        )
        self.unfinished = unfinished


# What each kind of proposal may change, and how its value is read.
def _int(text: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise ReviewRefused(f"“{text}” is not a whole number", field="value") from None


def _bool(text: str) -> bool:
    value = str(text).strip().lower()
    if value in ("true", "yes", "on", "1", "active"):
        return True
    if value in ("false", "no", "off", "0", "inactive"):
        return False
    raise ReviewRefused(f"“{text}” is not yes or no", field="value")


def _label(text: str) -> str:
    value = str(text).strip()
    if not value:
        raise ReviewRefused("the new label cannot be empty", field="value")
    return value


PROPOSAL_FIELDS = {
    RuleChangeProposal.Kind.THRESHOLD: {"mql_threshold": _int, "nurture_floor": _int},
    RuleChangeProposal.Kind.SCORING_WEIGHT: {"points": _int, "active": _bool},
    RuleChangeProposal.Kind.ICP_RULE: {"points": _int, "active": _bool},
    RuleChangeProposal.Kind.REASON_CODE: {"label": _label, "active": _bool},
}
TARGET_FIELD = {
    RuleChangeProposal.Kind.THRESHOLD: ("segment", Segment),
    RuleChangeProposal.Kind.SCORING_WEIGHT: ("scoring_rule", ScoringRule),
    RuleChangeProposal.Kind.ICP_RULE: ("icp_rule", IcpRule),
    RuleChangeProposal.Kind.REASON_CODE: ("reason_code", ReasonCode),
}


def _require(actor: AbstractBaseUser, perm: str, message: str) -> None:
    if not actor.is_active or not actor.has_perm(perm):
        raise PermissionDenied(message)


def field_label(kind: str, field: str) -> str:
    """A proposal's field as people say it: the rule's field's verbose name ("MQL threshold")."""
    _, model = TARGET_FIELD[kind]
    return capfirst(model._meta.get_field(field).verbose_name)


def _locked_open(session: ReviewSession) -> ReviewSession:
    """The session row, locked for the rest of the transaction; refused when closed."""
    locked = ReviewSession.objects.select_for_update().get(pk=session.pk)
    if not locked.is_open:
        raise ReviewRefused(f"{locked} is closed: it takes no more decisions or proposals")
    return locked


def open_session(
    *, month: dt.date, actor: AbstractBaseUser, size: int = DEFAULT_SIZE, seed: int | None = None
) -> ReviewSession:
    """Open the review of `month` with a fresh stratified sample, its seed stored."""
    _require(actor, "review.run_review", "only a manager may open a review session")
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ReviewRefused(f"a session samples between {MIN_SIZE} and {MAX_SIZE} leads")
    month = month.replace(day=1)
    if seed is None:
        seed = secrets.randbits(48)
    with transaction.atomic():
        if ReviewSession.objects.filter(month=month).exists():
            raise ReviewRefused(f"{month:%B %Y} already has a review session")
        draws = sample_leads(month=month, size=size, seed=seed)
        try:
            with transaction.atomic():
                session = ReviewSession.objects.create(
                    month=month, sample_size=size, seed=seed, opened_by=actor
                )
        except IntegrityError:
            raise ReviewRefused(f"{month:%B %Y} already has a review session") from None
        stages = dict(
            Lead.objects.filter(pk__in=[d.lead_id for d in draws]).values_list("pk", "stage")
        )
        ReviewItem.objects.bulk_create(
            ReviewItem(
                session=session,
                lead_id=draw.lead_id,
                stratum=draw.stratum,
                position=position,
                stage_when_sampled=stages[draw.lead_id],
            )
            for position, draw in enumerate(draws, start=1)
        )
    return session


def overturn_targets(*, lead: Lead, actor: AbstractBaseUser) -> list[str]:
    """The stages the engine lets `actor` move `lead` to: what an overturn may choose."""
    targets = []
    for row in transitions_from(lead.stage):
        if row.target not in targets and row.allows(actor, lead):
            targets.append(row.target)
    return targets


def record_decision(
    *,
    item: ReviewItem,
    actor: AbstractBaseUser,
    decision: str,
    note: str = "",
    overturn_to: str | None = None,
    evidence: Evidence | None = None,
) -> ReviewItem:
    """Record the group's decision on one sampled lead.

    An overturn needs a note and a stage to move the lead to, and moves it through
    `transition_lead`: if the engine refuses, `TransitionRefused` propagates and nothing is
    recorded. An overturned lead has moved; its decision cannot be changed afterwards.
    """
    _require(actor, "review.run_review", "only a manager records the review's decisions")
    if decision not in (Decision.AGREE, Decision.OVERTURN, Decision.ADJUST):
        raise ReviewRefused("choose agree, overturn or adjust", field="decision")
    note = (note or "").strip()
    with transaction.atomic():
        _locked_open(item.session)
        item = ReviewItem.objects.select_for_update().get(pk=item.pk)
        if item.decision == Decision.OVERTURN:
            raise ReviewRefused("this lead was already overturned; its decision stands")
        if decision == Decision.OVERTURN:
            lead = Lead.objects.select_related("segment", "account").get(pk=item.lead_id)
            if not overturn_targets(lead=lead, actor=actor):
                raise ReviewRefused(
                    f"no stage change from {Stage(lead.stage).label} is open to you, so this"
                    " lead cannot be overturned: agree, or propose a rule change",
                    field="decision",
                )
            if not has_text(note):
                raise ReviewRefused("an overturn needs a note saying why", field="note")
            if not overturn_to:
                raise ReviewRefused(
                    "an overturn needs the stage to move the lead to", field="overturn_to"
                )
            find_transition(
                lead=lead, target=overturn_to, actor=actor
            )  # a clear refusal before the evidence
            given = evidence or Evidence()
            given.note = given.note or note
            if overturn_to == "mql" and lead.stage == "new":
                given.manual_review_decision = given.manual_review_decision or note
            item.overturn = transition_lead(lead=lead, to=overturn_to, actor=actor, evidence=given)
        item.decision = decision
        item.note = note
        item.decided_by = actor
        item.decided_at = timezone.now()
        item.save()
    return item


def propose_change(
    *,
    session: ReviewSession,
    actor: AbstractBaseUser,
    kind: str,
    target,
    field: str,
    value: str,
    rationale: str,
    item: ReviewItem | None = None,
) -> RuleChangeProposal:
    """Record a proposed change to one field of a threshold, weight, ICP rule or reason code."""
    _require(actor, "review.add_rulechangeproposal", "you may not propose rule changes")
    if kind not in PROPOSAL_FIELDS:
        raise ReviewRefused("choose what kind of rule to change", field="target")
    target_name, model = TARGET_FIELD[kind]
    if not isinstance(target, model):
        raise ReviewRefused(f"choose the {model._meta.verbose_name} to change", field="target")
    if field not in PROPOSAL_FIELDS[kind]:
        can = ", ".join(field_label(kind, name).lower() for name in PROPOSAL_FIELDS[kind])
        raise ReviewRefused(
            f"a {RuleChangeProposal.Kind(kind).label.lower()} has no such setting; choose {can}",
            field="field",
        )
    if PROPOSAL_FIELDS[kind][field](value) == getattr(target, field):
        raise ReviewRefused(
            f"{target} already has {field_label(kind, field).lower()} {getattr(target, field)}",
            field="value",
        )
    rationale = (rationale or "").strip()
    if not has_text(rationale):
        raise ReviewRefused("a proposal needs a rationale", field="rationale")
    with transaction.atomic():
        session = _locked_open(session)
        if item is not None and item.session_id != session.pk:
            raise ReviewRefused("that lead is not in this session", field="item")
        return RuleChangeProposal.objects.create(
            session=session,
            item=item,
            kind=kind,
            field=field,
            current_value=str(getattr(target, field)),
            proposed_value=str(value).strip(),
            rationale=rationale,
            proposed_by=actor,
            **{target_name: target},
        )


def _locked_for_proposals(session: ReviewSession) -> ReviewSession:
    """The session row, locked: RevOps decides proposals in an open session, and those a closed
    session left pending (a closed session takes no new ones, so those are the only ones)."""
    return ReviewSession.objects.select_for_update().get(pk=session.pk)


def _pending(proposal: RuleChangeProposal) -> RuleChangeProposal:
    proposal = RuleChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != RuleChangeProposal.Status.PROPOSED:
        raise ReviewRefused(f"this proposal was already {proposal.get_status_display().lower()}")
    return proposal


def _record_after_close(session: ReviewSession, proposal: RuleChangeProposal) -> None:
    """A proposal decided after the session closed: the kept summary's proposal figures are
    brought up to date and the late decision is listed, so the summary stays true."""
    if session.is_open:
        return
    summary = dict(session.summary)
    summary.update(_proposal_summary(session))
    summary["after_close"] = [
        *summary.get("after_close", []),
        {
            "id": proposal.pk,
            "status": proposal.status,
            "kind": proposal.kind,
            "field": proposal.field,
            "to": proposal.proposed_value,
            "by": proposal.decided_by.get_username(),
            "at": proposal.decided_at.isoformat(),
        },
    ]
    session.summary = summary
    session.save(update_fields=["summary"])


def apply_proposal(
    *, proposal: RuleChangeProposal, actor: AbstractBaseUser, note: str = ""
) -> RuleChangeProposal:
    """Change the rule as proposed, saving it with a history row (user and reason)."""
    _require(actor, "review.apply_proposal", "only RevOps may apply rule changes")
    with transaction.atomic():
        session = _locked_for_proposals(proposal.session)
        proposal = _pending(proposal)
        _, model = TARGET_FIELD[proposal.kind]
        target = model.objects.select_for_update().get(pk=proposal.target.pk)
        setattr(
            target,
            proposal.field,
            PROPOSAL_FIELDS[proposal.kind][proposal.field](proposal.proposed_value),
        )
        try:
            target.full_clean()
        except ValidationError as error:
            raise ReviewRefused("; ".join(m.rstrip(".") for m in error.messages)) from None
        target._history_user = actor
        target._change_reason = (
            f"{session}: {field_label(proposal.kind, proposal.field)} "
            f"{proposal.current_value} → {proposal.proposed_value} — {proposal.rationale}"
        )
        target.save()
        proposal.status = RuleChangeProposal.Status.APPLIED
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.decision_note = (note or "").strip()
        proposal.save()
        _record_after_close(session, proposal)
    return proposal


def decline_proposal(
    *, proposal: RuleChangeProposal, actor: AbstractBaseUser, note: str = ""
) -> RuleChangeProposal:
    _require(actor, "review.apply_proposal", "only RevOps may decline rule changes")
    note = (note or "").strip()
    if not has_text(note):
        raise ReviewRefused("say why the change is declined", field="note")
    with transaction.atomic():
        session = _locked_for_proposals(proposal.session)
        proposal = _pending(proposal)
        proposal.status = RuleChangeProposal.Status.DECLINED
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.decision_note = note
        proposal.save()
        _record_after_close(session, proposal)
    return proposal


def _proposal_summary(session: ReviewSession) -> dict:
    proposals = list(
        session.proposals.order_by("pk").values_list(
            "status", "kind", "field", "current_value", "proposed_value"
        )
    )
    return {
        "proposals": {
            s: sum(1 for p in proposals if p[0] == s) for s in RuleChangeProposal.Status.values
        },
        "changes": [
            {"status": p[0], "kind": p[1], "field": p[2], "from": p[3], "to": p[4]}
            for p in proposals
        ],
    }


def session_summary(session: ReviewSession) -> dict:
    """Decisions by category and by stratum, and the proposals by outcome."""
    items = list(session.items.values_list("decision", "stratum"))
    decisions = Counter(decision for decision, _ in items)
    by_stratum: dict[str, dict[str, int]] = {}
    for decision, stratum in items:
        row = by_stratum.setdefault(stratum, {d: 0 for d in Decision.values})
        row[decision] += 1
    return {
        "leads": len(items),
        "decisions": {d: decisions.get(d, 0) for d in Decision.values},
        "by_stratum": {s: by_stratum[s] for s in Stratum.values if s in by_stratum},
        **_proposal_summary(session),
    }


def unfinished(session: ReviewSession) -> Unfinished:
    """The leads still undecided and the proposals still awaiting RevOps."""
    return Unfinished(
        leads=session.items.filter(decision=Decision.PENDING).count(),
        proposals=session.proposals.filter(status=RuleChangeProposal.Status.PROPOSED).count(),
    )


def close_session(
    *, session: ReviewSession, actor: AbstractBaseUser, confirmed: Unfinished | None = None
) -> ReviewSession:
    """Close the session and keep its summary; from now on it takes no decision or proposal.

    With leads undecided or proposals pending it closes only when `confirmed` names exactly
    what would be left (the numbers the manager was shown): otherwise `CloseNeedsConfirmation`
    says how many, so nobody closes more unfinished business than they agreed to."""
    _require(actor, "review.run_review", "only a manager may close a review session")
    with transaction.atomic():
        session = _locked_open(session)
        left = unfinished(session)
        if left and left != confirmed:
            raise CloseNeedsConfirmation(left)
        session.summary = session_summary(session)
        session.status = ReviewSession.Status.CLOSED
        session.closed_by = actor
        session.closed_at = timezone.now()
        session.save()
    return session


__all__ = [
    "CloseNeedsConfirmation",
    "ReviewRefused",
    "Unfinished",
    "TransitionRefused",
    "open_session",
    "overturn_targets",
    "record_decision",
    "propose_change",
    "apply_proposal",
    "decline_proposal",
    "close_session",
    "field_label",
    "session_summary",
    "unfinished",
]
