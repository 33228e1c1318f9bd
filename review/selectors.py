"""Queries the review pages and the board's panel share."""

from django.db.models import Count, Q

from review.models import Decision, ReviewSession


def sessions_with_progress():
    """Review sessions with how many leads each holds and how many are decided."""
    return ReviewSession.objects.select_related("opened_by", "closed_by").annotate(
        leads=Count("items", distinct=True),
        decided=Count("items", filter=~Q(items__decision=Decision.PENDING), distinct=True),
    )
