"""Queries the review pages and the board's panel share."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from qualification.lifecycle.table import REJECTIONS
from qualification.models import Lead, StageTransition
from review.models import Decision, ReviewSession

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
