"""Queries the review pages and the board's panel share."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Prefetch, Q, QuerySet

from qualification.models import REJECTIONS, Lead, Stage, StageTransition
from review import services
from review.models import Decision, ReviewSession, RuleChangeProposal

BORDERLINE_LIMIT = 50
RECENT_REJECTION_DAYS = 30


def sessions_with_progress():
    """Review sessions with how many leads each holds and how many are decided."""
    return ReviewSession.objects.select_related("opened_by", "closed_by").annotate(
        leads=Count("items", distinct=True),
        decided=Count("items", filter=~Q(items__decision=Decision.PENDING), distinct=True),
    )


@dataclass(frozen=True)
class BorderlineLeads:
    """The board's page: leads in the manual-review band and the SDRs' recent rejections."""

    review_leads: list[Lead]
    review_total: int
    rejections: list[StageTransition]
    rejection_total: int
    rejection_days: int
    now: dt.datetime


def borderline_leads(*, now: dt.datetime) -> BorderlineLeads:
    review: QuerySet = Lead.objects.filter(manual_review=True).with_brief()
    review = review.order_by("-created_at", "-pk")
    rejections = (
        StageTransition.objects.filter(
            name__in=REJECTIONS, occurred_at__gte=now - dt.timedelta(days=RECENT_REJECTION_DAYS)
        )
        .select_related("lead__contact", "lead__account", "lead__segment", "actor", "reason_code")
        .order_by("-occurred_at", "-pk")
    )
    return BorderlineLeads(
        review_leads=list(review[:BORDERLINE_LIMIT]),
        review_total=review.count(),
        rejections=list(rejections[:BORDERLINE_LIMIT]),
        rejection_total=rejections.count(),
        rejection_days=RECENT_REJECTION_DAYS,
        now=now,
    )


@dataclass(frozen=True)
class SessionPage:
    """A review session's page: its leads (each with how it left the funnel and where a
    manager may send it back), its proposals, and what the viewer may do."""

    session: ReviewSession
    items: list
    proposals: list
    counts: dict[str, int]
    unfinished: services.Unfinished
    can_run: bool
    can_propose: bool
    can_apply: bool

    def as_context(self) -> dict:
        return {
            "session": self.session,
            "items": self.items,
            "proposals": self.proposals,
            "counts": self.counts,
            "unfinished": self.unfinished,
            "can_run": self.can_run,
            "can_propose": self.can_propose,
            # Proposals a closed session left pending stay RevOps' to decide.
            "can_apply": self.can_apply,
            "summary": self.session.summary if not self.session.is_open else None,
        }


def session_page(*, session: ReviewSession, user: AbstractBaseUser) -> SessionPage:
    items = list(_session_items(session))
    can_run = session.is_open and user.has_perm("review.run_review")
    for item in items:
        transitions = list(item.lead.transitions.all())
        item.exit = next(
            (t for t in reversed(transitions) if t.to_stage in (Stage.DISQUALIFIED, Stage.NURTURE)),
            None,
        )
        item.targets = services.overturn_targets(lead=item.lead, actor=user) if can_run else []
    proposals = list(
        session.proposals.select_related(
            "segment", "scoring_rule", "icp_rule", "reason_code", "proposed_by", "decided_by",
            "item",
        )
    )  # fmt: skip
    counts = {decision: 0 for decision in Decision.values}
    for item in items:
        counts[item.decision] += 1
    pending = sum(1 for p in proposals if p.status == RuleChangeProposal.Status.PROPOSED)
    return SessionPage(
        session=session,
        items=items,
        proposals=proposals,
        counts=counts,
        unfinished=services.Unfinished(leads=counts[Decision.PENDING], proposals=pending),
        can_run=can_run,
        can_propose=session.is_open and user.has_perm("review.add_rulechangeproposal"),
        can_apply=user.has_perm("review.apply_proposal"),
    )


def _session_items(session: ReviewSession) -> QuerySet:
    history = StageTransition.objects.select_related("actor", "reason_code").order_by(
        "occurred_at", "pk"
    )
    return (
        session.items.select_related(
            "lead__contact",
            "lead__account",
            "lead__segment",
            "lead__reason_code",
            "lead__owner",
            "decided_by",
            "overturn",
        )
        .prefetch_related(Prefetch("lead__transitions", queryset=history))
        .order_by("position")
    )
